//! `/leaderboards/{slug}/events`: live changes of a leaderboard's current period as
//! Server-Sent Events. Each stream reads from a bounded per-leaderboard buffer; a client that
//! falls more than the buffer behind is dropped (it may reconnect and re-read the board), so no
//! client can hold memory without bound.

use std::{convert::Infallible, time::Duration};

use axum::{
    extract::State,
    http::{HeaderValue, header},
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
};
use futures::{Stream, StreamExt};
use tokio_stream::wrappers::BroadcastStream;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::ApiPath;
use crate::{
    error::{ApiError, ApiResult, Problem},
    leaderboards::LiveEvent,
    metrics as m,
    state::AppState,
    sync::write,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(leaderboard_events))
}

/// Counts an open stream for as long as it lives.
struct Open;

impl Open {
    fn new() -> Self {
        metrics::gauge!(m::EVENT_STREAMS).increment(1.0);
        Open
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        metrics::gauge!(m::EVENT_STREAMS).decrement(1.0);
    }
}

/// Live updates of a leaderboard (Server-Sent Events). Events: `entry` (a participant's entry
/// after a submission: participant, score, subscore, rank, previous_rank, period_id), `erase`
/// (participant) and `period` (a new period began). A comment every 15 s keeps the connection
/// open. A client too slow to keep up is disconnected.
#[utoipa::path(get, path = "/leaderboards/{slug}/events", tag = "entries",
    params(("slug" = String, Path)),
    responses((status = 200, description = "An event stream", content_type = "text/event-stream"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn leaderboard_events(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<Response> {
    let lb = state
        .ranks
        .by_slug(&slug)
        .ok_or_else(|| ApiError::leaderboard_not_found(&slug))?;
    let rx = write(&lb).subscribe();
    let mut response = Sse::new(stream(rx))
        .keep_alive(
            KeepAlive::new()
                .interval(Duration::from_secs(15))
                .text("keep-alive"),
        )
        .into_response();
    // Tell a proxy (Nginx) not to buffer the stream.
    response
        .headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}

fn stream(
    rx: tokio::sync::broadcast::Receiver<LiveEvent>,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let open = Open::new();
    // A comment first, so clients (and proxies) see the stream open at once. The stream ends
    // after the first lag: the client gets a `resync` event (re-read the board, reconnect).
    let hello = futures::stream::once(std::future::ready(Event::default().comment("connected")));
    let events = BroadcastStream::new(rx).scan(false, |done, item| {
        if *done {
            return std::future::ready(None);
        }
        std::future::ready(Some(match item {
            Ok(e) => event(&e),
            Err(_) => {
                *done = true;
                metrics::counter!(m::EVENT_STREAMS_DROPPED).increment(1);
                Event::default().event("resync").data("{}")
            }
        }))
    });
    hello.chain(events).map(move |e| {
        let _open = &open;
        Ok(e)
    })
}

fn event(e: &LiveEvent) -> Event {
    let name = match e {
        LiveEvent::Entry { .. } => "entry",
        LiveEvent::Erase { .. } => "erase",
        LiveEvent::Period { .. } => "period",
    };
    Event::default()
        .event(name)
        .json_data(e)
        .unwrap_or_else(|_| Event::default().comment("unserializable"))
}
