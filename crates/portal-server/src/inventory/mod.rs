//! Hybrid mode's on-premises inventory sync: the on-premises manager
//! (ConfigMgr) sends a full or partial snapshot of its devices; each record
//! becomes a device of the organisation's one list, or joins the enrolled
//! device with its serial number as one co-managed device. One compliance
//! policy judges them all, on what each reports.

pub mod cli;
pub mod records;
pub mod routes;
pub mod sample;

use std::collections::HashSet;

use portal_types::{Inventory, ManagedBy, Platform, SnapshotKind, SyncReport};
use time::OffsetDateTime;

use crate::{
    clock::Clock,
    db::{Database, DbResult},
    policies::rules::{Policy, security_reported},
};
use records::{OnPremDevice, Snapshot};

/// Records written per transaction.
pub const BATCH: usize = 1000;

/// The category an on-premises device is filed under.
pub fn category_of(platform: Platform) -> &'static str {
    match platform {
        Platform::WindowsServer => "Server",
        Platform::Android | Platform::Ios | Platform::WindowsPhone => "Phone",
        _ => "Desktop",
    }
}

/// What the policy makes of a record: its OS version and when it was last
/// seen (the on-premises manager reports no security settings).
fn judged(policy: &Policy, device: &OnPremDevice, now: OffsetDateTime) -> crate::db::Compliance {
    let inventory = Inventory {
        os_version: device.os_version.clone(),
        model: device.model.clone(),
        encrypted: false,
        passcode_set: false,
        jailbroken: false,
        free_storage_mb: 0,
        serial_number: device.serial_number.clone(),
        onprem_id: None,
    };
    let last_seen = device.last_seen.unwrap_or(now);
    policy.judge(
        device.platform,
        &inventory,
        security_reported(ManagedBy::OnPremises),
        last_seen,
        None,
        now,
    )
}

/// Applies a snapshot, a batch per transaction, telling `progress` after
/// each how many records are done. A partial snapshot applies its good
/// records and reports the bad ones; a full snapshot with a bad record
/// changes nothing. Re-sending a snapshot changes nothing. An applied
/// snapshot has its audit entry.
pub async fn apply(
    db: &dyn Database,
    clock: &dyn Clock,
    policy: &Policy,
    mut snapshot: Snapshot,
    mut progress: impl FnMut(u64, u64),
) -> DbResult<SyncReport> {
    snapshot.refuse_repeats();
    let mut report = SyncReport {
        received: snapshot.records.len() as u64,
        ..SyncReport::default()
    };
    let mut good = Vec::with_capacity(snapshot.records.len());
    for record in snapshot.records {
        match record {
            Ok(device) => good.push(device),
            Err(refused) => report.rejected.push(refused),
        }
    }
    if snapshot.kind == SnapshotKind::Full && !report.rejected.is_empty() {
        return Ok(report);
    }
    let total = good.len() as u64;
    let mut done = 0;
    for batch in good.chunks(BATCH) {
        let now = clock.now();
        let judged: Vec<_> = batch.iter().map(|d| (d.clone(), judged(policy, d, now))).collect();
        let counts = db.sync_inventory(&judged, now).await?;
        report.created += counts.created;
        report.updated += counts.updated;
        report.co_managed += counts.co_managed;
        report.unchanged += counts.unchanged;
        done += batch.len() as u64;
        progress(done, total);
    }
    if snapshot.kind == SnapshotKind::Full {
        let held: HashSet<&str> = good.iter().map(|d| d.onprem_id.as_str()).collect();
        let missing: Vec<String> = db
            .onprem_ids()
            .await?
            .into_iter()
            .filter(|id| !held.contains(id.as_str()))
            .collect();
        for batch in missing.chunks(BATCH) {
            let changed = db.onprem_missing(batch, snapshot.on_missing, clock.now()).await?;
            match snapshot.on_missing {
                portal_types::OnMissing::Stale => report.stale += changed,
                portal_types::OnMissing::Remove => report.removed += changed,
            }
        }
    }
    db.record_audit(routes::audit_of(&report, clock.now())).await?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_and_desktops_are_filed_apart() {
        assert_eq!(category_of(Platform::WindowsServer), "Server");
        assert_eq!(category_of(Platform::Windows), "Desktop");
        assert_eq!(category_of(Platform::Linux), "Desktop");
    }
}
