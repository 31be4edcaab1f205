//! Commands a device never fetched expire at their time even when the
//! device stays away: reads already show them expired, and this sweep
//! writes it down, settles the installs they were for and tells the owners'
//! portals. Every node sweeps; a device's commands are expired once. The
//! same sweep forgets limit attempts and enrollment codes no rule reads any more.

use std::{sync::Arc, time::Duration};

use tokio::task::JoinHandle;

use crate::{clock::Clock, db::Database, rate_limit::LONGEST_WINDOW};

/// How often: the portal shows expiry at once on reads; the live update may wait this long.
pub const EVERY: Duration = Duration::from_secs(30);

pub fn sweep_every(every: Duration, db: Arc<dyn Database>, clock: Arc<dyn Clock>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let now = clock.now();
            match db.expire_commands(now).await {
                Ok(0) => {}
                Ok(expired) => tracing::info!(expired, "commands expired"),
                Err(error) => tracing::warn!(%error, "cannot expire commands; trying again later"),
            }
            // A day on, an expired code answers "not valid" rather than "expired".
            let stale = db
                .forget_stale(now - LONGEST_WINDOW, now - time::Duration::days(1))
                .await;
            if let Err(error) = stale {
                tracing::warn!(%error, "cannot forget stale attempts and codes; trying again later");
            }
        }
    })
}
