//! `portal-server inventory-sync FILE`: a snapshot applied straight to the
//! database, by the same code as the API's.

use std::{path::Path, time::Instant};

use anyhow::Context;
use portal_types::{OnMissing, SnapshotKind, SyncReport};

use crate::{
    clock::{Clock, SystemClock},
    config::Config,
    db,
    inventory::{self, records::Snapshot},
    policies::{
        Policies,
        rules::{Policy, ProvisioningMode},
    },
};

pub async fn run(config: &Config, file: &Path, full: bool, on_missing: &str) -> anyhow::Result<SyncReport> {
    anyhow::ensure!(
        config.provisioning_mode == ProvisioningMode::Hybrid,
        "the on-premises inventory sync is part of the Hybrid plan: add --provisioning-mode hybrid"
    );
    let body = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let is_csv = file.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let snapshot = if is_csv {
        let kind = if full {
            SnapshotKind::Full
        } else {
            SnapshotKind::Partial
        };
        let on_missing = if on_missing == "remove" {
            OnMissing::Remove
        } else {
            OnMissing::Stale
        };
        Snapshot::from_csv(&body, kind, on_missing)
    } else {
        Snapshot::from_json(&body)
    }
    .map_err(anyhow::Error::msg)?;
    let kind = snapshot.kind;
    let db = db::connect(&config.database_url, config.database_connections).await?;
    let clock = SystemClock;
    let initial = Policy::load(config.provisioning_mode, config.policy_file.as_deref())?;
    let policies = Policies::load(db.clone(), initial, clock.now()).await?;
    let started = Instant::now();
    let report = inventory::apply(&*db, &clock, &policies.current(), snapshot, |done, total| {
        let rate = done as f64 / started.elapsed().as_secs_f64().max(1e-3);
        eprintln!("{done} of {total} records applied ({rate:.0} a second)");
    })
    .await?;
    if kind == SnapshotKind::Full && !report.rejected.is_empty() {
        for row in &report.rejected {
            eprintln!("line {}: {}: {}", row.line, row.field, row.message);
        }
        anyhow::bail!(
            "{} of the full snapshot's records are refused, so nothing was changed",
            report.rejected.len()
        );
    }
    db.close().await;
    Ok(report)
}
