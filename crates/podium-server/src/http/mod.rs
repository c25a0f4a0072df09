//! The HTTP surface: one router per resource under `/api/v1`, the OpenAPI document, health
//! endpoints, and the middleware every request passes (request id, log line, metrics by matched
//! route, timeout, body limit, compression, panic catching).

mod audit;
mod auth;
mod authorize;
mod cursor;
mod entries;
mod events;
pub mod extract;
mod flags;
mod jobs;
mod keys;
mod leaderboards;
mod league_views;
mod leagues;
mod matches;
mod ofrep;
mod openapi;
mod profiles;
mod scores;
pub mod scrape;
mod standings;
mod system;
mod users;
pub mod views;
mod web;

use std::{
    collections::HashMap,
    sync::{LazyLock, RwLock},
    time::{Duration, Instant},
};

use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, MatchedPath, Request, State},
    http::{HeaderName, HeaderValue, Method, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::json;
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::CompressionLayer,
    cors::{AllowOrigin, CorsLayer},
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
};
use utoipa_axum::router::OpenApiRouter;

pub use openapi::openapi_document;

use crate::{
    error::{ApiError, ErrorCode},
    metrics as m,
    state::AppState,
};

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The API routes with their OpenAPI description; OFREP keeps its own `/ofrep/v1` prefix.
pub fn api_routes() -> OpenApiRouter<AppState> {
    let api = OpenApiRouter::with_openapi(openapi::base()).nest(
        "/api/v1",
        leaderboards::router()
            .merge(scores::router())
            .merge(entries::router())
            .merge(leagues::router())
            .merge(matches::router())
            .merge(standings::router())
            .merge(jobs::router())
            .merge(events::router())
            .merge(auth::router())
            .merge(users::router())
            .merge(keys::router())
            .merge(profiles::router())
            .merge(audit::router())
            .merge(flags::router())
            .merge(system::router()),
    );
    api.nest("/ofrep/v1", ofrep::router())
}

/// The complete application.
pub fn router(state: AppState) -> Router {
    let (api, mut document) = api_routes().split_for_parts();
    openapi::add_common_responses(&mut document);
    let document = std::sync::Arc::new(document);
    // Without configured origins there is nothing for CORS to allow: no layer to run (and to
    // clone) on every request.
    let cors = (!state.config.cors_origins.is_empty()).then(|| cors(&state.config.cors_origins));
    let timeout = Duration::from_secs(state.config.request_timeout_secs);
    Router::new()
        .merge(api)
        .route(
            "/api/openapi.json",
            get(move || {
                let doc = document.clone();
                async move { Json(doc.as_ref().clone()) }
            }),
        )
        .route("/version", get(version))
        .fallback({
            let dir = state.config.web_dir.clone();
            move |method, uri| web::serve(dir.clone(), method, uri)
        })
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            refuse_writes_without_primary,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            authorize::authorize,
        ))
        // Health checks are added after the authorization layer, so it does not wrap them:
        // they answer whoever asks, whatever headers come along, at the cost of the layers
        // below only (request id, metrics and log, limits).
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .layer(middleware::from_fn_with_state(
            (state.clone(), timeout),
            observe,
        ))
        .layer(DefaultBodyLimit::max(state.config.body_limit_bytes))
        .layer(CompressionLayer::new())
        .layer(tower::util::option_layer(cors))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::internal(anyhow::anyhow!("handler panicked")).into_response()
        }))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
        .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), MakeRequestUuid))
        .with_state(state)
}

fn cors(origins: &[String]) -> CorsLayer {
    let allowed: Vec<HeaderValue> = origins.iter().filter_map(|o| o.parse().ok()).collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(allowed))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            axum::http::header::CONTENT_TYPE,
            axum::http::header::AUTHORIZATION,
            REQUEST_ID.clone(),
        ])
        .expose_headers([REQUEST_ID.clone()])
}

/// One log line and the metrics for each request, labelled by the matched route.
/// Also bounds the request's time (one middleware rather than two: each costs a boxed future
/// and a clone of the stack on every request).
async fn observe(
    State((_state, limit)): State<(AppState, Duration)>,
    req: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let matched = req.extensions().get::<MatchedPath>().cloned();
    let route = matched.as_ref().map_or("unmatched", MatchedPath::as_str);
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let span =
        tracing::info_span!("request", request_id = %request_id, method = %method, route = %route);
    let response = crate::error::CURRENT_REQUEST_ID
        .scope(
            request_id,
            tracing::Instrument::instrument(with_timeout(limit, req, next), span.clone()),
        )
        .await;
    let status = response.status().as_u16();
    let latency = started.elapsed();
    let (requests, duration) = route_metrics(route, &method, status);
    requests.increment(1);
    duration.record(latency.as_secs_f64());
    let _enter = span.enter();
    let latency_ms = latency.as_secs_f64() * 1000.0;
    if route == "/healthz" || route == "/readyz" {
        tracing::debug!(status, latency_ms, "request");
    } else if status >= 500 {
        tracing::error!(status, latency_ms, "request");
    } else {
        tracing::info!(status, latency_ms, "request");
    }
    response
}

type RouteMetrics = (metrics::Counter, metrics::Histogram);
type RouteCache = HashMap<String, HashMap<(Method, u16), RouteMetrics>>;

/// The request counter and latency histogram of a (route, method, status), looked up once and
/// then kept: building the labelled keys on every request (four strings, a registry lookup)
/// was a measurable part of a small request's cost. Routes, methods and statuses are bounded
/// sets, so the cache is too.
fn route_metrics(route: &str, method: &Method, status: u16) -> RouteMetrics {
    static CACHE: LazyLock<RwLock<RouteCache>> = LazyLock::new(Default::default);
    let by_route = crate::sync::read(&CACHE);
    if let Some(found) = by_route
        .get(route)
        .and_then(|m| m.get(&(method.clone(), status)))
    {
        return found.clone();
    }
    drop(by_route);
    let made = (
        metrics::counter!(m::HTTP_REQUESTS, "method" => method.to_string(), "route" => route.to_owned(), "status" => status.to_string()),
        metrics::histogram!(m::HTTP_DURATION, "method" => method.to_string(), "route" => route.to_owned()),
    );
    crate::sync::write(&CACHE)
        .entry(route.to_owned())
        .or_default()
        .insert((method.clone(), status), made.clone());
    made
}

async fn with_timeout(limit: Duration, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(ErrorCode::Timeout, "the request took too long").into_response(),
    }
}

/// While a failover has left no read-write database host, a write is answered 503 with
/// `Retry-After` at once rather than after waiting for a connection that cannot come; reads,
/// served from memory, go on.
async fn refuse_writes_without_primary(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let reads = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !reads && state.primary.as_ref().is_some_and(|p| p.is_down()) {
        return ApiError::database_unavailable(anyhow::anyhow!("no read-write database host"))
            .into_response();
    }
    next.run(req).await
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        "this route does not accept that method",
    )
}

/// Liveness: the process answers. A fixed body, built once.
async fn healthz() -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        r#"{"status":"ok"}"#,
    )
}

/// Ready when the database answers, migrations are applied, the index is warm and the process
/// is not draining.
async fn readyz(State(state): State<AppState>) -> Response {
    let database = tokio::time::timeout(Duration::from_secs(2), crate::db::ping(&state.pool))
        .await
        .is_ok_and(|r| r.is_ok());
    let checks = system::Readiness::check(&state, database).await;
    let ready = checks.ready;
    let mut body = serde_json::to_value(&checks).unwrap_or_default();
    body["indexed_entries"] = json!(state.ranks.total_entries());
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

async fn version() -> Json<serde_json::Value> {
    Json(json!({
        "version": crate::VERSION,
        "git_commit": crate::GIT_COMMIT,
        "build_time": crate::BUILD_TIME,
    }))
}
