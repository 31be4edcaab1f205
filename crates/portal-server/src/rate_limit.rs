//! Fixed limits on attempts per key (an account, a client address) within a
//! sliding window, on the server's clock. The attempts are kept in the
//! database, so that every node of the portal counts the same ones.

use std::sync::Arc;

use time::{Duration, OffsetDateTime};

use crate::db::{AttemptKey, Database, DbResult};

/// The longest window of any limit (Reset device's hour): attempts older
/// than this count for nothing.
pub const LONGEST_WINDOW: Duration = Duration::hours(1);

pub struct RateLimiter {
    /// Keeps one limit's keys apart from another's.
    scope: &'static str,
    window: Duration,
    max: u32,
    db: Arc<dyn Database>,
}

/// An attempt's places under its limits, taken before the work it limits
/// (so that a burst of attempts at once cannot pass a check together).
#[must_use = "an attempt that should not count is given back with `release`"]
pub struct Attempt {
    keys: Vec<AttemptKey>,
    at: OffsetDateTime,
}

impl RateLimiter {
    pub fn new(scope: &'static str, max: u32, window: Duration, db: Arc<dyn Database>) -> Self {
        assert!(
            window <= LONGEST_WINDOW,
            "the sweep would forget attempts this limit counts"
        );
        Self { scope, window, max, db }
    }

    /// Takes a place under `key`; `Err(wait)` when it has used up its
    /// attempts: how long until one frees.
    pub async fn reserve(&self, key: &str, now: OffsetDateTime) -> DbResult<Result<Attempt, Duration>> {
        reserve_all(&*self.db, &[(self, key)], now).await
    }

    /// The attempt did not count (it succeeded, or was refused for another reason).
    pub async fn release(&self, attempt: Attempt) -> DbResult<()> {
        self.db.release_attempt(&attempt.keys, attempt.at).await
    }

    fn attempt_key(&self, key: &str, now: OffsetDateTime) -> AttemptKey {
        AttemptKey {
            key: format!("{}:{key}", self.scope),
            since: now - self.window,
            read: self.max,
        }
    }
}

/// A place under each of `limits`, all or none: `Err` with the longest wait.
async fn reserve_all(
    db: &dyn Database,
    limits: &[(&RateLimiter, &str)],
    now: OffsetDateTime,
) -> DbResult<Result<Attempt, Duration>> {
    let keys: Vec<AttemptKey> = limits.iter().map(|(limit, key)| limit.attempt_key(key, now)).collect();
    let rules: Vec<(u32, Duration)> = limits.iter().map(|(limit, _)| (limit.max, limit.window)).collect();
    let waits = move |recent: &[Vec<OffsetDateTime>]| -> Option<Duration> {
        recent
            .iter()
            .zip(&rules)
            .filter_map(|(attempts, &(max, window))| wait_for(attempts, max, window, now).err())
            .max()
    };
    let admit = {
        let waits = waits.clone();
        move |recent: &[Vec<OffsetDateTime>]| waits(recent).is_none()
    };
    let reserved = db.reserve_attempt(&keys, now, &admit).await?;
    if reserved.taken {
        return Ok(Ok(Attempt { keys, at: now }));
    }
    Ok(Err(waits(&reserved.recent).unwrap_or(Duration::SECOND)))
}

/// The rule, given the newest attempts (newest first, at most `max`) inside
/// the window: out of attempts once there are `max`, until the oldest of them
/// leaves the window.
fn wait_for(recent: &[OffsetDateTime], max: u32, window: Duration, now: OffsetDateTime) -> Result<(), Duration> {
    match recent.get(max as usize - 1) {
        Some(&oldest) if now - oldest < window => Err(window - (now - oldest)),
        _ => Ok(()),
    }
}

/// Sign-in attempts: 20 a minute per account, 100 a minute per client
/// address. Each attempt takes its place before the password is checked and
/// gives it back when it succeeds, so only failures count.
pub struct SignInLimits {
    per_account: RateLimiter,
    per_address: RateLimiter,
    /// Marks the first refusal of an account and address in a minute: only
    /// that one is written to the audit log, so a flood writes one entry.
    refusals: RateLimiter,
}

impl SignInLimits {
    pub fn new(db: Arc<dyn Database>) -> Self {
        Self {
            per_account: RateLimiter::new("sign_in_account", 20, Duration::minutes(1), db.clone()),
            per_address: RateLimiter::new("sign_in_address", 100, Duration::minutes(1), db.clone()),
            refusals: RateLimiter::new("sign_in_refused", 1, Duration::minutes(1), db),
        }
    }

    /// `Err(seconds to wait)` when either the account or the address is out of attempts.
    pub async fn reserve(&self, email: &str, address: &str, now: OffsetDateTime) -> DbResult<Result<Attempt, i64>> {
        let limits = [
            (&self.per_account, email.to_lowercase()),
            (&self.per_address, address.to_string()),
        ];
        let limits: Vec<(&RateLimiter, &str)> = limits.iter().map(|(l, k)| (*l, k.as_str())).collect();
        Ok(reserve_all(&*self.per_account.db, &limits, now)
            .await?
            .map_err(wait_seconds))
    }

    /// Whether this is the first attempt refused for `email` from `address`
    /// this minute (the one to write down).
    pub async fn first_refusal(&self, email: &str, address: &str, now: OffsetDateTime) -> DbResult<bool> {
        let key = format!("{}|{address}", email.to_lowercase());
        Ok(self.refusals.reserve(&key, now).await?.is_ok())
    }

    /// A sign-in that succeeded does not count against the limits.
    pub async fn release(&self, attempt: Attempt) -> DbResult<()> {
        self.per_account.release(attempt).await
    }
}

/// Whole seconds, rounded up, at least one.
pub fn wait_seconds(wait: Duration) -> i64 {
    (wait.whole_milliseconds() as i64 + 999).div_euclid(1000).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_limit_until_the_window_moves_on() {
        let window = Duration::minutes(1);
        let start = OffsetDateTime::now_utc();
        let attempts: Vec<_> = (0..3).rev().map(|i| start + Duration::seconds(i)).collect();
        assert!(wait_for(&attempts[1..], 3, window, start + Duration::seconds(10)).is_ok());
        assert_eq!(
            wait_for(&attempts, 3, window, start + Duration::seconds(10)),
            Err(Duration::seconds(50))
        );
        assert!(
            wait_for(&attempts, 3, window, start + Duration::seconds(60)).is_ok(),
            "the first attempt left the window"
        );
    }
}
