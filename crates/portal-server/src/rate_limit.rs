//! Fixed limits on attempts per key (an account, a client address) within a
//! sliding window, counted in memory on the server's clock.

use std::{
    collections::{HashMap, VecDeque},
    sync::Mutex,
};

use time::{Duration, OffsetDateTime};

pub struct RateLimiter {
    window: Duration,
    max: usize,
    attempts: Mutex<HashMap<String, VecDeque<OffsetDateTime>>>,
}

impl RateLimiter {
    pub fn new(max: usize, window: Duration) -> Self {
        Self {
            window,
            max,
            attempts: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(wait)` when `key` has used up its attempts: how long until one frees.
    pub fn check(&self, key: &str, now: OffsetDateTime) -> Result<(), Duration> {
        let mut attempts = self.attempts.lock().expect("rate limiter lock");
        let Some(times) = attempts.get_mut(key) else {
            return Ok(());
        };
        while times.front().is_some_and(|&t| now - t >= self.window) {
            times.pop_front();
        }
        if times.is_empty() {
            attempts.remove(key);
            return Ok(());
        }
        if times.len() >= self.max {
            return Err(self.window - (now - times[0]));
        }
        Ok(())
    }

    pub fn record(&self, key: &str, now: OffsetDateTime) {
        let mut attempts = self.attempts.lock().expect("rate limiter lock");
        let times = attempts.entry(key.to_string()).or_default();
        times.push_back(now);
        if times.len() > self.max {
            times.pop_front();
        }
    }
}

/// Failed sign-ins: 20 a minute per account, 100 a minute per client address.
pub struct SignInLimits {
    per_account: RateLimiter,
    per_address: RateLimiter,
}

impl Default for SignInLimits {
    fn default() -> Self {
        Self {
            per_account: RateLimiter::new(20, Duration::minutes(1)),
            per_address: RateLimiter::new(100, Duration::minutes(1)),
        }
    }
}

impl SignInLimits {
    /// `Err(seconds to wait)` when either the account or the address is out of attempts.
    pub fn check(&self, email: &str, address: &str, now: OffsetDateTime) -> Result<(), i64> {
        let account = self.per_account.check(&email.to_lowercase(), now);
        let address = self.per_address.check(address, now);
        match (account, address) {
            (Ok(()), Ok(())) => Ok(()),
            (Err(a), Err(b)) => Err(wait_seconds(a.max(b))),
            (Err(wait), _) | (_, Err(wait)) => Err(wait_seconds(wait)),
        }
    }

    pub fn record_failure(&self, email: &str, address: &str, now: OffsetDateTime) {
        self.per_account.record(&email.to_lowercase(), now);
        self.per_address.record(address, now);
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
        let limiter = RateLimiter::new(3, Duration::minutes(1));
        let start = OffsetDateTime::now_utc();
        for i in 0..3 {
            assert!(limiter.check("ada", start + Duration::seconds(i)).is_ok());
            limiter.record("ada", start + Duration::seconds(i));
        }
        assert_eq!(
            limiter.check("ada", start + Duration::seconds(10)),
            Err(Duration::seconds(50))
        );
        assert!(limiter.check("grace", start).is_ok(), "keys are counted apart");
        assert!(
            limiter.check("ada", start + Duration::seconds(60)).is_ok(),
            "the first attempt left the window"
        );
    }
}
