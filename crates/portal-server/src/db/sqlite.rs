mod catalog;

use std::str::FromStr;

use anyhow::Context;
use async_trait::async_trait;
use portal_types::{
    App, AppInput, AppInstall, AppPackage, AppsPage, CertificateInfo, Command, CommandId, CommandKind, CommandState,
    ComplianceState, Device, DeviceCommand, DeviceDetail, DeviceId, Inventory, ManagedApp, Ownership, Platform, Role,
    UserId,
};
use sqlx::{
    SqlitePool,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};
use time::{OffsetDateTime, format_description::BorrowedFormatItem, macros::format_description};
use uuid::Uuid;

use super::{
    Actor, AppCommandOutcome, AppQuery, Assigned, AuditEvent, Compliance, Database, DbError, DbResult,
    DeviceCredentials, EnrollOutcome, EnrollmentCode, FailingSince, NewCertificate, NewCommand, NewDevice, NewUser,
    SecondFactor, SessionRecord, StateChange, UserRecord, WipeOutcome,
};

pub struct SqliteDatabase {
    pool: SqlitePool,
}

impl SqliteDatabase {
    /// Opens (creating file and folder when missing) and migrates.
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .with_context(|| format!("parsing database URL {url:?}"))?
            .create_if_missing(true)
            .foreign_keys(true)
            // WAL lets readers run beside the writer; FULL makes each commit
            // durable before it is acknowledged.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(std::time::Duration::from_secs(5));
        if let Some(parent) = options.get_filename().parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&pool)
            .await
            .context("migrating the SQLite database")?;
        Ok(Self { pool })
    }
}

fn other(error: sqlx::Error) -> DbError {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => DbError::Conflict,
        _ => DbError::Other(error.into()),
    }
}

/// Fixed width, UTC, so that text order is time order.
const TIMESTAMP: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

fn ts(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(TIMESTAMP)
        .expect("formattable timestamp")
}

fn parse_ts(text: &str) -> DbResult<OffsetDateTime> {
    time::PrimitiveDateTime::parse(text, TIMESTAMP)
        .map(|t| t.assume_utc())
        .map_err(|e| DbError::Other(anyhow::anyhow!("bad timestamp {text:?} in database: {e}")))
}

fn rfc3339(text: &str) -> DbResult<String> {
    parse_ts(text)?
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|e| DbError::Other(e.into()))
}

fn parse_uuid(text: &str) -> DbResult<Uuid> {
    Uuid::parse_str(text).map_err(|e| DbError::Other(anyhow::anyhow!("bad id {text:?} in database: {e}")))
}

fn bad_value(column: &str, value: &str) -> DbError {
    DbError::Other(anyhow::anyhow!("bad {column} {value:?} in database"))
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: String,
    email: String,
    display_name: String,
    role: String,
    password_hash: String,
}

impl TryFrom<UserRow> for UserRecord {
    type Error = DbError;
    fn try_from(row: UserRow) -> DbResult<Self> {
        let role = match row.role.as_str() {
            "employee" => Role::Employee,
            "admin" => Role::Admin,
            other => return Err(bad_value("role", other)),
        };
        Ok(UserRecord {
            id: UserId(parse_uuid(&row.id)?),
            email: row.email,
            display_name: row.display_name,
            role,
            password_hash: row.password_hash,
        })
    }
}

fn role_str(role: Role) -> &'static str {
    match role {
        Role::Employee => "employee",
        Role::Admin => "admin",
    }
}

#[derive(sqlx::FromRow)]
struct DeviceRow {
    id: String,
    name: String,
    platform: String,
    model: String,
    os_version: String,
    ownership: String,
    compliance: String,
    last_check_in: Option<String>,
    wiped_at: Option<String>,
}

impl TryFrom<DeviceRow> for Device {
    type Error = DbError;
    fn try_from(row: DeviceRow) -> DbResult<Self> {
        let last_check_in = row.last_check_in.as_deref().map(rfc3339).transpose()?;
        Ok(Device {
            id: DeviceId(parse_uuid(&row.id)?),
            platform: Platform::parse(&row.platform).ok_or_else(|| bad_value("platform", &row.platform))?,
            ownership: Ownership::parse(&row.ownership).ok_or_else(|| bad_value("ownership", &row.ownership))?,
            compliance: ComplianceState::parse(&row.compliance)
                .ok_or_else(|| bad_value("compliance", &row.compliance))?,
            name: row.name,
            model: row.model,
            os_version: row.os_version,
            last_check_in,
            wiped_at: row.wiped_at.as_deref().map(rfc3339).transpose()?,
        })
    }
}

const USER_COLUMNS: &str = "SELECT id, email, display_name, role, password_hash FROM users";

#[async_trait]
impl Database for SqliteDatabase {
    async fn ping(&self) -> DbResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(other)?;
        Ok(())
    }

    async fn create_user(&self, user: NewUser, now: OffsetDateTime) -> DbResult<UserId> {
        let id = UserId(Uuid::new_v4());
        sqlx::query(
            "INSERT INTO users (id, email, display_name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(id.to_string())
        .bind(user.email.trim())
        .bind(&user.display_name)
        .bind(role_str(user.role))
        .bind(&user.password_hash)
        .bind(ts(now))
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(id)
    }

    async fn user_by_email(&self, email: &str) -> DbResult<Option<UserRecord>> {
        let row: Option<UserRow> = sqlx::query_as(&format!("{USER_COLUMNS} WHERE email = ?"))
            .bind(email.trim())
            .fetch_optional(&self.pool)
            .await
            .map_err(other)?;
        row.map(UserRecord::try_from).transpose()
    }

    async fn user_by_id(&self, id: UserId) -> DbResult<Option<UserRecord>> {
        let row: Option<UserRow> = sqlx::query_as(&format!("{USER_COLUMNS} WHERE id = ?"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(other)?;
        row.map(UserRecord::try_from).transpose()
    }

    async fn create_session(
        &self,
        token_hash: &str,
        user_id: UserId,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
        audit: AuditEvent,
    ) -> DbResult<()> {
        let mut tx = self.pool.begin().await.map_err(other)?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, authenticated_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(token_hash)
        .bind(user_id.to_string())
        .bind(ts(now))
        .bind(ts(now))
        .bind(ts(expires_at))
        .bind(ts(now))
        .execute(&mut *tx)
        .await
        .map_err(other)?;
        commit_with_audit(tx, &audit).await
    }

    async fn session(&self, token_hash: &str) -> DbResult<Option<SessionRecord>> {
        let row: Option<(String, String, String, String, Option<String>)> = sqlx::query_as(
            "SELECT user_id, created_at, last_seen_at, expires_at, authenticated_at FROM sessions WHERE token_hash = ?",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(other)?;
        row.map(|(user_id, created_at, last_seen_at, expires_at, authenticated_at)| {
            Ok(SessionRecord {
                user_id: UserId(parse_uuid(&user_id)?),
                created_at: parse_ts(&created_at)?,
                last_seen_at: parse_ts(&last_seen_at)?,
                expires_at: parse_ts(&expires_at)?,
                authenticated_at: authenticated_at.as_deref().map(parse_ts).transpose()?,
            })
        })
        .transpose()
    }

    async fn reauthenticate_session(
        &self,
        old_hash: &str,
        new_hash: &str,
        now: OffsetDateTime,
        audit: AuditEvent,
    ) -> DbResult<()> {
        let mut tx = self.pool.begin().await.map_err(other)?;
        sqlx::query("UPDATE sessions SET token_hash = ?, authenticated_at = ?, last_seen_at = ? WHERE token_hash = ?")
            .bind(new_hash)
            .bind(ts(now))
            .bind(ts(now))
            .bind(old_hash)
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        commit_with_audit(tx, &audit).await
    }

    async fn delete_sessions_of(&self, user_id: UserId, audit: AuditEvent) -> DbResult<()> {
        let mut tx = self.pool.begin().await.map_err(other)?;
        sqlx::query("DELETE FROM sessions WHERE user_id = ?")
            .bind(user_id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        commit_with_audit(tx, &audit).await
    }

    async fn second_factor(&self, user_id: UserId) -> DbResult<SecondFactor> {
        let row: Option<(Option<Vec<u8>>, Option<Vec<u8>>, Option<i64>, i64)> = sqlx::query_as(
            "SELECT totp_secret, totp_pending, totp_last_step,
                    (SELECT COUNT(*) FROM recovery_codes r WHERE r.user_id = users.id AND r.used_at IS NULL)
             FROM users WHERE id = ?",
        )
        .bind(user_id.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(other)?;
        Ok(row
            .map(|(secret, pending, last_step, left)| SecondFactor {
                secret,
                pending,
                last_step,
                recovery_codes_left: left as u32,
            })
            .unwrap_or_default())
    }

    async fn set_pending_totp(&self, user_id: UserId, sealed: &[u8]) -> DbResult<()> {
        sqlx::query("UPDATE users SET totp_pending = ? WHERE id = ?")
            .bind(sealed)
            .bind(user_id.to_string())
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(())
    }

    async fn enable_totp(
        &self,
        user_id: UserId,
        step: i64,
        recovery_hashes: &[String],
        audit: AuditEvent,
    ) -> DbResult<()> {
        let mut tx = self.pool.begin().await.map_err(other)?;
        sqlx::query(
            "UPDATE users SET totp_secret = totp_pending, totp_pending = NULL, totp_last_step = ?
             WHERE id = ? AND totp_pending IS NOT NULL",
        )
        .bind(step)
        .bind(user_id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(other)?;
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = ?")
            .bind(user_id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        for hash in recovery_hashes {
            sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)")
                .bind(user_id.to_string())
                .bind(hash)
                .execute(&mut *tx)
                .await
                .map_err(other)?;
        }
        commit_with_audit(tx, &audit).await
    }

    async fn disable_totp(&self, user_id: UserId, audit: AuditEvent) -> DbResult<()> {
        let mut tx = self.pool.begin().await.map_err(other)?;
        sqlx::query("UPDATE users SET totp_secret = NULL, totp_pending = NULL, totp_last_step = NULL WHERE id = ?")
            .bind(user_id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = ?")
            .bind(user_id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        commit_with_audit(tx, &audit).await
    }

    async fn use_totp_step(&self, user_id: UserId, step: i64) -> DbResult<bool> {
        let done = sqlx::query(
            "UPDATE users SET totp_last_step = ? WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)",
        )
        .bind(step)
        .bind(user_id.to_string())
        .bind(step)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(done.rows_affected() == 1)
    }

    async fn use_recovery_code(&self, user_id: UserId, code_hash: &str, now: OffsetDateTime) -> DbResult<bool> {
        let done = sqlx::query(
            "UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL",
        )
        .bind(ts(now))
        .bind(user_id.to_string())
        .bind(code_hash)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(done.rows_affected() == 1)
    }

    async fn touch_session(&self, token_hash: &str, now: OffsetDateTime) -> DbResult<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?")
            .bind(ts(now))
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(())
    }

    async fn delete_session(&self, token_hash: &str, audit: Option<AuditEvent>) -> DbResult<()> {
        let mut tx = self.pool.begin().await.map_err(other)?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(token_hash)
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        if let Some(audit) = &audit {
            insert_audit(&mut tx, audit).await?;
        }
        tx.commit().await.map_err(other)
    }

    async fn devices_of(&self, user_id: UserId) -> DbResult<Vec<Device>> {
        let rows: Vec<DeviceRow> = sqlx::query_as(
            "SELECT id, name, platform, model, os_version, ownership, compliance, last_check_in, wiped_at
             FROM devices WHERE user_id = ? ORDER BY name COLLATE NOCASE, id",
        )
        .bind(user_id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.into_iter().map(Device::try_from).collect()
    }

    async fn count_devices(&self, user_id: UserId) -> DbResult<u32> {
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM devices WHERE user_id = ?")
            .bind(user_id.to_string())
            .fetch_one(&self.pool)
            .await
            .map_err(other)?;
        Ok(count as u32)
    }

    async fn device_detail(
        &self,
        user_id: UserId,
        device_id: DeviceId,
    ) -> DbResult<Option<(DeviceDetail, FailingSince)>> {
        let row: Option<DetailRow> = sqlx::query_as(
            "SELECT d.id, d.name, d.platform, d.model, d.os_version, d.ownership, d.compliance, d.last_check_in, d.wiped_at,
                    d.category, d.serial_number, d.enrolled_at, d.compliance_reasons, d.failing_since,
                    c.subject, c.serial, c.fingerprint_sha256, c.issued_at, c.expires_at, c.revoked_at
             FROM devices d
             LEFT JOIN device_certificates c ON c.device_id = d.id
             WHERE d.id = ? AND d.user_id = ?
             ORDER BY c.issued_at DESC LIMIT 1",
        )
        .bind(device_id.to_string())
        .bind(user_id.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(other)?;
        row.map(DetailRow::into_detail).transpose()
    }

    async fn create_device(&self, device: NewDevice) -> DbResult<()> {
        let mut tx = self.pool.begin().await.map_err(other)?;
        insert_device(&mut tx, &device).await?;
        tx.commit().await.map_err(other)
    }

    async fn create_enrollment_code(&self, code: EnrollmentCode) -> DbResult<()> {
        sqlx::query(
            "INSERT INTO enrollment_codes (code_hash, user_id, platform, ownership, device_name, category, created_at, expires_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&code.code_hash)
        .bind(code.user_id.to_string())
        .bind(code.platform.as_str())
        .bind(code.ownership.as_str())
        .bind(&code.device_name)
        .bind(&code.category)
        .bind(ts(code.created_at))
        .bind(ts(code.expires_at))
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(())
    }

    async fn enrollment_code(&self, code_hash: &str) -> DbResult<Option<EnrollmentCode>> {
        let row: Option<(String, String, String, String, String, String, String, Option<String>)> = sqlx::query_as(
            "SELECT user_id, platform, ownership, device_name, category, created_at, expires_at, used_at
             FROM enrollment_codes WHERE code_hash = ?",
        )
        .bind(code_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(other)?;
        row.map(
            |(user_id, platform, ownership, device_name, category, created_at, expires_at, used_at)| {
                Ok(EnrollmentCode {
                    code_hash: code_hash.to_string(),
                    user_id: UserId(parse_uuid(&user_id)?),
                    platform: Platform::parse(&platform).ok_or_else(|| bad_value("platform", &platform))?,
                    ownership: Ownership::parse(&ownership).ok_or_else(|| bad_value("ownership", &ownership))?,
                    device_name,
                    category,
                    created_at: parse_ts(&created_at)?,
                    expires_at: parse_ts(&expires_at)?,
                    used_at: used_at.as_deref().map(parse_ts).transpose()?,
                })
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
        installs_expire_at: OffsetDateTime,
    ) -> DbResult<EnrollOutcome> {
        // BEGIN IMMEDIATE: take the write lock first, so the limit check and
        // the insert see the same count.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(other)?;
        let now = ts(device.enrolled_at);
        let claimed = sqlx::query(
            "UPDATE enrollment_codes SET used_at = ?, device_id = ?
             WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?",
        )
        .bind(&now)
        .bind(device.id.to_string())
        .bind(code_hash)
        .bind(&now)
        .execute(&mut *tx)
        .await
        .map_err(other)?;
        if claimed.rows_affected() != 1 {
            return Ok(EnrollOutcome::CodeUnavailable);
        }
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM devices WHERE user_id = ?")
            .bind(device.user_id.to_string())
            .fetch_one(&mut *tx)
            .await
            .map_err(other)?;
        if count >= i64::from(device_limit) {
            return Ok(EnrollOutcome::LimitReached);
        }
        insert_device(&mut tx, &device).await?;
        sqlx::query(
            "INSERT INTO device_certificates (serial, device_id, subject, fingerprint_sha256, public_key, certificate_pem,
                                              issued_at, expires_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&certificate.serial)
        .bind(device.id.to_string())
        .bind(&certificate.subject)
        .bind(&certificate.fingerprint_sha256)
        .bind(&certificate.public_key)
        .bind(&certificate.pem)
        .bind(ts(certificate.issued_at))
        .bind(ts(certificate.expires_at))
        .execute(&mut *tx)
        .await
        .map_err(other)?;
        insert_audit(&mut tx, &audit).await?;
        let required = catalog::Assignment::Device(device.id);
        catalog::assign_required(&mut tx, required, device.enrolled_at, installs_expire_at).await?;
        tx.commit().await.map_err(other)?;
        Ok(EnrollOutcome::Enrolled)
    }

    async fn device_credentials(&self, device_id: DeviceId) -> DbResult<Option<DeviceCredentials>> {
        let row: Option<(String, String, Vec<u8>, String, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT d.user_id, d.platform, c.public_key, c.expires_at, c.revoked_at, d.failing_since
             FROM devices d JOIN device_certificates c ON c.device_id = d.id
             WHERE d.id = ? ORDER BY c.issued_at DESC LIMIT 1",
        )
        .bind(device_id.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(other)?;
        row.map(
            |(user_id, platform, public_key, expires_at, revoked_at, failing_since)| {
                Ok(DeviceCredentials {
                    device_id,
                    user_id: UserId(parse_uuid(&user_id)?),
                    platform: Platform::parse(&platform).ok_or_else(|| bad_value("platform", &platform))?,
                    public_key,
                    certificate_expires_at: parse_ts(&expires_at)?,
                    certificate_revoked: revoked_at.is_some(),
                    failing_since: failing_since.as_deref().map(parse_ts).transpose()?,
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
        sqlx::query("DELETE FROM device_nonces WHERE seen_at < ?")
            .bind(ts(forget_before))
            .execute(&self.pool)
            .await
            .map_err(other)?;
        let inserted = sqlx::query("INSERT INTO device_nonces (device_id, nonce, seen_at) VALUES (?, ?, ?)")
            .bind(device_id.to_string())
            .bind(nonce)
            .bind(ts(now))
            .execute(&self.pool)
            .await;
        match inserted.map_err(other) {
            Ok(_) => Ok(true),
            Err(DbError::Conflict) => Ok(false),
            Err(error) => Err(error),
        }
    }

    async fn record_check_in(
        &self,
        device_id: DeviceId,
        inventory: &Inventory,
        compliance: &Compliance,
        now: OffsetDateTime,
    ) -> DbResult<()> {
        sqlx::query(
            "UPDATE devices SET os_version = ?, model = ?, encrypted = ?, passcode_set = ?, jailbroken = ?,
                    free_storage_mb = ?,
                    serial_number = CASE WHEN ownership = 'corporate' THEN ? END,
                    compliance = ?, compliance_reasons = ?, failing_since = ?, last_check_in = ?
             WHERE id = ?",
        )
        .bind(&inventory.os_version)
        .bind(&inventory.model)
        .bind(inventory.encrypted)
        .bind(inventory.passcode_set)
        .bind(inventory.jailbroken)
        .bind(inventory.free_storage_mb as i64)
        .bind(&inventory.serial_number)
        .bind(compliance.state.as_str())
        .bind(reasons_json(compliance)?)
        .bind(compliance.failing_since.map(ts))
        .bind(ts(now))
        .bind(device_id.to_string())
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(())
    }

    async fn owns_device(&self, user_id: UserId, device_id: DeviceId) -> DbResult<bool> {
        let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM devices WHERE id = ? AND user_id = ?")
            .bind(device_id.to_string())
            .bind(user_id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(other)?;
        Ok(found.is_some())
    }

    async fn queue_command(&self, command: NewCommand, audit: AuditEvent) -> DbResult<Command> {
        if let Some(existing) = command_with_key(&self.pool, &command).await? {
            return Ok(existing);
        }
        let mut tx = self.pool.begin().await.map_err(other)?;
        let queued = insert_command(&mut tx, &command, &audit).await?;
        tx.commit().await.map_err(other)?;
        Ok(queued)
    }

    async fn commands_of(&self, device_id: DeviceId, now: OffsetDateTime) -> DbResult<Vec<Command>> {
        self.expire_commands(CommandsOf::Device(device_id), now).await?;
        let rows: Vec<CommandRow> = sqlx::query_as(&format!(
            "{COMMAND_COLUMNS} WHERE device_id = ? ORDER BY requested_at DESC, id"
        ))
        .bind(device_id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.into_iter().map(Command::try_from).collect()
    }

    async fn take_pending(
        &self,
        device_id: DeviceId,
        now: OffsetDateTime,
        redeliver: bool,
    ) -> DbResult<Vec<DeviceCommand>> {
        self.expire_commands(CommandsOf::Device(device_id), now).await?;
        let mut rows: Vec<CommandRow> = sqlx::query_as(&format!(
            "UPDATE commands SET state = 'delivered', delivered_at = ?1
             WHERE device_id = ?2 AND (state = 'requested' OR (?3 AND state = 'delivered'))
             RETURNING {}",
            COMMAND_FIELDS
        ))
        .bind(ts(now))
        .bind(device_id.to_string())
        .bind(redeliver)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.sort_by(|a, b| a.requested_at.cmp(&b.requested_at));
        rows.into_iter().map(CommandRow::for_device).collect()
    }

    async fn advance_command(
        &self,
        device_id: DeviceId,
        change: StateChange<'_>,
        now: OffsetDateTime,
        audit: Option<Actor>,
    ) -> DbResult<Option<Command>> {
        let StateChange { id, from, to, reason } = change;
        self.expire_commands(CommandsOf::Device(device_id), now).await?;
        let allowed = from
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        let step = match to {
            CommandState::Delivered => "delivered_at = ?1",
            CommandState::Acknowledged => "acknowledged_at = ?1",
            // "Not now": back in the queue, to be delivered again.
            CommandState::Requested => "delivered_at = NULL, acknowledged_at = NULL",
            _ => "finished_at = ?1",
        };
        let mut tx = self.pool.begin().await.map_err(other)?;
        let row: Option<CommandRow> = sqlx::query_as(&format!(
            "UPDATE commands SET state = ?2, {step}, failure_reason = COALESCE(?3, failure_reason)
             WHERE id = ?4 AND device_id = ?5 AND state IN ({allowed})
             RETURNING {COMMAND_FIELDS}"
        ))
        .bind(ts(now))
        .bind(to.as_str())
        .bind(reason)
        .bind(id.to_string())
        .bind(device_id.to_string())
        .fetch_optional(&mut *tx)
        .await
        .map_err(other)?;
        let Some(row) = row else { return Ok(None) };
        let package = row.package();
        let command = Command::try_from(row)?;
        if command.kind == CommandKind::Wipe && to == CommandState::Completed {
            // Erased: from now on the device's certificate is refused.
            revoke_certificates(&mut tx, device_id, now).await?;
            sqlx::query("UPDATE devices SET wiped_at = ? WHERE id = ?")
                .bind(ts(now))
                .bind(device_id.to_string())
                .execute(&mut *tx)
                .await
                .map_err(other)?;
        }
        catalog::follow_command(&mut tx, &command, package.as_ref(), now).await?;
        if let Some(actor) = audit.filter(|_| to.is_final()) {
            let event = AuditEvent {
                at: now,
                actor: Some(actor.user),
                action: format!("{}_{}", command.kind.as_str(), to.as_str()),
                subject: Some(device_id.to_string()),
                source: actor.source,
                outcome: to.as_str().into(),
            };
            insert_audit(&mut tx, &event).await?;
        }
        tx.commit().await.map_err(other)?;
        Ok(Some(command))
    }

    async fn rename_device(
        &self,
        user_id: UserId,
        device_id: DeviceId,
        name: &str,
        audit: AuditEvent,
    ) -> DbResult<bool> {
        let mut tx = self.pool.begin().await.map_err(other)?;
        let done = sqlx::query("UPDATE devices SET name = ? WHERE id = ? AND user_id = ?")
            .bind(name)
            .bind(device_id.to_string())
            .bind(user_id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        commit_audited(tx, done.rows_affected(), &audit).await
    }

    async fn queue_wipe(&self, command: NewCommand, audit: AuditEvent) -> DbResult<WipeOutcome> {
        let device = command.device_id.to_string();
        let now = ts(command.requested_at);
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(other)?;
        if is_wiped(&mut tx, command.device_id).await? {
            return Ok(WipeOutcome::AlreadyWiped);
        }
        let active: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM commands WHERE device_id = ? AND kind = 'wipe'
             AND state IN ('requested', 'delivered', 'acknowledged') AND expires_at > ?",
        )
        .bind(&device)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await
        .map_err(other)?;
        if active > 0 {
            return Ok(WipeOutcome::AlreadyPending);
        }
        // Nothing queued before a wipe runs after it.
        let cancelled = sqlx::query(
            "UPDATE commands SET state = 'cancelled', finished_at = ?, failure_reason = 'Replaced by Reset device'
             WHERE device_id = ? AND state = 'requested'",
        )
        .bind(&now)
        .bind(&device)
        .execute(&mut *tx)
        .await
        .map_err(other)?;
        if cancelled.rows_affected() > 0 {
            catalog::settle_installs(&mut *tx, command.device_id, command.requested_at).await?;
        }
        let queued = insert_command(&mut tx, &command, &audit).await?;
        tx.commit().await.map_err(other)?;
        Ok(WipeOutcome::Queued(Box::new(queued)))
    }

    async fn retire_device(&self, user_id: UserId, device_id: DeviceId, audit: AuditEvent) -> DbResult<bool> {
        let mut tx = self.pool.begin().await.map_err(other)?;
        revoke_certificates(&mut tx, device_id, audit.at).await?;
        let deleted = sqlx::query("DELETE FROM devices WHERE id = ? AND user_id = ?")
            .bind(device_id.to_string())
            .bind(user_id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        commit_audited(tx, deleted.rows_affected(), &audit).await
    }

    async fn activity(&self, user_id: UserId, limit: u32) -> DbResult<Vec<AuditEvent>> {
        let rows: Vec<(String, Option<String>, String, Option<String>, Option<String>, String)> = sqlx::query_as(
            "SELECT at, actor_id, action, subject, source, outcome FROM audit_events
             WHERE actor_id = ? ORDER BY id DESC LIMIT ?",
        )
        .bind(user_id.to_string())
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.into_iter().map(audit_from_row).collect()
    }

    async fn record_audit(&self, event: AuditEvent) -> DbResult<()> {
        let mut tx = self.pool.begin().await.map_err(other)?;
        insert_audit(&mut tx, &event).await?;
        tx.commit().await.map_err(other)
    }

    async fn audit_events(&self, limit: u32) -> DbResult<Vec<AuditEvent>> {
        let rows: Vec<(String, Option<String>, String, Option<String>, Option<String>, String)> = sqlx::query_as(
            "SELECT at, actor_id, action, subject, source, outcome FROM audit_events ORDER BY id DESC LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.into_iter().map(audit_from_row).collect()
    }

    async fn seed_catalog(&self, apps: &[(String, AppInput)], now: OffsetDateTime) -> DbResult<bool> {
        catalog::seed(&self.pool, apps, now).await
    }

    async fn apps(&self, query: &AppQuery) -> DbResult<AppsPage> {
        catalog::apps(&self.pool, query).await
    }

    async fn app(&self, id: &str) -> DbResult<Option<App>> {
        catalog::app(&self.pool, id).await
    }

    async fn save_app(
        &self,
        id: &str,
        app: &AppInput,
        created: bool,
        audit: AuditEvent,
        installs_expire_at: OffsetDateTime,
    ) -> DbResult<Option<(App, Vec<Assigned>)>> {
        catalog::save(&self.pool, id, app, created, audit, installs_expire_at).await
    }

    async fn retire_app(&self, id: &str, audit: AuditEvent) -> DbResult<bool> {
        let mut tx = self.pool.begin().await.map_err(other)?;
        let done = sqlx::query("UPDATE apps SET retired_at = ? WHERE id = ? AND retired_at IS NULL")
            .bind(ts(audit.at))
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        commit_audited(tx, done.rows_affected(), &audit).await
    }

    async fn installs_of_app(&self, user_id: UserId, app_id: &str, now: OffsetDateTime) -> DbResult<Vec<AppInstall>> {
        self.expire_commands(CommandsOf::User(user_id), now).await?;
        catalog::installs(&self.pool, catalog::InstallsOf::UserApp(user_id, app_id)).await
    }

    async fn device_apps(&self, device_id: DeviceId, now: OffsetDateTime) -> DbResult<Vec<AppInstall>> {
        self.expire_commands(CommandsOf::Device(device_id), now).await?;
        catalog::installs(&self.pool, catalog::InstallsOf::Device(device_id)).await
    }

    async fn queue_app_command(&self, command: NewCommand, audit: AuditEvent) -> DbResult<AppCommandOutcome> {
        catalog::queue_app_command(&self.pool, command, audit).await
    }

    async fn record_app_inventory(
        &self,
        device_id: DeviceId,
        apps: &[ManagedApp],
        now: OffsetDateTime,
        installs_expire_at: OffsetDateTime,
    ) -> DbResult<()> {
        catalog::record_inventory(&self.pool, device_id, apps, now, installs_expire_at).await
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

type Tx<'a> = sqlx::Transaction<'a, sqlx::Sqlite>;

type AuditRow = (String, Option<String>, String, Option<String>, Option<String>, String);

fn audit_from_row((at, actor, action, subject, source, outcome): AuditRow) -> DbResult<AuditEvent> {
    Ok(AuditEvent {
        at: parse_ts(&at)?,
        actor: actor.as_deref().map(parse_uuid).transpose()?.map(UserId),
        action,
        subject,
        source,
        outcome,
    })
}

/// Writes the change's audit entry and commits the two together.
async fn commit_with_audit(mut tx: Tx<'_>, audit: &AuditEvent) -> DbResult<()> {
    insert_audit(&mut tx, audit).await?;
    tx.commit().await.map_err(other)
}

/// Commits a change of one row together with its audit entry; a change that
/// found no row (not the user's) is rolled back: false.
async fn commit_audited(tx: Tx<'_>, rows: u64, audit: &AuditEvent) -> DbResult<bool> {
    if rows != 1 {
        return Ok(false);
    }
    commit_with_audit(tx, audit).await?;
    Ok(true)
}

/// The command queued before with the same user's idempotency key, if any.
async fn command_with_key(pool: &SqlitePool, command: &NewCommand) -> DbResult<Option<Command>> {
    let Some(key) = &command.idempotency_key else {
        return Ok(None);
    };
    let existing: Option<CommandRow> =
        sqlx::query_as(&format!("{COMMAND_COLUMNS} WHERE user_id = ? AND idempotency_key = ?"))
            .bind(command.user_id.to_string())
            .bind(key)
            .fetch_optional(pool)
            .await
            .map_err(other)?;
    existing.map(Command::try_from).transpose()
}

/// Inserts a requested command with its audit entry, and reads it back.
async fn insert_command(tx: &mut Tx<'_>, command: &NewCommand, audit: &AuditEvent) -> DbResult<Command> {
    sqlx::query(
        "INSERT INTO commands (id, device_id, user_id, kind, state, lock_message, lock_phone, app_id, app_name,
                               app_version, idempotency_key, requested_at, expires_at)
         VALUES (?, ?, ?, ?, 'requested', ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(command.id.to_string())
    .bind(command.device_id.to_string())
    .bind(command.user_id.to_string())
    .bind(command.kind.as_str())
    .bind(&command.lock_message)
    .bind(&command.lock_phone)
    .bind(command.app.as_ref().map(|a| &a.app_id))
    .bind(command.app.as_ref().map(|a| &a.name))
    .bind(command.app.as_ref().map(|a| &a.version))
    .bind(&command.idempotency_key)
    .bind(ts(command.requested_at))
    .bind(ts(command.expires_at))
    .execute(&mut **tx)
    .await
    .map_err(other)?;
    insert_audit(tx, audit).await?;
    catalog::track_command(tx, command).await?;
    let row: CommandRow = sqlx::query_as(&format!("{COMMAND_COLUMNS} WHERE id = ?"))
        .bind(command.id.to_string())
        .fetch_one(&mut **tx)
        .await
        .map_err(other)?;
    row.try_into()
}

/// Whether the device has been reset.
async fn is_wiped(tx: &mut Tx<'_>, device_id: DeviceId) -> DbResult<bool> {
    let wiped: Option<Option<String>> = sqlx::query_scalar("SELECT wiped_at FROM devices WHERE id = ?")
        .bind(device_id.to_string())
        .fetch_optional(&mut **tx)
        .await
        .map_err(other)?;
    Ok(wiped.flatten().is_some())
}

/// From now on the device API refuses the device's certificates.
async fn revoke_certificates(tx: &mut Tx<'_>, device_id: DeviceId, now: OffsetDateTime) -> DbResult<()> {
    sqlx::query("UPDATE device_certificates SET revoked_at = ? WHERE device_id = ? AND revoked_at IS NULL")
        .bind(ts(now))
        .bind(device_id.to_string())
        .execute(&mut **tx)
        .await
        .map_err(other)?;
    Ok(())
}

const COMMAND_FIELDS: &str = "id, device_id, kind, state, lock_message, lock_phone, app_id, app_name, app_version, \
                              requested_at, delivered_at, acknowledged_at, finished_at, expires_at, failure_reason";
const COMMAND_COLUMNS: &str = "SELECT id, device_id, kind, state, lock_message, lock_phone, app_id, app_name, \
                               app_version, requested_at, delivered_at, acknowledged_at, finished_at, expires_at, \
                               failure_reason FROM commands";

/// Whose commands to look at.
enum CommandsOf {
    Device(DeviceId),
    /// Every device of the user's.
    User(UserId),
}

impl SqliteDatabase {
    /// Commands not taken by their device before their time to live ran
    /// out; the installs they were for settle, on the devices that had one.
    async fn expire_commands(&self, of: CommandsOf, now: OffsetDateTime) -> DbResult<()> {
        let (filter, key) = match of {
            CommandsOf::Device(id) => ("device_id = ?1", id.to_string()),
            CommandsOf::User(id) => (
                "device_id IN (SELECT id FROM devices WHERE user_id = ?1)",
                id.to_string(),
            ),
        };
        let mut devices: Vec<String> = sqlx::query_scalar(&format!(
            "UPDATE commands SET state = 'expired', finished_at = expires_at
             WHERE {filter} AND state IN ('requested', 'delivered') AND expires_at <= ?2
             RETURNING device_id"
        ))
        .bind(key)
        .bind(ts(now))
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        devices.sort();
        devices.dedup();
        for device in devices {
            catalog::settle_installs(&self.pool, DeviceId(parse_uuid(&device)?), now).await?;
        }
        Ok(())
    }
}

#[derive(sqlx::FromRow)]
struct CommandRow {
    id: String,
    device_id: String,
    kind: String,
    state: String,
    lock_message: Option<String>,
    lock_phone: Option<String>,
    app_id: Option<String>,
    app_name: Option<String>,
    app_version: Option<String>,
    requested_at: String,
    delivered_at: Option<String>,
    acknowledged_at: Option<String>,
    finished_at: Option<String>,
    expires_at: String,
    failure_reason: Option<String>,
}

impl CommandRow {
    /// The app an Install or Uninstall is for.
    fn package(&self) -> Option<AppPackage> {
        Some(AppPackage {
            app_id: self.app_id.clone()?,
            name: self.app_name.clone().unwrap_or_default(),
            version: self.app_version.clone().unwrap_or_default(),
        })
    }

    fn for_device(self) -> DbResult<DeviceCommand> {
        Ok(DeviceCommand {
            id: CommandId(parse_uuid(&self.id)?),
            kind: CommandKind::parse(&self.kind).ok_or_else(|| bad_value("kind", &self.kind))?,
            app: self.package(),
            lock_message: self.lock_message,
            lock_phone: self.lock_phone,
        })
    }
}

impl TryFrom<CommandRow> for Command {
    type Error = DbError;
    fn try_from(row: CommandRow) -> DbResult<Self> {
        let optional = |t: Option<String>| t.as_deref().map(rfc3339).transpose();
        Ok(Command {
            id: CommandId(parse_uuid(&row.id)?),
            device_id: DeviceId(parse_uuid(&row.device_id)?),
            kind: CommandKind::parse(&row.kind).ok_or_else(|| bad_value("kind", &row.kind))?,
            state: CommandState::parse(&row.state).ok_or_else(|| bad_value("state", &row.state))?,
            lock_message: row.lock_message,
            lock_phone: row.lock_phone,
            app_name: row.app_name,
            requested_at: rfc3339(&row.requested_at)?,
            delivered_at: optional(row.delivered_at)?,
            acknowledged_at: optional(row.acknowledged_at)?,
            finished_at: optional(row.finished_at)?,
            expires_at: rfc3339(&row.expires_at)?,
            failure_reason: row.failure_reason,
        })
    }
}

fn reasons_json(compliance: &Compliance) -> DbResult<String> {
    serde_json::to_string(&compliance.reasons).map_err(|e| DbError::Other(e.into()))
}

async fn insert_device(tx: &mut Tx<'_>, device: &NewDevice) -> DbResult<()> {
    let inventory = &device.inventory;
    sqlx::query(
        "INSERT INTO devices (id, user_id, name, platform, model, os_version, ownership, category, encrypted,
                              passcode_set, jailbroken, free_storage_mb, compliance, compliance_reasons,
                              failing_since, enrolled_at, last_check_in, serial_number)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(device.id.to_string())
    .bind(device.user_id.to_string())
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
    .bind(device.compliance.failing_since.map(ts))
    .bind(ts(device.enrolled_at))
    .bind(device.last_check_in.map(ts))
    // The organisation keeps no personal device's serial number.
    .bind(
        inventory
            .serial_number
            .as_ref()
            .filter(|_| device.ownership == Ownership::Corporate),
    )
    .execute(&mut **tx)
    .await
    .map_err(other)?;
    Ok(())
}

async fn insert_audit(tx: &mut Tx<'_>, event: &AuditEvent) -> DbResult<()> {
    sqlx::query("INSERT INTO audit_events (at, actor_id, action, subject, source, outcome) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(ts(event.at))
        .bind(event.actor.map(|id| id.to_string()))
        .bind(&event.action)
        .bind(&event.subject)
        .bind(&event.source)
        .bind(&event.outcome)
        .execute(&mut **tx)
        .await
        .map_err(other)?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct DetailRow {
    #[sqlx(flatten)]
    device: DeviceRow,
    category: String,
    serial_number: Option<String>,
    enrolled_at: String,
    compliance_reasons: String,
    failing_since: Option<String>,
    subject: Option<String>,
    serial: Option<String>,
    fingerprint_sha256: Option<String>,
    issued_at: Option<String>,
    expires_at: Option<String>,
    revoked_at: Option<String>,
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
                    issuer: crate::ca::ISSUER_NAME.into(),
                    serial,
                    fingerprint_sha256,
                    issued_at: rfc3339(&issued_at)?,
                    expires_at: rfc3339(&expires_at)?,
                    revoked_at: self.revoked_at.as_deref().map(rfc3339).transpose()?,
                })
            }
            _ => None,
        };
        let detail = DeviceDetail {
            device,
            category: self.category,
            serial_number: self.serial_number,
            enrolled_at: rfc3339(&self.enrolled_at)?,
            compliance_reasons,
            compliance_deadline: None,
            certificate,
        };
        Ok((detail, self.failing_since.as_deref().map(parse_ts).transpose()?))
    }
}
