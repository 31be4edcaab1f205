//! The second factor: a TOTP code from an authenticator app, or one of ten
//! single-use recovery codes.

use portal_types::UserId;
use rand::Rng;
use time::OffsetDateTime;

use crate::{http::error::AppError, identity::totp, state::AppState};

pub const RECOVERY_CODES: usize = 10;
const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// The user has no second factor.
    NotEnrolled,
    /// The user has one and gave no code.
    Missing,
    Accepted,
    Rejected,
}

/// Checks `code` for `user`, spending it when it is good.
pub async fn check(state: &AppState, user: UserId, code: Option<&str>, now: OffsetDateTime) -> Result<Check, AppError> {
    let factor = state.db.second_factor(user).await?;
    let Some(sealed) = factor.secret else {
        return Ok(Check::NotEnrolled);
    };
    let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(Check::Missing);
    };
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let accepted = if digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()) {
        let secret = state.secrets.open(&sealed)?;
        match totp::verify(&secret, &digits, now, factor.last_step) {
            Some(step) => state.db.use_totp_step(user, step).await?,
            None => false,
        }
    } else {
        state.db.use_recovery_code(user, &hash_recovery_code(code), now).await?
    };
    Ok(if accepted { Check::Accepted } else { Check::Rejected })
}

/// `abcde-fghjk`: ten characters, about 50 bits each.
pub fn new_recovery_codes() -> Vec<String> {
    let mut rng = rand::rngs::OsRng;
    (0..RECOVERY_CODES)
        .map(|_| {
            let chars: String = (0..10)
                .map(|_| RECOVERY_ALPHABET[rng.gen_range(0..RECOVERY_ALPHABET.len())] as char)
                .collect();
            format!("{}-{}", &chars[..5], &chars[5..])
        })
        .collect()
}

pub fn hash_recovery_code(code: &str) -> String {
    let normalized: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    crate::digest::sha256_hex(&normalized)
}

pub fn required() -> AppError {
    AppError::refused(
        axum::http::StatusCode::UNAUTHORIZED,
        "second_factor_required",
        "Enter the 6-digit code from your authenticator app, or a recovery code.",
    )
}

pub fn rejected() -> AppError {
    AppError::refused(
        axum::http::StatusCode::UNAUTHORIZED,
        "second_factor_invalid",
        "That code is not valid. Each code works once: wait for the next one, or use a recovery code.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_distinct_and_hash_however_typed() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        assert_eq!(codes.iter().collect::<std::collections::HashSet<_>>().len(), 10);
        assert!(codes.iter().all(|c| c.len() == 11 && c.as_bytes()[5] == b'-'));
        assert_eq!(
            hash_recovery_code(&codes[0]),
            hash_recovery_code(&codes[0].to_uppercase().replace('-', " "))
        );
    }
}
