//! Answers a page asks for at every load, cheaply: `no-cache` with an entity
//! tag, and 304 while the browser holds that version.

use axum::{
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

/// `body` as `content_type`, tagged `etag` (quoted); 304 when `headers`
/// say the browser holds it already.
pub fn revalidated(etag: &str, headers: &HeaderMap, content_type: &'static str, body: Vec<u8>) -> Response {
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim().trim_start_matches("W/") == etag));
    let tag = HeaderValue::from_str(etag).expect("an ASCII tag");
    let cache = (header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if fresh {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, tag), cache]).into_response();
    }
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::ETAG, tag),
            cache,
        ],
        body,
    )
        .into_response()
}
