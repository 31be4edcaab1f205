//! The on-premises inventory: records stored beside enrolled devices, one
//! row per device (a record and an enrolled device with the same serial
//! number are one co-managed row), and the tokens the on-premises manager
//! sends them with.

use async_trait::async_trait;
use portal_types::{DeviceId, Inventory, ManagedBy, OnMissing, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Store, Tx, other, uid};
use crate::{
    db::{
        AuditEvent, Compliance, DbResult, InventoryStore, SyncCounts,
        values::{Ts, Uid, parsed},
    },
    inventory::records::OnPremDevice,
    live::Notice,
};

/// The user a primary user's email belongs to, if they have an account.
async fn user_of(tx: &mut Tx<'_>, email: Option<&str>) -> DbResult<Option<Uid>> {
    let Some(email) = email else { return Ok(None) };
    sqlx::query_scalar("SELECT id FROM users WHERE lower(email) = $1")
        .bind(email)
        .fetch_optional(&mut **tx)
        .await
        .map_err(other)
}

/// Makes an enrolled device and the on-premises record with its serial
/// number, or with the on-premises id the device reports, one co-managed
/// device, whichever came first: the record's row goes, its on-premises facts
/// join the enrolled one. A reported id with no record yet is kept for the
/// record to find. True when a record joined.
///
/// What a device reports is its own word: a record joins it only when the
/// record's primary user is the device's owner, so no device can take over,
/// or hide, another user's record (nor one nobody owns) by reporting its
/// serial number or id.
pub(super) async fn absorb_twin(tx: &mut Tx<'_>, device: DeviceId, inventory: &Inventory) -> DbResult<bool> {
    let serial = inventory.serial_number.as_deref().filter(|s| !s.is_empty());
    let reported = inventory.onprem_id.as_deref().filter(|s| !s.is_empty());
    if serial.is_none() && reported.is_none() {
        return Ok(false);
    }
    type Twin = (
        Uid,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let twin: Option<Twin> = sqlx::query_as(
        "DELETE FROM devices WHERE (serial_number = $1 OR onprem_id = $2) AND managed_by = 'on_premises' AND id <> $3
           AND user_id = (SELECT user_id FROM devices WHERE id = $3)
         RETURNING id, onprem_id, onprem_digest, primary_user, manufacturer, domain",
    )
    .bind(serial)
    .bind(reported)
    .bind(uid(device))
    .fetch_optional(&mut **tx)
    .await
    .map_err(other)?;
    let Some((_, onprem_id, digest, primary_user, manufacturer, domain)) = twin else {
        if let Some(reported) = reported {
            sqlx::query(
                "UPDATE devices SET onprem_id = $1 WHERE id = $2 AND onprem_id IS NULL
                   AND NOT EXISTS (SELECT 1 FROM devices WHERE onprem_id = $1)",
            )
            .bind(reported)
            .bind(uid(device))
            .execute(&mut **tx)
            .await
            .map_err(other)?;
        }
        return Ok(false);
    };
    sqlx::query(
        "UPDATE devices SET managed_by = 'co_managed', onprem_id = $1, onprem_digest = $2, primary_user = $3,
                manufacturer = $4, domain = $5, onprem_stale_since = NULL
         WHERE id = $6",
    )
    .bind(onprem_id)
    .bind(digest)
    .bind(primary_user)
    .bind(manufacturer)
    .bind(domain)
    .bind(uid(device))
    .execute(&mut **tx)
    .await
    .map_err(other)?;
    Ok(true)
}

#[async_trait]
impl InventoryStore for Store {
    async fn sync_inventory(&self, batch: &[(OnPremDevice, Compliance)], now: OffsetDateTime) -> DbResult<SyncCounts> {
        let mut counts = SyncCounts::default();
        let mut tx = self.begin().await?;
        for (record, compliance) in batch {
            type Known = (Uid, Option<Uid>, String, Option<String>, Option<Ts>);
            let known: Option<Known> = sqlx::query_as(
                "SELECT id, user_id, managed_by, onprem_digest, onprem_stale_since FROM devices WHERE onprem_id = $1",
            )
            .bind(&record.onprem_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(other)?;
            let owner = user_of(&mut tx, record.primary_user.as_deref()).await?;
            let known = match known {
                // A device of someone else reported this id before its record
                // came: the record is not theirs to join, and the id goes back.
                Some((id, user, managed_by, ..))
                    if managed_by == ManagedBy::Portal.as_str() && (owner.is_none() || user != owner) =>
                {
                    sqlx::query("UPDATE devices SET onprem_id = NULL WHERE id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await
                        .map_err(other)?;
                    None
                }
                known => known,
            };
            match known {
                Some((_, _, _, digest, None)) if digest.as_deref() == Some(record.digest.as_str()) => {
                    counts.unchanged += 1;
                }
                Some((id, user, managed_by, ..)) => {
                    let managed_by = parsed("managed_by", &managed_by, ManagedBy::parse)?;
                    if managed_by == ManagedBy::OnPremises {
                        // The record is all the portal knows of it.
                        sqlx::query(
                            "UPDATE devices SET user_id = $1, name = $2, platform = $3, model = $4, os_version = $5,
                                    serial_number = $6, last_check_in = $7, compliance = $8, compliance_reasons = $9,
                                    failing_since = $10, onprem_digest = $11, onprem_stale_since = NULL,
                                    primary_user = $12, manufacturer = $13, domain = $14
                             WHERE id = $15",
                        )
                        .bind(owner)
                        .bind(&record.name)
                        .bind(record.platform.as_str())
                        .bind(&record.model)
                        .bind(&record.os_version)
                        .bind(&record.serial_number)
                        .bind(record.last_seen.map(Ts))
                        .bind(compliance.state.as_str())
                        .bind(super::devices::reasons_json(compliance)?)
                        .bind(compliance.failing_since.map(Ts))
                        .bind(&record.digest)
                        .bind(&record.primary_user)
                        .bind(&record.manufacturer)
                        .bind(&record.domain)
                        .bind(id)
                        .execute(&mut *tx)
                        .await
                        .map_err(other)?;
                    } else {
                        // The enrolled device reports the rest itself; one that
                        // reported this on-premises id becomes co-managed now.
                        sqlx::query(
                            "UPDATE devices SET managed_by = 'co_managed', onprem_digest = $1,
                                    onprem_stale_since = NULL, primary_user = $2, manufacturer = $3, domain = $4
                             WHERE id = $5",
                        )
                        .bind(&record.digest)
                        .bind(&record.primary_user)
                        .bind(&record.manufacturer)
                        .bind(&record.domain)
                        .bind(id)
                        .execute(&mut *tx)
                        .await
                        .map_err(other)?;
                    }
                    for user in [user, owner].into_iter().flatten() {
                        tx.notify(Notice::device_changed(user.into(), id.into()));
                    }
                    if managed_by == ManagedBy::Portal {
                        counts.co_managed += 1;
                    } else {
                        counts.updated += 1;
                    }
                }
                None => {
                    // An enrolled device with the same serial number: one device, co-managed.
                    let enrolled: Option<(Uid, Option<Uid>)> = match &record.serial_number {
                        Some(serial) => sqlx::query_as(
                            "SELECT id, user_id FROM devices WHERE serial_number = $1 AND managed_by = 'portal'
                               AND user_id = $2
                             ORDER BY enrolled_at LIMIT 1",
                        )
                        .bind(serial)
                        .bind(owner)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(other)?,
                        None => None,
                    };
                    if let Some((id, user)) = enrolled {
                        sqlx::query(
                            "UPDATE devices SET managed_by = 'co_managed', onprem_id = $1, onprem_digest = $2,
                                    primary_user = $3, manufacturer = $4, domain = $5, onprem_stale_since = NULL
                             WHERE id = $6",
                        )
                        .bind(&record.onprem_id)
                        .bind(&record.digest)
                        .bind(&record.primary_user)
                        .bind(&record.manufacturer)
                        .bind(&record.domain)
                        .bind(id)
                        .execute(&mut *tx)
                        .await
                        .map_err(other)?;
                        if let Some(user) = user {
                            tx.notify(Notice::device_changed(user.into(), id.into()));
                        }
                        counts.co_managed += 1;
                        continue;
                    }
                    let id = DeviceId(Uuid::new_v4());
                    sqlx::query(
                        "INSERT INTO devices (id, user_id, name, platform, model, os_version, ownership, category,
                                              compliance, compliance_reasons, failing_since, enrolled_at,
                                              last_check_in, serial_number, managed_by, onprem_id, onprem_digest,
                                              primary_user, manufacturer, domain)
                         VALUES ($1, $2, $3, $4, $5, $6, 'corporate', $7, $8, $9, $10, $11, $12, $13,
                                 'on_premises', $14, $15, $16, $17, $18)",
                    )
                    .bind(uid(id))
                    .bind(owner)
                    .bind(&record.name)
                    .bind(record.platform.as_str())
                    .bind(&record.model)
                    .bind(&record.os_version)
                    .bind(crate::inventory::category_of(record.platform))
                    .bind(compliance.state.as_str())
                    .bind(super::devices::reasons_json(compliance)?)
                    .bind(compliance.failing_since.map(Ts))
                    .bind(Ts(now))
                    .bind(record.last_seen.map(Ts))
                    .bind(&record.serial_number)
                    .bind(&record.onprem_id)
                    .bind(&record.digest)
                    .bind(&record.primary_user)
                    .bind(&record.manufacturer)
                    .bind(&record.domain)
                    .execute(&mut *tx)
                    .await
                    .map_err(other)?;
                    if let Some(user) = owner {
                        tx.notify(Notice::device_enrolled(user.into(), id));
                    }
                    counts.created += 1;
                }
            }
        }
        tx.commit().await?;
        Ok(counts)
    }

    async fn onprem_ids(&self) -> DbResult<Vec<String>> {
        sqlx::query_scalar("SELECT onprem_id FROM devices WHERE onprem_id IS NOT NULL AND managed_by <> 'portal'")
            .fetch_all(&self.pool)
            .await
            .map_err(other)
    }

    async fn onprem_missing(&self, ids: &[String], on_missing: OnMissing, now: OffsetDateTime) -> DbResult<u64> {
        let mut tx = self.begin().await?;
        let mut changed = 0;
        for id in ids {
            let owner: Option<(Uid, Option<Uid>)> = match on_missing {
                OnMissing::Stale => {
                    sqlx::query_as(
                        "UPDATE devices SET onprem_stale_since = $1
                     WHERE onprem_id = $2 AND managed_by <> 'portal' AND onprem_stale_since IS NULL
                     RETURNING id, user_id",
                    )
                    .bind(Ts(now))
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await
                }
                OnMissing::Remove => {
                    // A co-managed device stays, the portal's alone; one known on premises only goes.
                    let kept: Option<(Uid, Option<Uid>)> = sqlx::query_as(
                        "UPDATE devices SET managed_by = 'portal', onprem_id = NULL, onprem_digest = NULL,
                                onprem_stale_since = NULL, primary_user = NULL, manufacturer = NULL, domain = NULL
                         WHERE onprem_id = $1 AND managed_by = 'co_managed' RETURNING id, user_id",
                    )
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(other)?;
                    match kept {
                        Some(kept) => Ok(Some(kept)),
                        None => {
                            sqlx::query_as(
                                "DELETE FROM devices WHERE onprem_id = $1 AND managed_by = 'on_premises'
                                 RETURNING id, user_id",
                            )
                            .bind(id)
                            .fetch_optional(&mut *tx)
                            .await
                        }
                    }
                }
            }
            .map_err(other)?;
            if let Some((device, user)) = owner {
                changed += 1;
                if let Some(user) = user {
                    tx.notify(Notice::device_changed(user.into(), device.into()));
                }
            }
        }
        tx.commit().await?;
        Ok(changed)
    }

    async fn create_sync_token(
        &self,
        token_hash: &str,
        by: UserId,
        now: OffsetDateTime,
        audit: AuditEvent,
    ) -> DbResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO sync_tokens (token_hash, created_by, created_at) VALUES ($1, $2, $3)")
            .bind(token_hash)
            .bind(uid(by))
            .bind(Ts(now))
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        tx.audit(&audit);
        tx.commit().await
    }

    async fn use_sync_token(&self, token_hash: &str, now: OffsetDateTime) -> DbResult<bool> {
        let _turn = self.single_write().await;
        let used = sqlx::query("UPDATE sync_tokens SET last_used_at = $1 WHERE token_hash = $2")
            .bind(Ts(now))
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(used.rows_affected() == 1)
    }
}
