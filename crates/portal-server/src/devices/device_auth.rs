//! Authenticates the device API's callers by a signature made with the key
//! of the certificate the device was issued (see `portal_types::device_auth`).

use axum::{
    extract::{FromRequest, Request},
    http::{HeaderMap, StatusCode},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use portal_types::{
    DeviceId,
    device_auth::{
        DEVICE_ID, MAX_SKEW_SECONDS, NONCE, SIGNATURE, Signed, TIMESTAMP, legacy_signing_input, signing_input,
    },
};
use ring::signature::{ECDSA_P256_SHA256_ASN1, UnparsedPublicKey};
use serde::de::DeserializeOwned;
use time::Duration;

use crate::{
    db::{AuditEvent, DeviceCredentials},
    http::error::AppError,
    state::AppState,
};

/// The largest body a device may send.
const MAX_BODY: usize = 256 * 1024;

/// Whether a request stamped `timestamp` is near enough the server's
/// `now` (both in whole seconds), whatever number it carries.
pub fn within_skew(now: i64, timestamp: i64) -> bool {
    now.checked_sub(timestamp)
        .and_then(i64::checked_abs)
        .is_some_and(|skew| skew <= MAX_SKEW_SECONDS)
}

/// A nonce is kept while a request carrying it could still be accepted: one
/// seen as early as its timestamp allows (`MAX_SKEW_SECONDS` before it)
/// stays acceptable until just under a second past `MAX_SKEW_SECONDS` after.
pub const NONCE_KEPT_FOR: Duration = Duration::seconds(2 * MAX_SKEW_SECONDS + 1);

/// A verified device request: who sent it, and its JSON body.
pub struct SignedDevice<T> {
    pub device: DeviceCredentials,
    pub body: T,
}

fn refused(code: &'static str, message: &str) -> AppError {
    AppError::refused(StatusCode::UNAUTHORIZED, code, message)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Result<&'a str, AppError> {
    headers.get(name).and_then(|v| v.to_str().ok()).ok_or_else(|| {
        refused(
            "device_unauthenticated",
            "This request is not signed by an enrolled device.",
        )
    })
}

/// What a device request's headers claim, read but not yet checked.
#[derive(Debug)]
pub struct Claims<'a> {
    pub device_id: DeviceId,
    pub timestamp: i64,
    pub nonce: &'a str,
    pub signature: Vec<u8>,
}

/// Reads the signature headers: untrusted bytes, refused unless well-formed.
pub fn claims(headers: &HeaderMap) -> Result<Claims<'_>, AppError> {
    let device_id = header(headers, DEVICE_ID)?
        .parse()
        .map(DeviceId)
        .map_err(|_| refused("device_unauthenticated", "The device id is not valid."))?;
    let timestamp: i64 = header(headers, TIMESTAMP)?
        .parse()
        .map_err(|_| refused("device_unauthenticated", "The timestamp is not valid."))?;
    let nonce = header(headers, NONCE)?;
    let signature = STANDARD
        .decode(header(headers, SIGNATURE)?)
        .map_err(|_| refused("device_unauthenticated", "The signature is not valid base64."))?;
    if nonce.is_empty() || nonce.len() > 128 {
        return Err(refused("device_unauthenticated", "The nonce is not valid."));
    }
    Ok(Claims {
        device_id,
        timestamp,
        nonce,
        signature,
    })
}

/// Whether `signature` signs the request with `public_key` (an uncompressed
/// P-256 point), in the current signed form or the one agents used before.
pub fn verify(public_key: &[u8], signed: Signed<'_>, signature: &[u8]) -> bool {
    let key = UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, public_key);
    key.verify(&signing_input(signed), signature).is_ok()
        || key.verify(&legacy_signing_input(signed), signature).is_ok()
}

impl<T: DeserializeOwned> FromRequest<AppState> for SignedDevice<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, AppError> {
        let (parts, body) = request.into_parts();
        let Claims {
            device_id,
            timestamp,
            nonce,
            signature,
        } = claims(&parts.headers)?;

        let now = state.clock.now();
        if !within_skew(now.unix_timestamp(), timestamp) {
            return Err(refused(
                "stale_request",
                "The request's time is too far from the server's: check the device clock.",
            ));
        }
        let device = state
            .db
            .device_credentials(device_id)
            .await?
            .ok_or_else(|| refused("device_unknown", "This device is not enrolled."))?;
        if now >= device.certificate_expires_at && !device.certificate_revoked {
            return Err(refused("certificate_expired", "This device's certificate has expired."));
        }

        let bytes = axum::body::to_bytes(body, MAX_BODY)
            .await
            .map_err(|_| AppError::BadRequest("The request body is too large.".into()))?;
        let path = parts.uri.path_and_query().map_or(parts.uri.path(), |p| p.as_str());
        let signed = Signed {
            device: device_id,
            method: parts.method.as_str(),
            path_and_query: path,
            timestamp,
            nonce,
            body: &bytes,
        };
        if !verify(&device.public_key, signed, &signature) {
            return Err(refused(
                "bad_signature",
                "The signature does not match this device's certificate.",
            ));
        }
        // Only the device itself spends its requests (a stranger naming it
        // cannot), and before the nonce is written.
        if let Err(wait) = state.device_throttle.take(device_id, now) {
            let seconds = crate::rate_limit::wait_seconds(wait);
            return Err(AppError::RateLimited {
                retry_after_seconds: seconds,
                message: format!("This device sends too many requests. Try again in {seconds} seconds."),
            });
        }
        if device.certificate_revoked {
            // Signed with its key: the reset device itself, or a copy of its keys.
            let source = parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|client| client.0.ip().to_string());
            let event = AuditEvent::refused(now, "revoked_device_refused")
                .subject(device_id.to_string())
                .source(source);
            if let Err(error) = state.audit_refusal(&format!("device:{device_id}"), event).await {
                tracing::warn!(%error, "cannot write down a reset device's request");
            }
            return Err(refused(
                "certificate_revoked",
                "This device's certificate has been revoked.",
            ));
        }
        // Only a correctly signed request may spend a nonce.
        let forget_before = now - NONCE_KEPT_FOR;
        if !state.db.use_nonce(device_id, nonce, now, forget_before).await? {
            return Err(refused("replayed_request", "This request was already received."));
        }
        Ok(SignedDevice {
            body: parse_body(&bytes)?,
            device,
        })
    }
}

pub fn parse_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    if bytes.is_empty() {
        // No body: what a request that carries nothing reads as.
        return serde_json::from_slice(b"null").map_err(|_| AppError::BadRequest("A request body is needed.".into()));
    }
    crate::http::error::object(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_far_off_or_at_the_ends_of_i64_are_outside_the_skew() {
        let now = 1_800_000_000;
        assert!(within_skew(now, now - MAX_SKEW_SECONDS));
        assert!(within_skew(now, now + MAX_SKEW_SECONDS));
        assert!(!within_skew(now, now - MAX_SKEW_SECONDS - 1));
        assert!(!within_skew(now, i64::MIN));
        assert!(!within_skew(now, i64::MAX));
        assert!(!within_skew(-1, i64::MAX));
    }
}
