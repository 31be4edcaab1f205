//! The second factor: a TOTP code from an authenticator app, or one of ten
//! single-use recovery codes.

use portal_types::{PasswordConfirmation, UserId};
use rand::Rng;
use time::{Duration, OffsetDateTime, format_description::well_known::Rfc3339};

use crate::{
    db::{AuditEvent, FactorGuess, UserRecord},
    http::error::AppError,
    identity::{session::CurrentUser, totp},
    rate_limit::wait_seconds,
    secrets::SecretBox,
    state::AppState,
};

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
    /// Too many wrong codes: no code is looked at until then.
    Locked(OffsetDateTime),
}

/// Every this many wrong codes in a row lock the second factor.
const FAILURES_PER_LOCK: u32 = 10;
/// The first lock's length; each further lock in the same run doubles it.
const FIRST_LOCK: Duration = Duration::minutes(15);
const LONGEST_LOCK: Duration = Duration::hours(24);

/// How long the `failures`th wrong code in a row locks the second factor, if it does.
fn lock_after(failures: u32) -> Option<Duration> {
    if failures == 0 || !failures.is_multiple_of(FAILURES_PER_LOCK) {
        return None;
    }
    let doublings = (failures / FAILURES_PER_LOCK - 1).min(16);
    Some((FIRST_LOCK * 2_i32.pow(doublings)).min(LONGEST_LOCK))
}

/// Checks `code` for `user`, spending it when it is good; wrong codes in a
/// row lock the second factor for a while (the user's Activity says so).
pub async fn check(
    state: &AppState,
    user: &UserRecord,
    code: Option<&str>,
    now: OffsetDateTime,
) -> Result<Check, AppError> {
    let factor = state.db.second_factor(user.id).await?;
    let Some(sealed) = factor.secret else {
        return Ok(Check::NotEnrolled);
    };
    let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(Check::Missing);
    };
    if let Some(until) = factor.locked_until.filter(|until| *until > now) {
        return Ok(Check::Locked(until));
    }
    // Counted before it is checked: guesses at the same moment each take a place.
    let locks_until = match state.db.reserve_factor_guess(user.id, now, &lock_after).await? {
        FactorGuess::Locked(until) => return Ok(Check::Locked(until)),
        FactorGuess::Counted { locks_until } => locks_until,
    };
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let accepted = if digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()) {
        let secret = state.secrets.open(&sealed)?;
        match totp::verify(&secret, &digits, now, factor.last_step) {
            Some(step) => state.db.use_totp_step(user.id, step).await?,
            None => false,
        }
    } else {
        let digest = hash_recovery_code(&state.secrets, user.id, code);
        state.db.use_recovery_code(user.id, &digest, now).await?
            // Codes given out before they were keyed by the secret key.
            || state.db.use_recovery_code(user.id, &legacy_recovery_hash(code), now).await?
    };
    if accepted {
        state.db.clear_factor_failures(user.id).await?;
        return Ok(Check::Accepted);
    }
    if let Some(until) = locks_until {
        let until = until
            .replace_nanosecond(0)
            .unwrap_or(until)
            .format(&Rfc3339)
            .unwrap_or_default();
        let audit = AuditEvent::new(now, "second_factor_locked", format!("until {until}"))
            .actor(user.id)
            .subject(user.email.clone());
        state.db.record_audit(audit).await?;
    }
    Ok(Check::Rejected)
}

/// The password and the second factor again, from a signed-in session
/// (re-authentication, turning the second factor off). Limited per user,
/// apart from the sign-in limits, which a stranger can use up with the
/// user's email. A refusal is audited as `event`'s action; on success
/// `event` comes back for the change to write.
pub async fn confirm_it_is_you(
    state: &AppState,
    caller: &CurrentUser,
    request: PasswordConfirmation,
    mut event: AuditEvent,
) -> Result<AuditEvent, AppError> {
    let now = event.at;
    let attempt = match state.confirm_limits.reserve(&caller.user.id.to_string(), now).await? {
        Ok(attempt) => attempt,
        Err(wait) => {
            let seconds = wait_seconds(wait);
            return Err(AppError::RateLimited {
                retry_after_seconds: seconds,
                message: format!("Too many attempts. Try again in {} minutes.", (seconds + 59) / 60),
            });
        }
    };
    let password_ok = state
        .passwords
        .verify(request.password, Some(caller.user.password_hash.clone()))
        .await?;
    let refusal = if password_ok {
        match check(state, &caller.user, request.code.as_deref(), now).await? {
            Check::Accepted | Check::NotEnrolled => None,
            // Neither is a guess.
            Check::Missing => {
                state.confirm_limits.release(attempt).await?;
                return Err(required());
            }
            Check::Locked(until) => {
                state.confirm_limits.release(attempt).await?;
                return Err(locked(until));
            }
            Check::Rejected => Some(rejected()),
        }
    } else {
        Some(AppError::InvalidCredentials)
    };
    if let Some(error) = refusal {
        event.outcome = "failure".into();
        state.db.record_audit(event).await?;
        return Err(error);
    }
    state.confirm_limits.release(attempt).await?;
    Ok(event)
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

/// What is kept of a recovery code: keyed by the server's secret key and
/// the user, so that a copied database gives no code up to guessing.
pub fn hash_recovery_code(secrets: &SecretBox, user: UserId, code: &str) -> String {
    secrets.digest(&[b"recovery code", user.0.as_bytes(), normalized(code).as_bytes()])
}

/// How codes were kept before: unkeyed, still accepted until used or replaced.
fn legacy_recovery_hash(code: &str) -> String {
    crate::digest::sha256_hex(normalized(code))
}

/// However it was typed: letters and digits, lowercase.
fn normalized(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

pub fn required() -> AppError {
    AppError::refused(
        axum::http::StatusCode::UNAUTHORIZED,
        "second_factor_required",
        "Enter the 6-digit code from your authenticator app, or a recovery code.",
    )
}

/// The second factor is locked: until when, and what to do meanwhile.
pub fn locked(until: OffsetDateTime) -> AppError {
    let at = until
        .format(time::macros::format_description!(
            "[hour]:[minute] UTC on [day] [month repr:long]"
        ))
        .unwrap_or_default();
    AppError::refused(
        axum::http::StatusCode::TOO_MANY_REQUESTS,
        "second_factor_locked",
        format!(
            "Too many wrong codes: your second factor is locked until {at}. \
             Try again then, or ask your IT help desk if you no longer have your authenticator app."
        ),
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
    fn every_tenth_wrong_code_in_a_row_locks_for_longer() {
        assert_eq!(lock_after(0), None);
        assert_eq!(lock_after(9), None);
        assert_eq!(lock_after(10), Some(Duration::minutes(15)));
        assert_eq!(lock_after(11), None);
        assert_eq!(lock_after(20), Some(Duration::minutes(30)));
        assert_eq!(lock_after(30), Some(Duration::hours(1)));
        assert_eq!(lock_after(100), Some(Duration::hours(24)));
        assert_eq!(lock_after(u32::MAX / 10 * 10), Some(Duration::hours(24)));
    }

    #[test]
    fn recovery_codes_are_distinct_and_hash_however_typed() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        assert_eq!(codes.iter().collect::<std::collections::HashSet<_>>().len(), 10);
        assert!(codes.iter().all(|c| c.len() == 11 && c.as_bytes()[5] == b'-'));
        let dir = tempfile::tempdir().unwrap();
        let secrets = SecretBox::load(None, dir.path()).unwrap();
        let user = UserId(uuid::Uuid::new_v4());
        let digest = hash_recovery_code(&secrets, user, &codes[0]);
        assert_eq!(
            digest,
            hash_recovery_code(&secrets, user, &codes[0].to_uppercase().replace('-', " "))
        );
        assert_ne!(digest, legacy_recovery_hash(&codes[0]), "keyed, not a bare SHA-256");
        assert_ne!(
            digest,
            hash_recovery_code(&secrets, UserId(uuid::Uuid::new_v4()), &codes[0])
        );
        let other_key = SecretBox::load(None, tempfile::tempdir().unwrap().path()).unwrap();
        assert_ne!(digest, hash_recovery_code(&other_key, user, &codes[0]));
    }
}
