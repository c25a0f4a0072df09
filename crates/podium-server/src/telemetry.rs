//! Logging set-up: JSON lines by default, human-readable text when stdout is a terminal (or as
//! configured). Request spans carry the request id, so every line of a request can be found.
//! Lines are written by a thread of their own (`tracing-appender`), so a request never waits
//! on stdout; nothing is dropped (a full buffer makes the logger wait instead), and [`flush`]
//! writes what is left before the process exits.

use std::{io::IsTerminal, sync::Mutex};

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};

use tracing_subscriber::{EnvFilter, fmt, layer::SubscriberExt, util::SubscriberInitExt};

use crate::config::LogFormat;

/// Installs the global subscriber; later calls (tests) are no-ops.
pub fn init(format: LogFormat, level: &str) {
    let filter = EnvFilter::try_from_env("RUST_LOG")
        .or_else(|_| EnvFilter::try_new(level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let json = match format {
        LogFormat::Json => true,
        LogFormat::Text => false,
        LogFormat::Auto => !std::io::stdout().is_terminal(),
    };
    let (writer, guard) = NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("podium-log")
        .finish(std::io::stdout());
    let registry = tracing_subscriber::registry().with(filter);
    let result = if json {
        registry
            .with(
                fmt::layer()
                    .with_writer(writer.clone())
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_target(true),
            )
            .try_init()
    } else {
        registry
            .with(fmt::layer().with_writer(writer).with_target(false))
            .try_init()
    };
    // Already installed (a second server in the same test process): keep the first.
    if result.is_ok() {
        *GUARD.lock().unwrap_or_else(|e| e.into_inner()) = Some(guard);
    }
}

/// The log thread's guard: dropping it writes every line still queued.
static GUARD: Mutex<Option<WorkerGuard>> = Mutex::new(None);

/// Writes every queued line; call before the process exits.
pub fn flush() {
    drop(GUARD.lock().unwrap_or_else(|e| e.into_inner()).take());
}
