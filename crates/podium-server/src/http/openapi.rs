//! The OpenAPI 3.1 document's frame: title, version, security scheme and shared components.
//! Paths are collected from the routers, so the document cannot drift from the code.

use axum::http::Method;
use utoipa::{
    Modify, OpenApi,
    openapi::security::{Http, HttpAuthScheme, SecurityScheme},
};

use crate::error::{ErrorCode, FieldError, Problem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Podium API",
        description = "Leaderboards and rankings. Errors are RFC 9457 `application/problem+json` with a stable `code`.",
        license(name = "AGPL-3.0-or-later")
    ),
    components(schemas(Problem, FieldError, ErrorCode)),
    modifiers(&Security),
    tags(
        (name = "leaderboards", description = "Create and manage score leaderboards"),
        (name = "scores", description = "Submit scores"),
        (name = "entries", description = "Read ranks, pages and neighbourhoods"),
        (name = "leagues", description = "Skill leagues: Elo, Glicko-2, TrueSkill, Weng-Lin, points tables"),
        (name = "matches", description = "Record, edit and void matches; head-to-head"),
        (name = "standings", description = "Standings, participants and rating history"),
        (name = "jobs", description = "Background jobs such as full recomputes"),
        (name = "accounts", description = "Sign-in, users, API keys and the audit log"),
        (name = "flags", description = "Feature flags (admin)"),
        (name = "ofrep", description = "OpenFeature Remote Evaluation Protocol: evaluate feature flags"),
        (name = "profiles", description = "Participant profiles and avatars"),
        (name = "system", description = "What an operator checks first: build, readiness, database, index sizes, backups (admin)"),
    )
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

pub(super) fn base() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = crate::VERSION.to_owned();
    doc
}

/// The complete document, as served at `/api/openapi.json` and printed by `podium openapi`.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let mut doc = super::api_routes().split_for_parts().1;
    add_common_responses(&mut doc);
    doc
}

/// Documents, on every operation, the errors that the layers in front of the handlers answer
/// (so a client generated from the document knows them, and the schemathesis run can hold
/// every status to the document): 401 for a missing or invalid credential (an invalid API key
/// is refused on every route), 403 where the authorization table can refuse the caller or a
/// cookie-authenticated change lacks a same-origin `Origin`, 400 for a malformed path or query
/// parameter, 400/413/415/422 for a body that is not JSON, too large, sent with another media
/// type or invalid, 422 for a path parameter that is not a valid id, 429 on changes (rate
/// limits), and 503 when the server is not ready or the request timed out.
pub(super) fn add_common_responses(doc: &mut utoipa::openapi::OpenApi) {
    for (route, item) in doc.paths.paths.iter_mut() {
        let methods = [
            (Method::GET, &mut item.get),
            (Method::POST, &mut item.post),
            (Method::PUT, &mut item.put),
            (Method::PATCH, &mut item.patch),
            (Method::DELETE, &mut item.delete),
        ];
        for (method, op) in methods {
            if let Some(op) = op.as_mut() {
                add_layer_errors(route, &method, op);
            }
        }
    }
}

/// The errors of [`add_common_responses`] for one operation, where it does not list them.
fn add_layer_errors(route: &str, method: &Method, op: &mut utoipa::openapi::path::Operation) {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder, path::ParameterIn};
    let need = crate::accounts::policy::need(method, route);
    let changes = method != Method::GET;
    let params_in = |places: &[ParameterIn]| {
        op.parameters
            .as_ref()
            .is_some_and(|ps| ps.iter().any(|p| places.contains(&p.parameter_in)))
    };
    let has_params = params_in(&[ParameterIn::Path, ParameterIn::Query]);
    let has_path_params = params_in(&[ParameterIn::Path]);
    let has_body = op.request_body.is_some();
    let mut add = |status: &str, description: &str| {
        op.responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| {
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/problem+json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("Problem")))
                            .build(),
                    )
                    .build()
                    .into()
            });
    };
    add(
        "401",
        "Authentication required, or the API key sent is not valid",
    );
    if need != Some(crate::accounts::policy::Need::Public) || changes {
        add(
            "403",
            "The caller's role or key does not allow this, or a change made with a session cookie lacks a same-origin `Origin` header",
        );
    }
    if changes {
        add(
            "429",
            "Too many requests: an API key over its write rate, or sign-in attempts over the limit; retry after `Retry-After`",
        );
    }
    if has_params || has_body {
        add(
            "400",
            "A path or query parameter, or the JSON body, is malformed",
        );
    }
    if has_body {
        add("413", "The request body is larger than the server accepts");
        add(
            "415",
            "The body is not sent with the media type this operation takes",
        );
    }
    if has_body || has_path_params {
        add(
            "422",
            "A path parameter (such as a participant id) or the body is well-formed but not valid",
        );
    }
    add(
        "503",
        "Not ready (starting, or the database is unavailable) or the request timed out; retry after `Retry-After` when it is sent",
    );
}
