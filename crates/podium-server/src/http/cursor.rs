//! Opaque page cursors: any serialisable key as base64url JSON. A cursor that does not decode
//! to the key a route expects is refused as `invalid_cursor` on the `cursor` field.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ApiResult, ErrorCode};

pub fn encode<T: Serialize>(v: &T) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap_or_default())
}

pub fn decode<T: for<'de> Deserialize<'de>>(s: &str) -> ApiResult<T> {
    let bad = || {
        ApiError::field(
            ErrorCode::InvalidCursor,
            "cursor",
            "is not a cursor this API returned",
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(s).map_err(|_| bad())?;
    serde_json::from_slice(&bytes).map_err(|_| bad())
}
