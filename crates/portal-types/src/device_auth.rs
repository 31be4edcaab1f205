//! How a device signs its requests to the device API with the key of its
//! certificate: an ECDSA P-256 / SHA-256 signature (ASN.1 DER, base64) over
//! the method, path, timestamp, a single-use nonce and the body's hash.

use sha2::{Digest, Sha256};

pub const DEVICE_ID: &str = "x-device-id";
pub const TIMESTAMP: &str = "x-device-timestamp";
pub const NONCE: &str = "x-device-nonce";
pub const SIGNATURE: &str = "x-device-signature";

/// How far a request's timestamp may be from the server's clock, in seconds.
pub const MAX_SKEW_SECONDS: i64 = 300;

/// The bytes that are signed.
pub fn signing_input(method: &str, path_and_query: &str, timestamp: i64, nonce: &str, body: &[u8]) -> Vec<u8> {
    let body_hash: String = Sha256::digest(body).iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}\n{path_and_query}\n{timestamp}\n{nonce}\n{body_hash}",
        method.to_ascii_uppercase()
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::signing_input;

    #[test]
    fn every_part_changes_the_input() {
        let base = signing_input("post", "/api/v1/device/check-in", 1_700_000_000, "n1", b"{}");
        assert!(
            String::from_utf8(base.clone())
                .unwrap()
                .starts_with("POST\n/api/v1/device/check-in\n1700000000\nn1\n")
        );
        assert_ne!(
            base,
            signing_input("GET", "/api/v1/device/check-in", 1_700_000_000, "n1", b"{}")
        );
        assert_ne!(
            base,
            signing_input("POST", "/api/v1/device/other", 1_700_000_000, "n1", b"{}")
        );
        assert_ne!(
            base,
            signing_input("POST", "/api/v1/device/check-in", 1_700_000_001, "n1", b"{}")
        );
        assert_ne!(
            base,
            signing_input("POST", "/api/v1/device/check-in", 1_700_000_000, "n2", b"{}")
        );
        assert_ne!(
            base,
            signing_input("POST", "/api/v1/device/check-in", 1_700_000_000, "n1", b"{ }")
        );
    }
}
