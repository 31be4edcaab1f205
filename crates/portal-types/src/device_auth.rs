//! How a device signs its requests to the device API with the key of its
//! certificate: an ECDSA P-256 / SHA-256 signature (ASN.1 DER, base64) over
//! the device's id, the method, path, timestamp, a single-use nonce and the
//! body's hash.

use sha2::{Digest, Sha256};

use crate::DeviceId;

pub const DEVICE_ID: &str = "x-device-id";
pub const TIMESTAMP: &str = "x-device-timestamp";
pub const NONCE: &str = "x-device-nonce";
pub const SIGNATURE: &str = "x-device-signature";

/// How far a request's timestamp may be from the server's clock, in seconds.
pub const MAX_SKEW_SECONDS: i64 = 300;

/// What a request is, as its signature covers it.
#[derive(Debug, Clone, Copy)]
pub struct Signed<'a> {
    pub device: DeviceId,
    pub method: &'a str,
    pub path_and_query: &'a str,
    pub timestamp: i64,
    pub nonce: &'a str,
    pub body: &'a [u8],
}

/// The bytes that are signed: the device's id, then what agents signed before it.
pub fn signing_input(request: Signed<'_>) -> Vec<u8> {
    let mut input = format!("{}\n", request.device).into_bytes();
    input.extend(legacy_signing_input(request));
    input
}

/// What agents signed before the device id was part of it. Still accepted,
/// so that devices in the field keep working until their agent is updated;
/// the signature is checked against that same device's key either way.
pub fn legacy_signing_input(request: Signed<'_>) -> Vec<u8> {
    let body_hash: String = Sha256::digest(request.body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        "{}\n{}\n{}\n{}\n{body_hash}",
        request.method.to_ascii_uppercase(),
        request.path_and_query,
        request.timestamp,
        request.nonce,
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::{Signed, signing_input};
    use crate::DeviceId;

    #[test]
    fn every_part_changes_the_input() {
        let base = Signed {
            device: DeviceId(uuid::Uuid::from_u128(1)),
            method: "post",
            path_and_query: "/api/v1/device/check-in",
            timestamp: 1_700_000_000,
            nonce: "n1",
            body: b"{}",
        };
        let input = signing_input(base);
        assert!(
            String::from_utf8(input.clone())
                .unwrap()
                .starts_with("00000000-0000-0000-0000-000000000001\nPOST\n/api/v1/device/check-in\n1700000000\nn1\n")
        );
        let changed = [
            Signed {
                device: DeviceId(uuid::Uuid::from_u128(2)),
                ..base
            },
            Signed { method: "GET", ..base },
            Signed {
                path_and_query: "/api/v1/device/other",
                ..base
            },
            Signed {
                timestamp: 1_700_000_001,
                ..base
            },
            Signed { nonce: "n2", ..base },
            Signed { body: b"{ }", ..base },
        ];
        for other in changed {
            assert_ne!(input, signing_input(other), "{other:?}");
        }
    }

    #[test]
    fn the_legacy_input_is_what_agents_signed_before_the_device_id() {
        let request = Signed {
            device: DeviceId(uuid::Uuid::from_u128(1)),
            method: "post",
            path_and_query: "/api/v1/device/check-in",
            timestamp: 1_700_000_000,
            nonce: "n1",
            body: b"{}",
        };
        let legacy = String::from_utf8(super::legacy_signing_input(request)).unwrap();
        assert!(
            legacy.starts_with("POST\n/api/v1/device/check-in\n1700000000\nn1\n"),
            "{legacy}"
        );
        assert_ne!(legacy.as_bytes(), signing_input(request));
    }
}
