//! Every device judged anew: after a new version is saved (with progress
//! the Policies page shows), and as time passes, since a grace period ends
//! and a device stays away without checking in. Owners' portals hear of each
//! change of state. Judging is idempotent, so every node may sweep.

use std::{sync::Arc, time::Duration};

use tokio::task::JoinHandle;

use crate::{
    clock::Clock,
    db::{Database, DbResult, EvaluationRecord, JudgedDevice},
    policies::{
        Policies,
        rules::{Policy, security_reported},
    },
};

/// Devices judged and written per transaction.
const BATCH: u32 = 500;

/// How often every node judges every device again as time passes.
pub const SWEEP_EVERY: Duration = Duration::from_secs(60 * 60);

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
        let now = clock.now();
        let changed: Vec<JudgedDevice> = batch
            .into_iter()
            .filter_map(|device| {
                let compliance = policy.judge(
                    device.platform,
                    &device.inventory,
                    security_reported(device.managed_by),
                    device.last_seen,
                    device.compliance.failing_since,
                    now,
                );
                (compliance != device.compliance).then_some(JudgedDevice { compliance, ..device })
            })
            .collect();
        record.changed += db.set_compliance(&changed).await?;
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

/// Judges every device again every `every`, the first time `every` from now.
pub fn sweep_every(
    every: Duration,
    db: Arc<dyn Database>,
    clock: Arc<dyn Clock>,
    policies: Arc<Policies>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let policy = policies.current();
            match judge_all(&*db, &*clock, &policies, &policy, false).await {
                Ok(EvaluationRecord { changed: 0, .. }) => {}
                Ok(record) => tracing::info!(changed = record.changed, "devices' compliance changed with time"),
                Err(error) => tracing::warn!(%error, "cannot judge devices; trying again later"),
            }
        }
    })
}
