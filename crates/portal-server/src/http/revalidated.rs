//! Answers a page asks for at every load, cheaply: `no-cache` with an entity
//! tag, and 304 while the browser holds that version.

use std::io::Write;

use super::weighted::weighted;
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
        let encoding = preferred(headers, &self.encoded, |(name, ..)| *name);
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

/// The one of `offered` (best first, each named as `coding` says) that
/// `Accept-Encoding` weighs highest, the server's order between equals; `*`
/// weighs the codings it does not name. None where none is accepted, or
/// where the browser weighs the body as it is (`identity`, named or by `*`)
/// above them.
fn preferred<'a, T>(headers: &HeaderMap, offered: &'a [T], coding: impl Fn(&T) -> &str) -> Option<&'a T> {
    // Read once, looked up for each coding.
    let accepted: Vec<(&str, f32)> = weighted(headers, &header::ACCEPT_ENCODING).collect();
    let any = accepted.iter().find(|(item, _)| *item == "*").map(|(_, q)| *q);
    let weight = |coding: &str| {
        accepted
            .iter()
            .find(|(item, _)| item.eq_ignore_ascii_case(coding))
            .map(|(_, q)| *q)
            .or(any)
    };
    let plain = weight("identity").unwrap_or(0.0);
    let mut best: Option<(&T, f32)> = None;
    for offer in offered {
        let q = weight(coding(offer)).unwrap_or(0.0);
        if q > 0.0 && q >= plain && best.is_none_or(|(_, highest)| q > highest) {
            best = Some((offer, q));
        }
    }
    best.map(|(offer, _)| offer)
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue, header};

    use super::preferred;

    fn chosen(accepted: &'static str) -> Option<&'static str> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(accepted));
        preferred(&headers, &["br", "gzip"], |coding| *coding).copied()
    }

    #[test]
    fn the_browsers_weights_choose_the_encoding() {
        assert_eq!(chosen("gzip, deflate, br, zstd"), Some("br"));
        assert_eq!(chosen("gzip, br;q=0"), Some("gzip"));
        assert_eq!(chosen("gzip, br;Q=0"), Some("gzip"));
        assert_eq!(chosen("br;q=0.0, gzip;q=0.000"), None);
        assert_eq!(chosen("br;q=0.2, gzip"), Some("gzip"));
        assert_eq!(
            chosen("gzip;q=0.5, br;q=0.5"),
            Some("br"),
            "the server's order between equals"
        );
        assert_eq!(chosen("*"), Some("br"));
        assert_eq!(chosen("gzip;q=0.8, *;q=0.1"), Some("gzip"));
        assert_eq!(
            chosen("gzip;q=0.1, identity"),
            None,
            "the body as it is, weighed higher"
        );
        assert_eq!(chosen("br;q=x, gzip"), Some("gzip"), "a malformed weight refuses");
        assert_eq!(chosen("identity"), None);
        assert_eq!(chosen(""), None);
    }
}
