//! The device API's signature headers and the signature in them: device id,
//! timestamp, nonce and signature, one a line, then the body.
#![no_main]

use axum::http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;
use portal_server::devices::device_auth::{claims, verify, within_skew};
use portal_types::device_auth::{DEVICE_ID, NONCE, SIGNATURE, Signed, TIMESTAMP};

/// A valid P-256 point (the curve's generator), whose private key is 1.
const PUBLIC_KEY: [u8; 65] = [
    0x04, 0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63, 0xa4, 0x40, 0xf2, 0x77, 0x03,
    0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96, 0x4f, 0xe3, 0x42, 0xe2, 0xfe,
    0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16, 0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce,
    0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5,
];

fuzz_target!(|data: &[u8]| {
    let mut lines = data.splitn(5, |b| *b == b'\n');
    let mut headers = HeaderMap::new();
    for name in [DEVICE_ID, TIMESTAMP, NONCE, SIGNATURE] {
        if let Some(Ok(value)) = lines.next().map(HeaderValue::from_bytes) {
            headers.insert(name, value);
        }
    }
    let body = lines.next().unwrap_or_default();
    let Ok(claims) = claims(&headers) else { return };
    assert!(!claims.nonce.is_empty() && claims.nonce.len() <= 128);
    let _ = within_skew(1_800_000_000, claims.timestamp);
    let signed = Signed {
        device: claims.device_id,
        method: "POST",
        path_and_query: "/api/v1/device/check-in",
        timestamp: claims.timestamp,
        nonce: claims.nonce,
        body,
    };
    let _ = verify(&PUBLIC_KEY, signed, &claims.signature);
});
