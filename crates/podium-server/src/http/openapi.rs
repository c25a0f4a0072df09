//! The OpenAPI 3.1 document's frame: title, version, security scheme and shared components.
//! Paths are collected from the routers, so the document cannot drift from the code.

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
    super::api_routes().split_for_parts().1
}
