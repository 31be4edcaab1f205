//! Versions of the policy, and devices' compliance judged anew by one.

use async_trait::async_trait;
use portal_types::{ComplianceState, DeviceId, Inventory, Platform, PolicySettings, UserId};
use time::OffsetDateTime;

use super::{Store, other, uid, version_column, version_read};
use crate::{
    db::{
        AuditEvent, Compliance, DbError, DbResult, Deadlines, EvaluationRecord, JudgedDevice, PolicyStore,
        StoredPolicy,
        values::{Ts, Uid, parsed},
    },
    live::Notice,
};

type PolicyRow = (
    i32,
    String,
    Option<String>,
    Option<String>,
    Ts,
    i64,
    i64,
    i64,
    Option<Ts>,
);

#[derive(sqlx::FromRow)]
struct JudgedRow {
    id: Uid,
    user_id: Option<Uid>,
    managed_by: String,
    platform: String,
    os_version: String,
    model: String,
    encrypted: Option<bool>,
    passcode_set: Option<bool>,
    jailbroken: Option<bool>,
    free_storage_mb: Option<i64>,
    serial_number: Option<String>,
    last_seen: Ts,
    compliance: String,
    compliance_reasons: String,
    failing_since: Option<Ts>,
}

impl TryFrom<JudgedRow> for JudgedDevice {
    type Error = DbError;
    fn try_from(row: JudgedRow) -> DbResult<Self> {
        Ok(JudgedDevice {
            id: row.id.into(),
            owner: row.user_id.map(Into::into),
            managed_by: parsed("managed_by", &row.managed_by, portal_types::ManagedBy::parse)?,
            platform: parsed("platform", &row.platform, Platform::parse)?,
            // What was never reported counts as not in place.
            inventory: Inventory {
                os_version: row.os_version,
                model: row.model,
                encrypted: row.encrypted.unwrap_or(false),
                passcode_set: row.passcode_set.unwrap_or(false),
                jailbroken: row.jailbroken.unwrap_or(false),
                free_storage_mb: row.free_storage_mb.and_then(|n| u64::try_from(n).ok()).unwrap_or(0),
                serial_number: row.serial_number,
                onprem_id: None,
            },
            last_seen: row.last_seen.0,
            compliance: Compliance {
                state: parsed("compliance", &row.compliance, portal_types::ComplianceState::parse)?,
                reasons: serde_json::from_str(&row.compliance_reasons).map_err(|e| DbError::Other(e.into()))?,
                failing_since: row.failing_since.map(|t| t.0),
            },
        })
    }
}

/// What judging a device reads.
const JUDGED_FIELDS: &str =
    "SELECT id, user_id, managed_by, platform, os_version, model, encrypted, passcode_set, jailbroken,
            free_storage_mb, serial_number, COALESCE(last_check_in, enrolled_at) AS last_seen,
            compliance, compliance_reasons, failing_since
     FROM devices";

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or_default()
}

#[async_trait]
impl PolicyStore for Store {
    async fn current_policy(&self) -> DbResult<Option<StoredPolicy>> {
        let row: Option<PolicyRow> = sqlx::query_as(
            "SELECT p.version, p.settings, u.display_name, u.email, p.changed_at,
                    p.evaluated, p.devices, p.changed, p.evaluated_at
             FROM policies p LEFT JOIN users u ON u.id = p.changed_by
             ORDER BY p.version DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(other)?;
        let Some((version, settings, name, email, changed_at, evaluated, devices, changed, finished_at)) = row else {
            return Ok(None);
        };
        Ok(Some(StoredPolicy {
            version: version_read(version)?,
            settings: serde_json::from_str(&settings).map_err(|e| DbError::Other(e.into()))?,
            changed_by: name.zip(email),
            changed_at: changed_at.0,
            evaluation: EvaluationRecord {
                evaluated: count(evaluated),
                devices: count(devices),
                changed: count(changed),
                finished_at: finished_at.map(|t| t.0),
            },
        }))
    }

    async fn save_policy(
        &self,
        version: u32,
        settings: &PolicySettings,
        by: Option<UserId>,
        at: OffsetDateTime,
        audit: Option<AuditEvent>,
    ) -> DbResult<bool> {
        let settings = serde_json::to_string(settings).map_err(|e| DbError::Other(e.into()))?;
        let mut tx = self.begin().await?;
        let saved = sqlx::query(
            "INSERT INTO policies (version, settings, changed_by, changed_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (version) DO NOTHING",
        )
        .bind(version_column(version)?)
        .bind(settings)
        .bind(by.map(uid))
        .bind(Ts(at))
        .execute(&mut *tx)
        .await
        .map_err(other)?
        .rows_affected()
            == 1;
        if !saved {
            return Ok(false);
        }
        tx.notify(Notice::Policy { version });
        if let Some(audit) = &audit {
            tx.audit(audit);
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn record_evaluation(&self, version: u32, evaluation: EvaluationRecord) -> DbResult<()> {
        let _turn = self.single_write().await;
        let signed = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        sqlx::query(
            "UPDATE policies SET evaluated = $1, devices = $2, changed = $3, evaluated_at = $4 WHERE version = $5",
        )
        .bind(signed(evaluation.evaluated))
        .bind(signed(evaluation.devices))
        .bind(signed(evaluation.changed))
        .bind(evaluation.finished_at.map(Ts))
        .bind(version_column(version)?)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(())
    }

    async fn count_all_devices(&self) -> DbResult<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM devices")
            .fetch_one(&self.pool)
            .await
            .map_err(other)?;
        Ok(count(n))
    }

    async fn devices_to_judge(&self, after: Option<DeviceId>, limit: u32) -> DbResult<Vec<JudgedDevice>> {
        let rows: Vec<JudgedRow> = match after {
            Some(after) => {
                sqlx::query_as(&format!("{JUDGED_FIELDS} WHERE id > $1 ORDER BY id LIMIT $2"))
                    .bind(uid(after))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
            }
            None => {
                sqlx::query_as(&format!("{JUDGED_FIELDS} ORDER BY id LIMIT $1"))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
            }
        }
        .map_err(other)?;
        rows.into_iter().map(JudgedDevice::try_from).collect()
    }

    async fn devices_past_deadline(&self, deadlines: Deadlines, limit: u32) -> DbResult<Vec<JudgedDevice>> {
        // Two range reads, each on an index of its own (compliance, then the time).
        let rows: Vec<JudgedRow> = sqlx::query_as(&format!(
            "{JUDGED_FIELDS} WHERE compliance = $1 AND failing_since <= $2
             UNION ALL
             {JUDGED_FIELDS} WHERE compliance = $3 AND COALESCE(last_check_in, enrolled_at) < $4
             LIMIT $5"
        ))
        .bind(ComplianceState::OutOfCompliance.as_str())
        .bind(Ts(deadlines.failing_since_by))
        .bind(ComplianceState::CanAccess.as_str())
        .bind(Ts(deadlines.seen_before))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.into_iter().map(JudgedDevice::try_from).collect()
    }

    async fn set_compliance(&self, judged: &[JudgedDevice]) -> DbResult<u64> {
        if judged.is_empty() {
            return Ok(0);
        }
        let mut tx = self.begin().await?;
        let mut written = 0;
        for device in judged {
            let reasons = serde_json::to_string(&device.compliance.reasons).map_err(|e| DbError::Other(e.into()))?;
            let done = sqlx::query(
                "UPDATE devices SET compliance = $1, compliance_reasons = $2, failing_since = $3
                 WHERE id = $4 AND COALESCE(last_check_in, enrolled_at) = $5",
            )
            .bind(device.compliance.state.as_str())
            .bind(reasons)
            .bind(device.compliance.failing_since.map(Ts))
            .bind(uid(device.id))
            .bind(Ts(device.last_seen))
            .execute(&mut *tx)
            .await
            .map_err(other)?;
            if done.rows_affected() == 1 {
                written += 1;
                if let Some(owner) = device.owner {
                    tx.notify(Notice::device_changed(owner, device.id));
                }
            }
        }
        tx.commit().await?;
        Ok(written)
    }
}
