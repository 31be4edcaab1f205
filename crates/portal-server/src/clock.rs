use std::sync::{Arc, Mutex};

use time::OffsetDateTime;

/// Where the server reads the time, so tests can move it instead of sleeping.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> OffsetDateTime;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that stands still until told to move; or, made by
/// [`ManualClock::running`], runs with real time as well, for a test whose
/// clients sign their requests with the real time.
#[derive(Clone)]
pub struct ManualClock {
    moved_to: Arc<Mutex<OffsetDateTime>>,
    running_since: Option<std::time::Instant>,
}

impl ManualClock {
    pub fn new(start: OffsetDateTime) -> Self {
        Self {
            moved_to: Arc::new(Mutex::new(start)),
            running_since: None,
        }
    }

    pub fn running(start: OffsetDateTime) -> Self {
        Self {
            running_since: Some(std::time::Instant::now()),
            ..Self::new(start)
        }
    }

    pub fn advance(&self, by: time::Duration) {
        *self.moved_to.lock().unwrap() += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        let ran = self.running_since.map(|since| since.elapsed()).unwrap_or_default();
        *self.moved_to.lock().unwrap() + ran
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_when_told_and_a_running_one_with_real_time_too() {
        let start = OffsetDateTime::now_utc();
        let standing = ManualClock::new(start);
        assert_eq!(standing.now(), start);
        standing.advance(time::Duration::hours(1));
        assert_eq!(standing.now(), start + time::Duration::hours(1));

        let running = ManualClock::running(start);
        let first = running.now();
        assert!(first >= start);
        while running.now() == first {
            std::hint::spin_loop();
        }
        running.advance(time::Duration::hours(1));
        assert!(running.now() > first + time::Duration::hours(1));
    }
}
