//! The data layer: one trait, one implementation per database, each with its
//! own migrations, picked by the URL's scheme.

mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use portal_types::{ComplianceState, Device, DeviceId, Ownership, Platform, Role, UserId};
use time::OffsetDateTime;

pub use sqlite::SqliteDatabase;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("a record with the same unique key already exists")]
    Conflict,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

pub type DbResult<T> = Result<T, DbError>;

#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
}

#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub user_id: UserId,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct NewDevice {
    pub user_id: UserId,
    pub name: String,
    pub platform: Platform,
    pub model: String,
    pub os_version: String,
    pub ownership: Ownership,
    pub compliance: ComplianceState,
    pub enrolled_at: OffsetDateTime,
    pub last_check_in: Option<OffsetDateTime>,
}

/// One line of the append-only audit log.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub at: OffsetDateTime,
    /// The user acting, when known.
    pub actor: Option<UserId>,
    /// What happened, e.g. `sign_in`, `sign_in_failed`, `sign_out`.
    pub action: String,
    /// What it was done to (an email address, a device id).
    pub subject: Option<String>,
    /// The client's address.
    pub source: Option<String>,
    pub outcome: String,
}

#[async_trait]
pub trait Database: Send + Sync + 'static {
    /// Cheap round trip for the health check.
    async fn ping(&self) -> DbResult<()>;

    /// Fails with [`DbError::Conflict`] when the email address is taken.
    async fn create_user(&self, user: NewUser, now: OffsetDateTime) -> DbResult<UserId>;
    /// Email addresses compare case-insensitively.
    async fn user_by_email(&self, email: &str) -> DbResult<Option<UserRecord>>;
    async fn user_by_id(&self, id: UserId) -> DbResult<Option<UserRecord>>;

    async fn create_session(
        &self,
        token_hash: &str,
        user_id: UserId,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> DbResult<()>;
    async fn session(&self, token_hash: &str) -> DbResult<Option<SessionRecord>>;
    async fn touch_session(&self, token_hash: &str, now: OffsetDateTime) -> DbResult<()>;
    async fn delete_session(&self, token_hash: &str) -> DbResult<()>;

    /// The user's own devices, by name.
    async fn devices_of(&self, user_id: UserId) -> DbResult<Vec<Device>>;
    async fn create_device(&self, device: NewDevice) -> DbResult<DeviceId>;

    async fn record_audit(&self, event: AuditEvent) -> DbResult<()>;
    /// Newest first; for the activity pages and the tests.
    async fn audit_events(&self, limit: u32) -> DbResult<Vec<AuditEvent>>;

    /// Waits for open connections to finish and closes them.
    async fn close(&self);
}

/// Opens the database the URL names and brings its schema up to date.
pub async fn connect(url: &str) -> anyhow::Result<Arc<dyn Database>> {
    match url.split_once(':').map(|(scheme, _)| scheme) {
        Some("sqlite") => Ok(Arc::new(SqliteDatabase::open(url).await?)),
        _ => anyhow::bail!("unsupported database URL {url:?}: expected sqlite://PATH"),
    }
}
