//! Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second steps, six
//! digits), as authenticator apps make them.

use data_encoding::BASE32_NOPAD;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use time::OffsetDateTime;

pub const STEP_SECONDS: i64 = 30;

/// A new secret: 160 random bits, as RFC 4226 recommends.
pub fn new_secret() -> Vec<u8> {
    rand::random::<[u8; 20]>().to_vec()
}

/// The secret as people type it into an authenticator app.
pub fn secret_text(secret: &[u8]) -> String {
    BASE32_NOPAD.encode(secret)
}

/// The `otpauth://` address a QR code carries to the app.
pub fn otpauth_uri(secret: &[u8], account: &str) -> String {
    let encode = |s: &str| {
        s.replace('%', "%25")
            .replace(' ', "%20")
            .replace(':', "%3A")
            .replace('@', "%40")
    };
    format!(
        "otpauth://totp/Company%20Portal:{}?secret={}&issuer=Company%20Portal&algorithm=SHA1&digits=6&period=30",
        encode(account),
        secret_text(secret)
    )
}

pub fn step_at(now: OffsetDateTime) -> i64 {
    now.unix_timestamp().div_euclid(STEP_SECONDS)
}

/// The six-digit code for a time step (RFC 4226 dynamic truncation).
pub fn code_at(secret: &[u8], step: i64) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = (digest[19] & 0x0f) as usize;
    let value = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    format!("{:06}", value % 1_000_000)
}

/// The step `code` belongs to, within one step of now either way (clock
/// drift), and only if it is later than `last_used` (each code works once).
pub fn verify(secret: &[u8], code: &str, now: OffsetDateTime, last_used: Option<i64>) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let current = step_at(now);
    (current - 1..=current + 1)
        .filter(|&step| last_used.is_none_or(|last| step > last))
        .find(|&step| constant_time_eq(code_at(secret, step).as_bytes(), code.as_bytes()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1, last six digits.
    #[test]
    fn matches_the_rfc_test_vectors() {
        let secret = b"12345678901234567890";
        for (time, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(code_at(secret, time / STEP_SECONDS), code, "at {time}");
        }
    }

    #[test]
    fn accepts_a_step_of_drift_and_each_code_once() {
        let secret = new_secret();
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let step = step_at(now);
        assert_eq!(verify(&secret, &code_at(&secret, step), now, None), Some(step));
        assert_eq!(verify(&secret, &code_at(&secret, step - 1), now, None), Some(step - 1));
        assert_eq!(verify(&secret, &code_at(&secret, step - 2), now, None), None, "too old");
        assert_eq!(verify(&secret, &code_at(&secret, step + 2), now, None), None, "too new");
        assert_eq!(
            verify(&secret, &code_at(&secret, step), now, Some(step)),
            None,
            "already used"
        );
        assert_eq!(verify(&secret, "12 34", now, None), None);
    }

    #[test]
    fn the_uri_carries_the_secret_and_issuer() {
        let uri = otpauth_uri(b"12345678901234567890", "ada@example.com");
        assert_eq!(
            uri,
            "otpauth://totp/Company%20Portal:ada%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Company%20Portal&algorithm=SHA1&digits=6&period=30"
        );
    }
}
