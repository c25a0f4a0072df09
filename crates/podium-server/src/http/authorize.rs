//! The authorization middleware: resolves the caller (API key or session cookie), enforces the
//! table of `accounts::policy` for the matched route, and hands the principal and the audit
//! context to the handler.

use axum::{
    extract::{ConnectInfo, MatchedPath, Request, State},
    http::{Method, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{
    accounts::{
        Principal,
        keys::KeyRefusal,
        policy::{check, known_route, need, resource, same_origin},
        session,
    },
    audit::Context,
    error::{ApiError, ErrorCode},
    model::Visibility,
    state::AppState,
    sync::read,
};

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
    let (principal, by_cookie) = caller(state, req.headers(), now).await?;
    enforce(state, req, &principal, by_cookie)?;
    if let Principal::Key(k) = &principal {
        if !req.method().is_safe()
            && let Some(limiter) = &state.auth.writes
            && let Err(wait) = limiter.check(k.id)
        {
            metrics::counter!(crate::metrics::RATE_LIMITED).increment(1);
            return Err(ApiError::new(
                ErrorCode::RateLimited,
                format!(
                    "this API key made more than {} changes a second; retry after {wait} s",
                    state.config.key_write_rate
                ),
            )
            .with_retry_after(wait));
        }
        state.auth.touch(k.id, now);
    }
    // Only changes are audited: a read carries no audit context (building one costs four
    // strings on every read). A read handler that asked for one would answer 500: the
    // authorization matrix test calls every route as every kind of caller and would see it.
    if !req.method().is_safe() {
        let context = audit_context(state, req, &principal);
        req.extensions_mut().insert(context);
    }
    req.extensions_mut().insert(principal);
    Ok(())
}

/// Who calls: the API key in `Authorization: Bearer` (refused if it is not valid), else the
/// person whose session cookie is sent, else anonymous. True when it is by cookie.
async fn caller(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(Principal, bool), ApiError> {
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
    match (bearer, cookie) {
        (Some(token), _) => {
            let key = state
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
                })?;
            Ok((Principal::Key(key), false))
        }
        (None, Some(token)) => {
            match session::resolve(&state.pool, &token, now, state.auth.lifetimes).await? {
                Some(user) => Ok((Principal::User(user), true)),
                None => Ok((Principal::Anonymous, false)),
            }
        }
        (None, None) => Ok((Principal::Anonymous, false)),
    }
}

/// Who, from where, with which request id: what the audit log records of a change.
fn audit_context(state: &AppState, req: &Request, principal: &Principal) -> Context {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    Context {
        actor: principal.actor(),
        ip: client_ip(state, req),
        user_agent: header("user-agent").map(|s| s.chars().take(400).collect()),
        request_id: header("x-request-id").map(str::to_owned),
    }
}

/// The table's rule for the matched route, for this caller and resource; and a change made
/// with a session cookie must come from the same origin (CSRF defence).
fn enforce(
    state: &AppState,
    req: &Request,
    principal: &Principal,
    by_cookie: bool,
) -> Result<(), ApiError> {
    let Some(route) = req
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str)
    else {
        return Ok(());
    };
    let method = req.method();
    // HEAD runs the GET handler (axum), so it needs what GET needs.
    let as_method = if method == Method::HEAD {
        &Method::GET
    } else {
        method
    };
    let Some(need) = need(as_method, route) else {
        if known_route(route) {
            // Another method of a route the table knows: nothing runs, the router answers 405.
            return Ok(());
        }
        tracing::error!(%method, %route, "route missing from the authorization table");
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "this route has no authorization rule",
        ));
    };
    let resource = resource(req.uri().path()).map(|(kind, slug)| {
        let public = if kind == "leagues" {
            state
                .leagues
                .by_slug(slug)
                .is_none_or(|l| read(&l.data).def.visibility == Visibility::Public)
        } else {
            state
                .ranks
                .by_slug(slug)
                .is_none_or(|l| read(&l).def.visibility == Visibility::Public)
        };
        (kind, slug, public)
    });
    check(need, principal, resource)?;
    let changes_state = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    if by_cookie && changes_state && !same_origin(req.headers()) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "a change made with a session cookie needs a same-origin Origin header",
        ));
    }
    Ok(())
}
