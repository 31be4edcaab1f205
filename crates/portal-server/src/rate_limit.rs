//! Fixed limits on attempts per key (an account, a client address) within a
//! sliding window, on the server's clock. The attempts are kept in the
//! database, so that every node of the portal counts the same ones.

use std::sync::Arc;

use time::{Duration, OffsetDateTime};

use crate::db::{Database, DbResult};

pub struct RateLimiter {
    /// Keeps one limit's keys apart from another's.
    scope: &'static str,
    window: Duration,
    max: u32,
    db: Arc<dyn Database>,
}

impl RateLimiter {
    pub fn new(scope: &'static str, max: u32, window: Duration, db: Arc<dyn Database>) -> Self {
        Self { scope, window, max, db }
    }

    /// `Err(wait)` when `key` has used up its attempts: how long until one frees.
    pub async fn check(&self, key: &str, now: OffsetDateTime) -> DbResult<Result<(), Duration>> {
        let recent = self
            .db
            .recent_attempts(&self.key(key), now - self.window, self.max)
            .await?;
        Ok(wait_for(&recent, self.max, self.window, now))
    }

    pub async fn record(&self, key: &str, now: OffsetDateTime) -> DbResult<()> {
        self.db.record_attempt(&self.key(key), now, now - self.window).await
    }

    fn key(&self, key: &str) -> String {
        format!("{}:{key}", self.scope)
    }
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

/// Failed sign-ins: 20 a minute per account, 100 a minute per client address.
pub struct SignInLimits {
    per_account: RateLimiter,
    per_address: RateLimiter,
}

impl SignInLimits {
    pub fn new(db: Arc<dyn Database>) -> Self {
        Self {
            per_account: RateLimiter::new("sign_in_account", 20, Duration::minutes(1), db.clone()),
            per_address: RateLimiter::new("sign_in_address", 100, Duration::minutes(1), db),
        }
    }

    /// `Err(seconds to wait)` when either the account or the address is out of attempts.
    pub async fn check(&self, email: &str, address: &str, now: OffsetDateTime) -> DbResult<Result<(), i64>> {
        let account = self.per_account.check(&email.to_lowercase(), now).await?;
        let address = self.per_address.check(address, now).await?;
        Ok(match (account, address) {
            (Ok(()), Ok(())) => Ok(()),
            (Err(a), Err(b)) => Err(wait_seconds(a.max(b))),
            (Err(wait), _) | (_, Err(wait)) => Err(wait_seconds(wait)),
        })
    }

    pub async fn record_failure(&self, email: &str, address: &str, now: OffsetDateTime) -> DbResult<()> {
        self.per_account.record(&email.to_lowercase(), now).await?;
        self.per_address.record(address, now).await
    }
}

/// Whole seconds, rounded up, at least one.
fn wait_seconds(wait: Duration) -> i64 {
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
