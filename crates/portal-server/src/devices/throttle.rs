//! Each device's requests to the device API, throttled: a bucket of
//! [`BURST`] requests that refills at [`PER_SECOND`]. An agent checks in
//! every few minutes and reports on a few commands; one that sends hundreds
//! a second is broken or hostile, and would otherwise have the database's
//! writer to itself. Kept per node, in memory: a device talks to one node at
//! a time, and with several nodes it gets at most that many times the rate.

use std::{collections::HashMap, sync::Mutex};

use portal_types::DeviceId;
use time::{Duration, OffsetDateTime};

pub const BURST: f64 = 100.0;
pub const PER_SECOND: f64 = 5.0;
/// The map is pruned of full buckets (devices quiet for a while) past this size.
const PRUNE_PAST: usize = 10_000;

#[derive(Default)]
pub struct DeviceThrottle {
    buckets: Mutex<HashMap<DeviceId, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: OffsetDateTime,
}

impl Bucket {
    fn refilled(self, now: OffsetDateTime) -> f64 {
        let elapsed = (now - self.at).max(Duration::ZERO).as_seconds_f64();
        (self.tokens + elapsed * PER_SECOND).min(BURST)
    }
}

impl DeviceThrottle {
    /// Spends one of the device's requests; `Err(wait)` when it has none left.
    pub fn take(&self, device: DeviceId, now: OffsetDateTime) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().expect("throttle lock");
        if buckets.len() > PRUNE_PAST {
            buckets.retain(|_, bucket| bucket.refilled(now) < BURST);
        }
        let bucket = buckets.entry(device).or_insert(Bucket { tokens: BURST, at: now });
        let tokens = bucket.refilled(now);
        if tokens < 1.0 {
            return Err(Duration::seconds_f64((1.0 - tokens) / PER_SECOND));
        }
        *bucket = Bucket {
            tokens: tokens - 1.0,
            at: now,
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_refill_rate_per_device() {
        let throttle = DeviceThrottle::default();
        let (one, other) = (DeviceId(uuid::Uuid::from_u128(1)), DeviceId(uuid::Uuid::from_u128(2)));
        let now = OffsetDateTime::UNIX_EPOCH;
        for _ in 0..BURST as usize {
            assert!(throttle.take(one, now).is_ok());
        }
        let wait = throttle.take(one, now).unwrap_err();
        assert_eq!(wait, Duration::milliseconds(200));
        assert!(throttle.take(other, now).is_ok(), "each device has its own bucket");
        let later = now + Duration::seconds(1);
        for _ in 0..PER_SECOND as usize {
            assert!(throttle.take(one, later).is_ok());
        }
        assert!(throttle.take(one, later).is_err());
    }
}
