//! Answers a page asks for at every load, cheaply: `no-cache` with an entity
//! tag, and 304 while the browser holds that version.

use std::io::Write;

use axum::{
    body::Bytes,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

/// `body` as `content_type`, tagged `etag` (quoted); 304 when `headers`
/// say the browser holds it already.
pub fn revalidated(etag: &str, headers: &HeaderMap, content_type: &'static str, body: impl Into<Bytes>) -> Response {
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
        body.into(),
    )
        .into_response()
}

/// A body the server writes once and sends often, compressed once: each
/// encoding is a representation of its own, with its own tag.
pub struct Encoded {
    pub etag: String,
    pub body: Bytes,
    /// Each encoding the browser may take, best first: its name, tag and body.
    pub encoded: [(&'static str, String, Bytes); 2],
}

impl Encoded {
    pub fn new(body: Vec<u8>) -> Self {
        let digest = &crate::digest::sha256_hex(&body)[..32];
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gzip.write_all(&body).expect("gzip in memory");
        let mut br = Vec::new();
        let quality = brotli::enc::BrotliEncoderParams {
            quality: 11,
            ..Default::default()
        };
        brotli::BrotliCompress(&mut &body[..], &mut br, &quality).expect("brotli in memory");
        Encoded {
            etag: format!("\"{digest}\""),
            encoded: [
                ("br", format!("\"{digest}-br\""), br.into()),
                (
                    "gzip",
                    format!("\"{digest}-gzip\""),
                    gzip.finish().expect("gzip in memory").into(),
                ),
            ],
            body: body.into(),
        }
    }

    /// As `content_type`, compressed as the browser takes it; 304 while it
    /// holds the representation it would get.
    pub fn response(&self, headers: &HeaderMap, content_type: &'static str) -> Response {
        let encoding = self.encoded.iter().find(|(name, ..)| accepts(headers, name));
        let (etag, body) = encoding.map_or((&self.etag, &self.body), |(_, etag, body)| (etag, body));
        let mut response = revalidated(etag, headers, content_type, body.clone());
        let whole = response.status() == StatusCode::OK;
        let answer = response.headers_mut();
        answer.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        if let Some((name, ..)) = encoding.filter(|_| whole) {
            answer.insert(header::CONTENT_ENCODING, HeaderValue::from_static(name));
        }
        response
    }
}

/// Whether `Accept-Encoding` takes `coding` (named, and not at `q=0`).
fn accepts(headers: &HeaderMap, coding: &str) -> bool {
    headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accepted| {
            accepted.split(',').any(|item| {
                let mut parts = item.split(';');
                parts
                    .next()
                    .is_some_and(|name| name.trim().eq_ignore_ascii_case(coding))
                    && parts.all(|param| param.trim().replace(' ', "") != "q=0")
            })
        })
}
