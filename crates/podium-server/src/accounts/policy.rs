//! The authorization table: for every route, what a caller needs. Enforced by one middleware
//! (`http::authorize`) before any handler runs; a route missing from the table is refused (and a test walks the
//! OpenAPI document to make sure none is).

use axum::http::{HeaderMap, Method, header};

use super::{Principal, Role, Scope};
use crate::error::{ApiError, ErrorCode};

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

/// Whether the table has the route for some method.
pub fn known_route(route: &str) -> bool {
    TABLE.iter().any(|(_, r, _)| *r == route)
}

/// The leaderboard or league a path names: ("leaderboards" | "leagues", slug).
pub fn resource(path: &str) -> Option<(&str, &str)> {
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

/// Same-origin check for state changes authenticated by cookie (CSRF defence).
pub fn same_origin(headers: &HeaderMap) -> bool {
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
