//! Every device judged anew: after a new version is saved (with progress
//! the Policies page shows), and as time passes, since a grace period ends
//! and a device stays away without checking in. Owners' portals hear of each
//! change of state. Judging is idempotent, so every node may sweep.

use std::{sync::Arc, time::Duration};

use time::OffsetDateTime;
use tokio::task::JoinHandle;

use crate::{
    clock::Clock,
    db::{Database, DbResult, EvaluationRecord, JudgedDevice},
    policies::{Policies, rules::Policy},
};

/// Devices judged and written per transaction.
const BATCH: u32 = 500;

/// How often every node judges every device again as time passes.
pub const SWEEP_EVERY: Duration = Duration::from_secs(60 * 60);

/// How often every node judges the devices whose deadline has passed: a
/// state changes at most this late (the gateway and a device's page judge
/// by the clock, to the second).
pub const DEADLINES_EVERY: Duration = Duration::from_secs(60);

/// Judges every device by `policy`, batch by batch; with `progress`, writes
/// down how far it has gone for the Policies page. Stops early when a newer
/// version comes into force: that version's own run takes over.
pub async fn judge_all(
    db: &dyn Database,
    clock: &dyn Clock,
    policies: &Policies,
    policy: &Policy,
    progress: bool,
) -> DbResult<EvaluationRecord> {
    let mut record = EvaluationRecord {
        devices: db.count_all_devices().await?,
        ..EvaluationRecord::default()
    };
    let mut after = None;
    loop {
        if policies.current().version != policy.version {
            return Ok(record);
        }
        let batch = db.devices_to_judge(after, BATCH).await?;
        let Some(last) = batch.last() else { break };
        after = Some(last.id);
        record.evaluated += batch.len() as u64;
        record.changed += db.set_compliance(&judged_anew(policy, batch, clock.now())).await?;
        if progress {
            // Devices enrolled since the count are judged too.
            record.devices = record.devices.max(record.evaluated);
            db.record_evaluation(policy.version, record).await?;
        }
    }
    record.devices = record.evaluated;
    record.finished_at = Some(clock.now());
    if progress {
        db.record_evaluation(policy.version, record).await?;
    }
    Ok(record)
}

/// The devices of `batch` whose judgement by `policy` at `now` differs from the stored one, judged anew.
fn judged_anew(policy: &Policy, batch: Vec<JudgedDevice>, now: OffsetDateTime) -> Vec<JudgedDevice> {
    batch
        .into_iter()
        .filter_map(|device| {
            let compliance = policy.judge_again(&device, now);
            (compliance != device.compliance).then_some(JudgedDevice { compliance, ..device })
        })
        .collect()
}

/// Judges the devices whose deadline has passed (a grace period ended, a
/// device stayed away too long), so that My devices, the console's counts
/// and the owners' portals change when the state does, not at the next
/// hourly sweep. Gives back how many changed.
pub async fn judge_past_deadline(
    db: &dyn Database,
    clock: &dyn Clock,
    policies: &Policies,
    policy: &Policy,
) -> DbResult<u64> {
    let mut changed = 0;
    loop {
        // A newer version judges every device itself.
        if policies.current().version != policy.version {
            return Ok(changed);
        }
        let now = clock.now();
        let batch = db.devices_past_deadline(policy.deadlines(now), BATCH).await?;
        let full = batch.len() == BATCH as usize;
        let written = db.set_compliance(&judged_anew(policy, batch, now)).await?;
        changed += written;
        // Each device written leaves the deadline's range; one that checked in meanwhile was judged then.
        if !full || written == 0 {
            return Ok(changed);
        }
    }
}

/// Judges every device by the version just saved, in the background.
pub fn after_change(
    db: Arc<dyn Database>,
    clock: Arc<dyn Clock>,
    policies: Arc<Policies>,
    policy: Arc<Policy>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        match judge_all(&*db, &*clock, &policies, &policy, true).await {
            Ok(record) => tracing::info!(
                version = policy.version,
                evaluated = record.evaluated,
                changed = record.changed,
                "devices judged by the new policy"
            ),
            Err(error) => {
                tracing::warn!(%error, version = policy.version, "judging devices by the new policy failed; the next sweep does it")
            }
        }
    })
}

/// Judges the devices past a deadline every [`DEADLINES_EVERY`], and every
/// device again every [`SWEEP_EVERY`] (which also brings up to date what
/// time changes without changing a state: a failing device's days away).
pub fn sweep(db: Arc<dyn Database>, clock: Arc<dyn Clock>, policies: Arc<Policies>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let start = tokio::time::Instant::now();
        let mut deadlines = tokio::time::interval_at(start + DEADLINES_EVERY, DEADLINES_EVERY);
        let mut everything = tokio::time::interval_at(start + SWEEP_EVERY, SWEEP_EVERY);
        for ticks in [&mut deadlines, &mut everything] {
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        }
        loop {
            let all = tokio::select! {
                _ = deadlines.tick() => false,
                _ = everything.tick() => true,
            };
            let policy = policies.current();
            let judged = if all {
                judge_all(&*db, &*clock, &policies, &policy, false)
                    .await
                    .map(|r| r.changed)
            } else {
                judge_past_deadline(&*db, &*clock, &policies, &policy).await
            };
            match judged {
                Ok(0) => {}
                Ok(changed) => tracing::info!(changed, "devices' compliance changed with time"),
                Err(error) => tracing::warn!(%error, "cannot judge devices; trying again later"),
            }
        }
    })
}
