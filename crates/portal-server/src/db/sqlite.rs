use std::str::FromStr;

use anyhow::Context;
use async_trait::async_trait;
use portal_types::{ComplianceState, Device, DeviceId, Ownership, Platform, Role, UserId};
use sqlx::{
    SqlitePool,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};
use time::{OffsetDateTime, format_description::BorrowedFormatItem, macros::format_description};
use uuid::Uuid;

use super::{AuditEvent, Database, DbError, DbResult, NewDevice, NewUser, SessionRecord, UserRecord};

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
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await.context("migrating the SQLite database")?;
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
    at.to_offset(time::UtcOffset::UTC).format(TIMESTAMP).expect("formattable timestamp")
}

fn parse_ts(text: &str) -> DbResult<OffsetDateTime> {
    time::PrimitiveDateTime::parse(text, TIMESTAMP)
        .map(|t| t.assume_utc())
        .map_err(|e| DbError::Other(anyhow::anyhow!("bad timestamp {text:?} in database: {e}")))
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
}

impl TryFrom<DeviceRow> for Device {
    type Error = DbError;
    fn try_from(row: DeviceRow) -> DbResult<Self> {
        let last_check_in = match row.last_check_in {
            Some(text) => Some(
                parse_ts(&text)?
                    .format(&time::format_description::well_known::Rfc3339)
                    .map_err(|e| DbError::Other(e.into()))?,
            ),
            None => None,
        };
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
    ) -> DbResult<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(token_hash)
        .bind(user_id.to_string())
        .bind(ts(now))
        .bind(ts(now))
        .bind(ts(expires_at))
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(())
    }

    async fn session(&self, token_hash: &str) -> DbResult<Option<SessionRecord>> {
        let row: Option<(String, String, String, String)> = sqlx::query_as(
            "SELECT user_id, created_at, last_seen_at, expires_at FROM sessions WHERE token_hash = ?",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(other)?;
        row.map(|(user_id, created_at, last_seen_at, expires_at)| {
            Ok(SessionRecord {
                user_id: UserId(parse_uuid(&user_id)?),
                created_at: parse_ts(&created_at)?,
                last_seen_at: parse_ts(&last_seen_at)?,
                expires_at: parse_ts(&expires_at)?,
            })
        })
        .transpose()
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

    async fn delete_session(&self, token_hash: &str) -> DbResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(())
    }

    async fn devices_of(&self, user_id: UserId) -> DbResult<Vec<Device>> {
        let rows: Vec<DeviceRow> = sqlx::query_as(
            "SELECT id, name, platform, model, os_version, ownership, compliance, last_check_in
             FROM devices WHERE user_id = ? ORDER BY name COLLATE NOCASE, id",
        )
        .bind(user_id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.into_iter().map(Device::try_from).collect()
    }

    async fn create_device(&self, device: NewDevice) -> DbResult<DeviceId> {
        let id = DeviceId(Uuid::new_v4());
        sqlx::query(
            "INSERT INTO devices (id, user_id, name, platform, model, os_version, ownership, compliance,
                                  enrolled_at, last_check_in)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id.to_string())
        .bind(device.user_id.to_string())
        .bind(&device.name)
        .bind(device.platform.as_str())
        .bind(&device.model)
        .bind(&device.os_version)
        .bind(device.ownership.as_str())
        .bind(device.compliance.as_str())
        .bind(ts(device.enrolled_at))
        .bind(device.last_check_in.map(ts))
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(id)
    }

    async fn record_audit(&self, event: AuditEvent) -> DbResult<()> {
        sqlx::query(
            "INSERT INTO audit_events (at, actor_id, action, subject, source, outcome) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(ts(event.at))
        .bind(event.actor.map(|id| id.to_string()))
        .bind(&event.action)
        .bind(&event.subject)
        .bind(&event.source)
        .bind(&event.outcome)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(())
    }

    async fn audit_events(&self, limit: u32) -> DbResult<Vec<AuditEvent>> {
        let rows: Vec<(String, Option<String>, String, Option<String>, Option<String>, String)> = sqlx::query_as(
            "SELECT at, actor_id, action, subject, source, outcome FROM audit_events ORDER BY id DESC LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.into_iter()
            .map(|(at, actor, action, subject, source, outcome)| {
                Ok(AuditEvent {
                    at: parse_ts(&at)?,
                    actor: actor.as_deref().map(parse_uuid).transpose()?.map(UserId),
                    action,
                    subject,
                    source,
                    outcome,
                })
            })
            .collect()
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
