//! Device objects, enrollment codes, certificates and signed-request nonces.

use async_trait::async_trait;
use portal_types::{
    CertificateInfo, ComplianceState, Device, DeviceCommand, DeviceDetail, DeviceId, ManagedBy, Management, Ownership,
    Platform, UserId,
};
use time::OffsetDateTime;

use super::{ENROLLED, Key, Later, Store, Tx, catalog, commands, commit_audited, other, uid};
use crate::{
    db::{
        AuditEvent, CheckIn, Compliance, DbError, DbResult, DeviceCredentials, DeviceStore, EnrollOutcome,
        EnrollmentCode, FailingSince, NewCertificate, NewDevice,
        values::{Ts, Uid, parsed},
    },
    live::Notice,
};

#[derive(sqlx::FromRow)]
struct DeviceRow {
    id: Uid,
    name: String,
    platform: String,
    model: String,
    os_version: String,
    ownership: String,
    compliance: String,
    last_check_in: Option<Ts>,
    wiped_at: Option<Ts>,
    removal_pending: bool,
    managed_by: String,
    management: String,
}

impl TryFrom<DeviceRow> for Device {
    type Error = DbError;
    fn try_from(row: DeviceRow) -> DbResult<Self> {
        Ok(Device {
            id: row.id.into(),
            platform: parsed("platform", &row.platform, Platform::parse)?,
            ownership: parsed("ownership", &row.ownership, Ownership::parse)?,
            compliance: parsed("compliance", &row.compliance, ComplianceState::parse)?,
            name: row.name,
            model: row.model,
            os_version: row.os_version,
            last_check_in: row.last_check_in.map(Ts::rfc3339),
            wiped_at: row.wiped_at.map(Ts::rfc3339),
            removal_pending: row.removal_pending,
            managed_by: parsed("managed_by", &row.managed_by, ManagedBy::parse)?,
            management: parsed("management", &row.management, Management::parse)?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct DetailRow {
    #[sqlx(flatten)]
    device: DeviceRow,
    category: String,
    serial_number: Option<String>,
    enrolled_at: Ts,
    compliance_reasons: String,
    failing_since: Option<Ts>,
    onprem_stale_since: Option<Ts>,
    subject: Option<String>,
    serial: Option<String>,
    fingerprint_sha256: Option<String>,
    issued_at: Option<Ts>,
    expires_at: Option<Ts>,
    revoked_at: Option<Ts>,
}

impl DetailRow {
    fn into_detail(self) -> DbResult<(DeviceDetail, FailingSince)> {
        let device = Device::try_from(self.device)?;
        let compliance_reasons =
            serde_json::from_str(&self.compliance_reasons).map_err(|e| DbError::Other(e.into()))?;
        let certificate = match (
            self.subject,
            self.serial,
            self.fingerprint_sha256,
            self.issued_at,
            self.expires_at,
        ) {
            (Some(subject), Some(serial), Some(fingerprint_sha256), Some(issued_at), Some(expires_at)) => {
                Some(CertificateInfo {
                    subject,
                    issuer: crate::devices::ca::ISSUER_NAME.into(),
                    serial,
                    fingerprint_sha256,
                    issued_at: issued_at.rfc3339(),
                    expires_at: expires_at.rfc3339(),
                    revoked_at: self.revoked_at.map(Ts::rfc3339),
                })
            }
            _ => None,
        };
        let detail = DeviceDetail {
            device,
            category: self.category,
            serial_number: self.serial_number,
            enrolled_at: self.enrolled_at.rfc3339(),
            compliance_reasons,
            compliance_deadline: None,
            certificate,
            lock_not_offered: None,
            onprem_stale_since: self.onprem_stale_since.map(Ts::rfc3339),
        };
        Ok((detail, self.failing_since.map(|t| t.0)))
    }
}

pub(super) fn reasons_json(compliance: &Compliance) -> DbResult<String> {
    serde_json::to_string(&compliance.reasons).map_err(|e| DbError::Other(e.into()))
}

/// Rows of 19 columns an INSERT takes: well within SQLite's 32,766 bound
/// values, and a statement short enough for the slow-statement log.
const DEVICES_PER_INSERT: usize = 250;

async fn insert_devices(tx: &mut Tx<'_>, devices: &[NewDevice]) -> DbResult<()> {
    for chunk in devices.chunks(DEVICES_PER_INSERT) {
        let sql = format!(
            "INSERT INTO devices (id, user_id, name, platform, model, os_version, ownership, category, encrypted,
                                  passcode_set, jailbroken, free_storage_mb, compliance, compliance_reasons,
                                  failing_since, enrolled_at, last_check_in, serial_number, management)
             VALUES {}",
            super::value_rows(chunk.len(), 19)
        );
        let mut query = sqlx::query(&sql);
        for device in chunk {
            let inventory = &device.inventory;
            query = query
                .bind(uid(device.id))
                .bind(uid(device.user_id))
                .bind(&device.name)
                .bind(device.platform.as_str())
                .bind(&inventory.model)
                .bind(&inventory.os_version)
                .bind(device.ownership.as_str())
                .bind(&device.category)
                .bind(inventory.encrypted)
                .bind(inventory.passcode_set)
                .bind(inventory.jailbroken)
                .bind(inventory.free_storage_mb as i64)
                .bind(device.compliance.state.as_str())
                .bind(reasons_json(&device.compliance)?)
                .bind(device.compliance.failing_since.map(Ts))
                .bind(Ts(device.enrolled_at))
                .bind(device.last_check_in.map(Ts))
                .bind(&inventory.serial_number)
                .bind(device.management.as_str());
        }
        query.execute(&mut **tx).await.map_err(other)?;
    }
    for device in devices {
        tx.notify(Notice::device_enrolled(device.user_id, device.id));
    }
    Ok(())
}

/// Where a device stands for the commands asked of it.
pub(super) struct Standing {
    pub wiped: bool,
    pub management: Management,
}

/// Whether the device has been reset, and whether it is managed; `None`
/// for no such device (of `owner`, when given).
pub(super) async fn standing(
    tx: &mut Tx<'_>,
    device_id: DeviceId,
    owner: Option<UserId>,
) -> DbResult<Option<Standing>> {
    let row: Option<(Option<Ts>, String)> =
        sqlx::query_as("SELECT wiped_at, management FROM devices WHERE id = $1 AND ($2 IS NULL OR user_id = $2)")
            .bind(uid(device_id))
            .bind(owner.map(uid))
            .fetch_optional(&mut **tx)
            .await
            .map_err(other)?;
    row.map(|(wiped, management)| {
        Ok(Standing {
            wiped: wiped.is_some(),
            management: parsed("management", &management, Management::parse)?,
        })
    })
    .transpose()
}

/// From now on the device API refuses the device's certificates.
pub(super) async fn revoke_certificates(tx: &mut Tx<'_>, device_id: DeviceId, now: OffsetDateTime) -> DbResult<()> {
    sqlx::query("UPDATE device_certificates SET revoked_at = $1 WHERE device_id = $2 AND revoked_at IS NULL")
        .bind(Ts(now))
        .bind(uid(device_id))
        .execute(&mut **tx)
        .await
        .map_err(other)?;
    // A command stream the device holds looks again, and ends.
    tx.notify(Notice::Wake { device: device_id });
    Ok(())
}

/// The device's certificates are refused and the device shows Wiped.
pub(super) async fn mark_wiped(tx: &mut Tx<'_>, device_id: DeviceId, now: OffsetDateTime) -> DbResult<()> {
    revoke_certificates(tx, device_id, now).await?;
    let owner: Uid = sqlx::query_scalar("UPDATE devices SET wiped_at = $1 WHERE id = $2 RETURNING user_id")
        .bind(Ts(now))
        .bind(uid(device_id))
        .fetch_one(&mut **tx)
        .await
        .map_err(other)?;
    tx.notify(Notice::device_changed(owner.into(), device_id));
    Ok(())
}

/// Revokes the device's certificates and deletes the device object (its
/// commands with it; its history stays in the audit log), if it is still
/// there: whether it was.
pub(super) async fn delete_device(tx: &mut Tx<'_>, device_id: DeviceId, now: OffsetDateTime) -> DbResult<bool> {
    revoke_certificates(tx, device_id, now).await?;
    let owner: Option<Uid> = sqlx::query_scalar("DELETE FROM devices WHERE id = $1 RETURNING user_id")
        .bind(uid(device_id))
        .fetch_optional(&mut **tx)
        .await
        .map_err(other)?;
    if let Some(owner) = owner {
        tx.notify(Notice::device_changed(owner.into(), device_id));
    }
    Ok(owner.is_some())
}

#[async_trait]
impl DeviceStore for Store {
    async fn devices_of(&self, user_id: UserId) -> DbResult<Vec<Device>> {
        let cache = self.cache();
        if let Some(kept) = cache.and_then(|cache| cache.devices(user_id)) {
            return Ok(kept);
        }
        let ticket = cache.map(|cache| cache.devices_ticket(user_id));
        let rows: Vec<DeviceRow> = sqlx::query_as(&format!(
            "SELECT id, name, platform, model, os_version, ownership, compliance, last_check_in, wiped_at,
                    {} AS removal_pending, managed_by, management
             FROM devices d WHERE user_id = $1 ORDER BY lower(name), id",
            commands::removal_pending("d.id")
        ))
        .bind(uid(user_id))
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        let devices = rows.into_iter().map(Device::try_from).collect::<DbResult<Vec<_>>>()?;
        if let (Some(cache), Some(ticket)) = (cache, ticket) {
            cache.keep_devices(ticket, user_id, &devices);
        }
        Ok(devices)
    }

    async fn count_devices(&self, user_id: UserId) -> DbResult<u32> {
        let count: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM devices WHERE user_id = $1 AND {ENROLLED}"
        ))
        .bind(uid(user_id))
        .fetch_one(&self.pool)
        .await
        .map_err(other)?;
        Ok(count as u32)
    }

    async fn device_detail(
        &self,
        user_id: Option<UserId>,
        device_id: DeviceId,
    ) -> DbResult<Option<(DeviceDetail, FailingSince)>> {
        let row: Option<DetailRow> = sqlx::query_as(&format!(
            "SELECT d.id, d.name, d.platform, d.model, d.os_version, d.ownership, d.compliance, d.last_check_in,
                    d.wiped_at, {} AS removal_pending, d.managed_by, d.management, d.category, d.serial_number, d.enrolled_at, d.compliance_reasons, d.failing_since, d.onprem_stale_since,
                    c.subject, c.serial, c.fingerprint_sha256, c.issued_at, c.expires_at, c.revoked_at
             FROM devices d
             LEFT JOIN device_certificates c ON c.device_id = d.id
             WHERE d.id = $1 AND ($2 IS NULL OR d.user_id = $2)
             ORDER BY c.issued_at DESC LIMIT 1",
            commands::removal_pending("d.id")
        ))
        .bind(uid(device_id))
        .bind(user_id.map(uid))
        .fetch_optional(&self.pool)
        .await
        .map_err(other)?;
        row.map(DetailRow::into_detail).transpose()
    }

    async fn create_devices(&self, devices: &[NewDevice]) -> DbResult<()> {
        let mut tx = self.begin().await?;
        insert_devices(&mut tx, devices).await?;
        tx.commit().await
    }

    async fn create_enrollment_code(&self, code: EnrollmentCode) -> DbResult<()> {
        let _turn = self.single_write().await;
        sqlx::query(
            "INSERT INTO enrollment_codes (code_hash, user_id, platform, ownership, device_name, category, created_at,
                                           expires_at, management)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&code.code_hash)
        .bind(uid(code.user_id))
        .bind(code.platform.as_str())
        .bind(code.ownership.as_str())
        .bind(&code.device_name)
        .bind(&code.category)
        .bind(Ts(code.created_at))
        .bind(Ts(code.expires_at))
        .bind(code.management.as_str())
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(())
    }

    async fn enrollment_code(&self, code_hash: &str) -> DbResult<Option<(EnrollmentCode, u32)>> {
        type Row = (Uid, String, String, String, String, Ts, Ts, Option<Ts>, i64, String);
        let row: Option<Row> = sqlx::query_as(&format!(
            "SELECT c.user_id, c.platform, c.ownership, c.device_name, c.category, c.created_at, c.expires_at,
                    c.used_at, (SELECT COUNT(*) FROM devices d WHERE d.user_id = c.user_id AND d.{ENROLLED}),
                    c.management
             FROM enrollment_codes c WHERE c.code_hash = $1"
        ))
        .bind(code_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(other)?;
        row.map(
            |(
                user_id,
                platform,
                ownership,
                device_name,
                category,
                created_at,
                expires_at,
                used_at,
                enrolled,
                management,
            )| {
                let code = EnrollmentCode {
                    code_hash: code_hash.to_string(),
                    user_id: user_id.into(),
                    platform: parsed("platform", &platform, Platform::parse)?,
                    ownership: parsed("ownership", &ownership, Ownership::parse)?,
                    device_name,
                    category,
                    created_at: created_at.0,
                    expires_at: expires_at.0,
                    used_at: used_at.map(|t| t.0),
                    management: parsed("management", &management, Management::parse)?,
                };
                Ok((code, enrolled as u32))
            },
        )
        .transpose()
    }

    async fn enroll(
        &self,
        code_hash: &str,
        device_limit: u32,
        device: NewDevice,
        certificate: NewCertificate,
        audit: AuditEvent,
        installs_expire_at: Option<OffsetDateTime>,
    ) -> DbResult<EnrollOutcome> {
        // The limit check and the insert see the same count; the required
        // apps are those of a catalog no save is changing.
        let mut tx = self
            .begin_locked(&[Key::User(&device.user_id), Key::CatalogShared])
            .await?;
        let now = Ts(device.enrolled_at);
        // Claimed, with the user's devices counted, in one round trip.
        let enrolled: Option<i64> = sqlx::query_scalar(&format!(
            "UPDATE enrollment_codes SET used_at = $1, device_id = $2
             WHERE code_hash = $3 AND used_at IS NULL AND expires_at > $1
             RETURNING (SELECT COUNT(*) FROM devices WHERE user_id = $4 AND {ENROLLED})"
        ))
        .bind(now)
        .bind(uid(device.id))
        .bind(code_hash)
        .bind(uid(device.user_id))
        .fetch_optional(&mut *tx)
        .await
        .map_err(other)?;
        let Some(count) = enrolled else {
            return Ok(EnrollOutcome::CodeUnavailable);
        };
        if count >= i64::from(device_limit) {
            return Ok(EnrollOutcome::LimitReached);
        }
        insert_devices(&mut tx, std::slice::from_ref(&device)).await?;
        super::inventory::absorb_twin(&mut tx, device.id, &device.inventory).await?;
        let device_id = uid(device.id);
        tx.later(Later::new(
            "INSERT INTO device_certificates (serial, device_id, subject, fingerprint_sha256, public_key,
                                              certificate_pem, issued_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                .into(),
            8,
            move |query| {
                query
                    .bind(certificate.serial)
                    .bind(device_id)
                    .bind(certificate.subject)
                    .bind(certificate.fingerprint_sha256)
                    .bind(certificate.public_key)
                    .bind(certificate.pem)
                    .bind(Ts(certificate.issued_at))
                    .bind(Ts(certificate.expires_at))
            },
        ));
        tx.audit(&audit);
        let required = catalog::Assignment::Device(device.id);
        catalog::assign_required(&mut tx, required, device.enrolled_at, installs_expire_at).await?;
        tx.commit().await?;
        Ok(EnrollOutcome::Enrolled)
    }

    async fn enroll_registered(
        &self,
        code_hash: &str,
        device: NewDevice,
        audit: AuditEvent,
        installs_expire_at: Option<OffsetDateTime>,
    ) -> DbResult<EnrollOutcome> {
        let mut tx = self
            .begin_locked(&[Key::CatalogShared, Key::Device(&device.id)])
            .await?;
        let now = Ts(device.enrolled_at);
        let claimed = sqlx::query(
            "UPDATE enrollment_codes SET used_at = $1, device_id = $2
             WHERE code_hash = $3 AND used_at IS NULL AND expires_at > $1",
        )
        .bind(now)
        .bind(uid(device.id))
        .bind(code_hash)
        .execute(&mut *tx)
        .await
        .map_err(other)?;
        if claimed.rows_affected() == 0 {
            return Ok(EnrollOutcome::CodeUnavailable);
        }
        let inventory = &device.inventory;
        let enrolled = sqlx::query(
            "UPDATE devices SET management = 'managed', ownership = $1, category = $2, os_version = $3, model = $4,
                    encrypted = $5, passcode_set = $6, jailbroken = $7, free_storage_mb = $8, serial_number = $9,
                    compliance = $10, compliance_reasons = $11, failing_since = $12, enrolled_at = $13,
                    last_check_in = $13, name = $16
             WHERE id = $14 AND user_id = $15 AND management = 'registered' AND wiped_at IS NULL",
        )
        .bind(device.ownership.as_str())
        .bind(&device.category)
        .bind(&inventory.os_version)
        .bind(&inventory.model)
        .bind(inventory.encrypted)
        .bind(inventory.passcode_set)
        .bind(inventory.jailbroken)
        .bind(inventory.free_storage_mb as i64)
        .bind(&inventory.serial_number)
        .bind(device.compliance.state.as_str())
        .bind(reasons_json(&device.compliance)?)
        .bind(device.compliance.failing_since.map(Ts))
        .bind(now)
        .bind(uid(device.id))
        .bind(uid(device.user_id))
        .bind(&device.name)
        .execute(&mut *tx)
        .await
        .map_err(other)?;
        if enrolled.rows_affected() == 0 {
            return Ok(EnrollOutcome::NotRegistered);
        }
        // Enrolled with one of the user's codes, as a new device is: the
        // page showing the code moves on to it.
        tx.notify(Notice::device_enrolled(device.user_id, device.id));
        super::inventory::absorb_twin(&mut tx, device.id, inventory).await?;
        tx.audit(&audit);
        let required = catalog::Assignment::Device(device.id);
        catalog::assign_required(&mut tx, required, device.enrolled_at, installs_expire_at).await?;
        tx.commit().await?;
        Ok(EnrollOutcome::Enrolled)
    }

    async fn device_credentials(&self, device_id: DeviceId) -> DbResult<Option<DeviceCredentials>> {
        type Row = (Uid, String, String, Vec<u8>, Ts, Option<Ts>, Option<Ts>, String);
        let row: Option<Row> = sqlx::query_as(
            "SELECT d.user_id, d.platform, d.ownership, c.public_key, c.expires_at, c.revoked_at, d.failing_since,
                    d.management
             FROM devices d JOIN device_certificates c ON c.device_id = d.id
             WHERE d.id = $1 ORDER BY c.issued_at DESC LIMIT 1",
        )
        .bind(uid(device_id))
        .fetch_optional(&self.pool)
        .await
        .map_err(other)?;
        row.map(
            |(user_id, platform, ownership, public_key, expires_at, revoked_at, failing_since, management)| {
                Ok(DeviceCredentials {
                    device_id,
                    user_id: user_id.into(),
                    platform: parsed("platform", &platform, Platform::parse)?,
                    ownership: parsed("ownership", &ownership, Ownership::parse)?,
                    management: parsed("management", &management, Management::parse)?,
                    public_key,
                    certificate_expires_at: expires_at.0,
                    certificate_revoked: revoked_at.is_some(),
                    failing_since: failing_since.map(|t| t.0),
                })
            },
        )
        .transpose()
    }

    async fn use_nonce(
        &self,
        device_id: DeviceId,
        nonce: &str,
        now: OffsetDateTime,
        forget_before: OffsetDateTime,
    ) -> DbResult<bool> {
        let _turn = self.single_write().await;
        sqlx::query("DELETE FROM device_nonces WHERE seen_at < $1")
            .bind(Ts(forget_before))
            .execute(&self.pool)
            .await
            .map_err(other)?;
        let inserted = sqlx::query(
            "INSERT INTO device_nonces (device_id, nonce, seen_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(uid(device_id))
        .bind(nonce)
        .bind(Ts(now))
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(inserted.rows_affected() == 1)
    }

    async fn check_in(&self, report: CheckIn<'_>) -> DbResult<Vec<DeviceCommand>> {
        let device_id = report.device_id;
        let mut tx = self
            .begin_locked(&[Key::CatalogShared, Key::Device(&device_id)])
            .await?;
        let owner: Option<Uid> = sqlx::query_scalar(
            "UPDATE devices SET os_version = $1, model = $2, encrypted = $3, passcode_set = $4, jailbroken = $5,
                    free_storage_mb = $6, serial_number = $7, compliance = $8, compliance_reasons = $9,
                    failing_since = $10, last_check_in = $11
             WHERE id = $12 RETURNING user_id",
        )
        .bind(&report.inventory.os_version)
        .bind(&report.inventory.model)
        .bind(report.inventory.encrypted)
        .bind(report.inventory.passcode_set)
        .bind(report.inventory.jailbroken)
        .bind(report.inventory.free_storage_mb as i64)
        .bind(&report.inventory.serial_number)
        .bind(report.compliance.state.as_str())
        .bind(reasons_json(report.compliance)?)
        .bind(report.compliance.failing_since.map(Ts))
        .bind(Ts(report.now))
        .bind(uid(device_id))
        .fetch_optional(&mut *tx)
        .await
        .map_err(other)?;
        if let Some(owner) = owner {
            tx.notify(Notice::device_changed(owner.into(), device_id));
        }
        super::inventory::absorb_twin(&mut tx, device_id, report.inventory).await?;
        catalog::record_apps(&mut tx, device_id, report.apps, report.now, report.installs_expire_at).await?;
        let commands = commands::take(&mut tx, device_id, report.now, false).await?;
        tx.commit().await?;
        Ok(commands)
    }

    async fn device_manager(&self, user_id: UserId, device_id: DeviceId) -> DbResult<Option<ManagedBy>> {
        let found: Option<String> = sqlx::query_scalar("SELECT managed_by FROM devices WHERE id = $1 AND user_id = $2")
            .bind(uid(device_id))
            .bind(uid(user_id))
            .fetch_optional(&self.pool)
            .await
            .map_err(other)?;
        found.map(|m| parsed("managed_by", &m, ManagedBy::parse)).transpose()
    }

    async fn rename_device(
        &self,
        user_id: UserId,
        device_id: DeviceId,
        name: &str,
        audit: AuditEvent,
    ) -> DbResult<bool> {
        let mut tx = self.begin().await?;
        tx.notify(Notice::device_changed(user_id, device_id));
        let done = sqlx::query("UPDATE devices SET name = $1 WHERE id = $2 AND user_id = $3")
            .bind(name)
            .bind(uid(device_id))
            .bind(uid(user_id))
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        commit_audited(tx, done.rows_affected(), &audit).await
    }
}
