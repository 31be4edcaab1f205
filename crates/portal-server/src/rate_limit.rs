//! Fixed limits on attempts per key (an account, a client address) within a
//! sliding window, on the server's clock. The attempts are kept in the
//! database, so that every node of the portal counts the same ones.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

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
    refusals: FirstInWindow,
}

impl SignInLimits {
    pub fn new(db: Arc<dyn Database>) -> Self {
        Self {
            per_account: RateLimiter::new("sign_in_account", 20, Duration::minutes(1), db.clone()),
            per_address: RateLimiter::new("sign_in_address", 100, Duration::minutes(1), db.clone()),
            refusals: FirstInWindow::new("sign_in_refused", Duration::minutes(1), db),
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
        Ok(self.refusals.first(&key, now).await?.is_some())
    }

    /// A sign-in that succeeded does not count against the limits.
    pub async fn release(&self, attempt: Attempt) -> DbResult<()> {
        self.per_account.release(attempt).await
    }
}

/// Marks the first attempt under each key in a window, shared by every node
/// (a limit of one): the refusal that is written down, where the rest are
/// not. Each node remembers until when the keys it has seen stay taken, and
/// answers repeats without the database: a flood of refusals costs a lookup.
pub struct FirstInWindow {
    limit: RateLimiter,
    taken: Mutex<Taken>,
}

impl FirstInWindow {
    pub fn new(scope: &'static str, window: Duration, db: Arc<dyn Database>) -> Self {
        Self {
            limit: RateLimiter::new(scope, 1, window, db),
            taken: Mutex::default(),
        }
    }

    /// The place of the first attempt under `key` this window; `None` when
    /// it is taken.
    pub async fn first(&self, key: &str, now: OffsetDateTime) -> DbResult<Option<Attempt>> {
        if self.taken().holds(key, now) {
            return Ok(None);
        }
        let (until, first) = match self.limit.reserve(key, now).await? {
            Ok(attempt) => (now + self.limit.window, Some(attempt)),
            Err(wait) => (now + wait, None),
        };
        self.taken().remember(key, until, now);
        Ok(first)
    }

    /// Gives back the place `first` took under `key`, then forgets it here
    /// (in that order: a `first` in between would learn it taken again).
    /// Another node that saw it taken learns only when the window ends.
    pub async fn release(&self, key: &str, attempt: Attempt) -> DbResult<()> {
        self.limit.release(attempt).await?;
        self.taken().forget(key);
        Ok(())
    }

    fn taken(&self) -> std::sync::MutexGuard<'_, Taken> {
        // Nothing panics while holding it; a poisoned map is still sound.
        self.taken.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The keys a node knows to be taken, and until when.
#[derive(Default)]
struct Taken(HashMap<String, OffsetDateTime>);

impl Taken {
    /// Past this many keys (a flood from ever new addresses) the node
    /// forgets those whose window ended, or all of them when that frees
    /// less than a tenth (so that it is not done at each key), and asks the
    /// database again: memory stays bounded.
    const MOST: usize = 10_000;

    fn holds(&self, key: &str, now: OffsetDateTime) -> bool {
        self.0.get(key).is_some_and(|until| now < *until)
    }

    fn remember(&mut self, key: &str, until: OffsetDateTime, now: OffsetDateTime) {
        if self.0.len() >= Self::MOST {
            self.0.retain(|_, until| now < *until);
            if self.0.len() > Self::MOST - Self::MOST / 10 {
                self.0.clear();
            }
        }
        self.0.insert(key.to_owned(), until);
    }

    fn forget(&mut self, key: &str) {
        self.0.remove(key);
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

    #[test]
    fn a_taken_key_is_held_until_its_window_ends_and_the_memory_stays_bounded() {
        let now = OffsetDateTime::now_utc();
        let mut taken = Taken::default();
        taken.remember("a", now + Duration::minutes(1), now);
        assert!(taken.holds("a", now + Duration::seconds(59)));
        assert!(!taken.holds("a", now + Duration::minutes(1)), "its window has ended");
        assert!(!taken.holds("b", now));
        taken.forget("a");
        assert!(!taken.holds("a", now), "given back");

        for i in 0..Taken::MOST {
            taken.remember(&i.to_string(), now + Duration::minutes(1), now);
        }
        assert_eq!(taken.0.len(), Taken::MOST);
        taken.remember("one more", now + Duration::minutes(1), now);
        assert_eq!(taken.0.len(), 1, "all were still taken: forgotten at once");
        assert!(taken.holds("one more", now));

        // A tenth of them end soon: those make the room.
        for i in 0..Taken::MOST - 1 {
            let lasts = if i % 10 == 0 {
                Duration::seconds(1)
            } else {
                Duration::minutes(1)
            };
            taken.remember(&format!("key {i}"), now + lasts, now);
        }
        taken.remember("later", now + Duration::minutes(1), now + Duration::seconds(2));
        assert_eq!(
            taken.0.len(),
            Taken::MOST - Taken::MOST / 10 + 1,
            "the ended keys made room"
        );
        assert!(taken.holds("later", now) && taken.holds("key 1", now) && taken.holds("one more", now));
        assert!(!taken.0.contains_key("key 0"));
    }
}
