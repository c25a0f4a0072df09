//! The authorization table: for every route, what a caller needs. Enforced in one middleware
//! before any handler runs; a route missing from the table is refused (and a test walks the
//! OpenAPI document to make sure none is).

use axum::{
    extract::{ConnectInfo, MatchedPath, Request, State},
    http::{HeaderMap, Method, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::{Principal, Role, Scope, keys::KeyRefusal, session};
use crate::{
    app::AppState,
    audit::Context,
    error::{ApiError, ErrorCode},
    rank::read,
};

/// What a route needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// Anyone.
    Public,
    /// A public leaderboard or league: anyone; a private one: a session or a `read` key.
    Read,
    /// A signed-in person.
    Session,
    /// Submit scores to the leaderboard in the path: an editor or a `scores:write` key.
    ScoresWrite,
    /// Record matches in the league in the path: an editor or a `matches:write` key.
    MatchesWrite,
    /// Create, change or delete leaderboards and leagues: an editor or an `admin` key.
    Manage,
    /// Users, keys, flags, the audit log: an admin or an `admin` key.
    Admin,
}

use Need::*;

/// The table: (method, route as matched, need).
pub const TABLE: &[(&str, &str, Need)] = &[
    ("GET", "/healthz", Public),
    ("GET", "/readyz", Public),
    ("GET", "/version", Public),
    ("GET", "/api/openapi.json", Public),
    ("POST", "/api/v1/auth/login", Public),
    ("POST", "/api/v1/auth/logout", Session),
    ("GET", "/api/v1/auth/me", Session),
    ("GET", "/api/v1/leaderboards", Public),
    ("POST", "/api/v1/leaderboards", Manage),
    ("GET", "/api/v1/leaderboards/{slug}", Read),
    ("PATCH", "/api/v1/leaderboards/{slug}", Manage),
    ("DELETE", "/api/v1/leaderboards/{slug}", Manage),
    ("GET", "/api/v1/leaderboards/{slug}/periods", Read),
    ("GET", "/api/v1/leaderboards/{slug}/events", Read),
    ("POST", "/api/v1/leaderboards/{slug}/scores", ScoresWrite),
    (
        "PUT",
        "/api/v1/leaderboards/{slug}/scores/{participant}",
        ScoresWrite,
    ),
    ("GET", "/api/v1/leaderboards/{slug}/entries", Read),
    (
        "GET",
        "/api/v1/leaderboards/{slug}/entries/{participant}",
        Read,
    ),
    (
        "DELETE",
        "/api/v1/leaderboards/{slug}/entries/{participant}",
        Manage,
    ),
    (
        "GET",
        "/api/v1/leaderboards/{slug}/entries/{participant}/around",
        Read,
    ),
    ("GET", "/api/v1/leagues", Public),
    ("POST", "/api/v1/leagues", Manage),
    ("GET", "/api/v1/leagues/{slug}", Read),
    ("PATCH", "/api/v1/leagues/{slug}", Manage),
    ("DELETE", "/api/v1/leagues/{slug}", Manage),
    ("POST", "/api/v1/leagues/{slug}/seasons", Manage),
    ("POST", "/api/v1/leagues/{slug}/recompute", Manage),
    ("POST", "/api/v1/leagues/{slug}/predict", Read),
    ("POST", "/api/v1/leagues/{slug}/matches", MatchesWrite),
    ("GET", "/api/v1/leagues/{slug}/matches", Read),
    ("POST", "/api/v1/leagues/{slug}/matches:import", Manage),
    ("PATCH", "/api/v1/leagues/{slug}/matches/{id}", Manage),
    ("DELETE", "/api/v1/leagues/{slug}/matches/{id}", Manage),
    ("GET", "/api/v1/leagues/{slug}/standings", Read),
    (
        "GET",
        "/api/v1/leagues/{slug}/participants/{participant}",
        Read,
    ),
    (
        "GET",
        "/api/v1/leagues/{slug}/participants/{participant}/history",
        Read,
    ),
    (
        "GET",
        "/api/v1/leagues/{slug}/participants/{participant}/matches",
        Read,
    ),
    ("GET", "/api/v1/leagues/{slug}/head-to-head", Read),
    ("GET", "/api/v1/jobs/{id}", Manage),
    ("GET", "/api/v1/users", Admin),
    ("POST", "/api/v1/users", Admin),
    ("PATCH", "/api/v1/users/{id}", Admin),
    ("POST", "/api/v1/auth/password", Session),
    ("GET", "/api/v1/keys", Admin),
    ("POST", "/api/v1/keys", Admin),
    ("DELETE", "/api/v1/keys/{id}", Admin),
    ("GET", "/api/v1/audit", Admin),
    ("GET", "/api/v1/flags", Admin),
    ("POST", "/api/v1/flags", Admin),
    ("PATCH", "/api/v1/flags/{key}", Admin),
    ("DELETE", "/api/v1/flags/{key}", Admin),
    ("GET", "/api/v1/system", Admin),
    ("POST", "/ofrep/v1/evaluate/flags/{key}", Public),
    ("POST", "/ofrep/v1/evaluate/flags", Public),
    ("GET", "/api/v1/participants/{participant}/profile", Public),
    ("PUT", "/api/v1/participants/{participant}/profile", Manage),
    ("GET", "/api/v1/participants/{participant}/avatar", Public),
    ("PUT", "/api/v1/participants/{participant}/avatar", Manage),
    (
        "DELETE",
        "/api/v1/participants/{participant}/avatar",
        Manage,
    ),
];

/// The need of a route, if the table has it.
pub fn need(method: &Method, route: &str) -> Option<Need> {
    TABLE
        .iter()
        .find(|(m, r, _)| *m == method.as_str() && *r == route)
        .map(|(_, _, n)| *n)
}

/// The leaderboard or league a path names: ("leaderboards" | "leagues", slug).
fn resource(path: &str) -> Option<(&str, &str)> {
    let mut parts = path.strip_prefix("/api/v1/")?.split('/');
    let kind = parts.next()?;
    let slug = parts.next()?;
    matches!(kind, "leaderboards" | "leagues").then_some((kind, slug))
}

/// Whether a key limited to some resources may touch this one.
fn key_allows(list: &Option<Vec<String>>, slug: &str) -> bool {
    list.as_ref().is_none_or(|l| l.iter().any(|s| s == slug))
}

fn denied(principal: &Principal, why: &str) -> ApiError {
    match principal {
        Principal::Anonymous => ApiError::new(
            ErrorCode::Unauthorized,
            format!("{why}: sign in or send `Authorization: Bearer <API key>`"),
        ),
        _ => ApiError::new(ErrorCode::Forbidden, why.to_owned()),
    }
}

/// Decides whether `principal` may do what `need` says to the resource (kind, slug, public).
pub fn check(
    need: Need,
    principal: &Principal,
    resource: Option<(&str, &str, bool)>,
) -> Result<(), ApiError> {
    let on = |list: fn(&super::KeyPrincipal) -> &Option<Vec<String>>, k: &super::KeyPrincipal| {
        resource.is_none_or(|(_, slug, _)| key_allows(list(k), slug))
    };
    let list_for = |kind: &str| -> fn(&super::KeyPrincipal) -> &Option<Vec<String>> {
        if kind == "leagues" {
            |k| &k.leagues
        } else {
            |k| &k.leaderboards
        }
    };
    let kind = resource.map_or("leaderboards", |(k, _, _)| k);
    match (need, principal) {
        (Public, _) => Ok(()),
        (Read, _) if resource.is_none_or(|(_, _, public)| public) => Ok(()),
        (Read, Principal::User(_)) => Ok(()),
        (Read, Principal::Key(k)) if k.has(Scope::Read) && on(list_for(kind), k) => Ok(()),
        (Read, p) => Err(denied(p, "this is private")),
        (Session, Principal::User(_)) => Ok(()),
        (Session, p) => Err(denied(p, "this needs a signed-in person")),
        (ScoresWrite | MatchesWrite | Manage, Principal::User(u)) if u.role >= Role::Editor => {
            Ok(())
        }
        (ScoresWrite, Principal::Key(k))
            if k.has(Scope::ScoresWrite) && on(|k| &k.leaderboards, k) =>
        {
            Ok(())
        }
        (MatchesWrite, Principal::Key(k))
            if k.has(Scope::MatchesWrite) && on(|k| &k.leagues, k) =>
        {
            Ok(())
        }
        (Manage, Principal::Key(k)) if k.has(Scope::Admin) && on(list_for(kind), k) => Ok(()),
        (Admin, Principal::User(u)) if u.role >= Role::Admin => Ok(()),
        (Admin, Principal::Key(k)) if k.has(Scope::Admin) => Ok(()),
        (_, p) => Err(denied(p, "your role or key does not allow this")),
    }
}

fn client_ip(state: &AppState, req: &Request) -> Option<String> {
    let peer = req
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let trusted = peer.is_some_and(|p| state.config.trusted_proxies.contains(&p));
    if trusted
        && let Some(forwarded) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
        && let Some(last) = forwarded.split(',').next_back()
    {
        return Some(last.trim().to_owned());
    }
    peer.map(|p| p.to_string())
}

/// Same-origin check for state changes authenticated by cookie (CSRF defence).
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let host = headers
        .get("x-forwarded-host")
        .or_else(|| headers.get(header::HOST))
        .and_then(|v| v.to_str().ok());
    let origin_host = origin.split_once("://").map(|(_, h)| h);
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

/// Resolves the caller, enforces the table, and hands the principal and the audit context to
/// the handler.
pub async fn authorize(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    match decide(&state, &mut req).await {
        Ok(()) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

async fn decide(state: &AppState, req: &mut Request) -> Result<(), ApiError> {
    let now = state.clock.now();
    let headers = req.headers();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_owned());
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| session::from_cookie_header(h).map(str::to_owned));
    let mut by_cookie = false;
    let principal = match (bearer, cookie) {
        (Some(token), _) => Principal::Key(
            state
                .auth
                .verify_bearer_fresh(&state.pool, &token, now)
                .await
                .map_err(|r| {
                    ApiError::new(
                        ErrorCode::Unauthorized,
                        match r {
                            KeyRefusal::Unknown => "the API key is not valid",
                            KeyRefusal::Revoked => "the API key was revoked",
                            KeyRefusal::Expired => "the API key has expired",
                        },
                    )
                })?,
        ),
        (None, Some(token)) => {
            match session::resolve(&state.pool, &token, now, state.auth.lifetimes).await? {
                Some(user) => {
                    by_cookie = true;
                    Principal::User(user)
                }
                None => Principal::Anonymous,
            }
        }
        (None, None) => Principal::Anonymous,
    };
    let ip = client_ip(state, req);
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(400).collect());
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let context = Context {
        actor: principal.actor(),
        ip,
        user_agent,
        request_id,
    };
    if let Some(route) = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
    {
        let method = req.method().clone();
        let need = need(&method, &route).ok_or_else(|| {
            tracing::error!(%method, %route, "route missing from the authorization table");
            ApiError::new(ErrorCode::Forbidden, "this route has no authorization rule")
        })?;
        let resource = resource(req.uri().path()).map(|(kind, slug)| {
            let public = if kind == "leagues" {
                state.leagues.by_slug(slug).is_none_or(|l| {
                    read(&l.data).def.visibility == crate::model::Visibility::Public
                })
            } else {
                state
                    .ranks
                    .by_slug(slug)
                    .is_none_or(|l| read(&l).def.visibility == crate::model::Visibility::Public)
            };
            (kind, slug, public)
        });
        check(need, &principal, resource)?;
        let changes_state = !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS);
        if by_cookie && changes_state && !same_origin(req.headers()) {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                "a change made with a session cookie needs a same-origin Origin header",
            ));
        }
    }
    if let Principal::Key(k) = &principal {
        state.auth.touch(k.id, now);
    }
    req.extensions_mut().insert(principal);
    req.extensions_mut().insert(context);
    Ok(())
}
