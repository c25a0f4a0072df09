//! The web UI: the built assets of `web/` embedded in the binary (so one binary is a complete
//! install), or served from `PODIUM_WEB_DIR` when set. Unknown non-API paths get `index.html`
//! (the UI routes them); hashed assets are cached for a year, `index.html` never.

use std::path::{Component, Path, PathBuf};

use axum::{
    body::Body,
    http::{HeaderValue, Method, StatusCode, Uri, header},
    response::{IntoResponse, Response},
};
use rust_embed::RustEmbed;

use crate::error::{ApiError, ErrorCode};

#[derive(RustEmbed)]
#[folder = "../../web/dist"]
#[allow_missing = true]
struct Assets;

const PLACEHOLDER: &str = "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Podium</title>\
<body style=\"font-family:system-ui;margin:3rem\"><h1>Podium</h1><p>The API is at \
<a href=\"/api/openapi.json\">/api/openapi.json</a>. This binary was built without the web UI: \
run <code>npm --prefix web ci &amp;&amp; npm --prefix web run build</code> and rebuild.</p></body></html>";

/// Serves a UI path, or a problem+json 404 for unknown API paths.
pub async fn serve(dir: Option<PathBuf>, method: Method, uri: Uri) -> Response {
    let path = uri.path();
    if path.starts_with("/api/") || path == "/api" || path.starts_with("/ofrep/") {
        return ApiError::new(ErrorCode::NotFound, "no such route").into_response();
    }
    if method != Method::GET && method != Method::HEAD {
        return ApiError::new(ErrorCode::MethodNotAllowed, "the web UI only answers GET")
            .into_response();
    }
    let wanted = path.trim_start_matches('/');
    let (name, bytes) = match find(dir.as_deref(), wanted).await {
        Some(b) => (wanted.to_owned(), b),
        // Not a file: the UI's router handles the path.
        None => match find(dir.as_deref(), "index.html").await {
            Some(b) => ("index.html".to_owned(), b),
            None => return html(PLACEHOLDER.as_bytes().to_vec(), "no-cache"),
        },
    };
    let mime = mime_guess::from_path(&name).first_or_octet_stream();
    let cache = if name.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut r = Response::new(Body::from(bytes));
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(mime.as_ref()) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    r
}

fn html(body: Vec<u8>, cache: &'static str) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, cache),
        ],
        body,
    )
        .into_response()
}

/// A file of the UI, from the directory (when configured) or the embedded build. Paths that
/// climb out of the root are refused.
async fn find(dir: Option<&Path>, name: &str) -> Option<Vec<u8>> {
    if name.is_empty() {
        return None;
    }
    let rel = Path::new(name);
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    match dir {
        Some(dir) => {
            let path = dir.join(rel);
            if path.is_file() {
                tokio::fs::read(path).await.ok()
            } else {
                None
            }
        }
        None => Assets::get(name).map(|f| f.data.into_owned()),
    }
}
