//! The data layer: a store trait per aggregate, stored and loaded by one set
//! of queries (`sql/`) compiled for each database, each with its own
//! migrations and a few dialect fragments; picked by the URL's scheme.

mod postgres;
pub mod read_cache;
mod sqlite;
pub mod values;

use std::sync::Arc;

use async_trait::async_trait;
use portal_types::{
    App, AppInput, AppInstall, AppPackage, AppsPage, Command, CommandId, CommandKind, CommandState, ComplianceReason,
    ComplianceState, Device, DeviceCommand, DeviceDetail, DeviceId, FleetDevice, FleetSort, Inventory, ManagedApp,
    ManagedBy, Management, Ownership, Platform, PolicySettings, Role, UserId,
};
use time::OffsetDateTime;

use crate::live::Notice;

pub use postgres::PgDatabase;
pub use sqlite::SqliteDatabase;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("a record with the same unique key already exists")]
    Conflict,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

pub type DbResult<T> = Result<T, DbError>;

/// Takes a committed change's notice, from this node or another; `None` when
/// some may have been missed, so every listener should re-read.
pub type Deliver = Arc<dyn Fn(Option<&Notice>) + Send + Sync>;

/// Since when a device has failed a compliance rule.
pub type FailingSince = Option<OffsetDateTime>;

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
    /// When the password was last entered for this session.
    pub authenticated_at: Option<OffsetDateTime>,
}

/// How long the `n`th wrong code in a row locks the second factor, if it does.
pub type LockFor = dyn Fn(u32) -> Option<time::Duration> + Send + Sync;

/// What [`UserStore::reserve_factor_guess`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactorGuess {
    Locked(OffsetDateTime),
    /// Counted among the wrong codes in a row until it proves good; it
    /// locked the factor until `locks_until` if `lock_for` said so.
    Counted {
        locks_until: Option<OffsetDateTime>,
    },
}

/// A user's second factor, secrets still sealed.
#[derive(Debug, Clone, Default)]
pub struct SecondFactor {
    pub secret: Option<Vec<u8>>,
    pub pending: Option<Vec<u8>>,
    pub last_step: Option<i64>,
    pub recovery_codes_left: u32,
    /// Wrong codes in a row.
    pub failures: u32,
    pub locked_until: Option<OffsetDateTime>,
}

#[derive(Debug, Clone)]
pub struct NewDevice {
    pub id: DeviceId,
    pub user_id: UserId,
    pub name: String,
    pub platform: Platform,
    pub ownership: Ownership,
    pub category: String,
    pub inventory: Inventory,
    pub compliance: Compliance,
    pub enrolled_at: OffsetDateTime,
    pub last_check_in: Option<OffsetDateTime>,
    pub management: Management,
}

/// What the policy made of a device's inventory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compliance {
    pub state: ComplianceState,
    pub reasons: Vec<ComplianceReason>,
    /// Since when it has failed a rule; `None` while it passes them all.
    pub failing_since: Option<OffsetDateTime>,
}

/// A certificate issued to a device, as stored.
#[derive(Debug, Clone)]
pub struct NewCertificate {
    pub serial: String,
    pub subject: String,
    pub fingerprint_sha256: String,
    pub public_key: Vec<u8>,
    pub pem: String,
    pub issued_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// A one-time enrollment code, bound to what the user chose.
#[derive(Debug, Clone)]
pub struct EnrollmentCode {
    pub code_hash: String,
    pub user_id: UserId,
    pub platform: Platform,
    pub ownership: Ownership,
    pub device_name: String,
    pub category: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub used_at: Option<OffsetDateTime>,
    pub management: Management,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrollOutcome {
    Enrolled,
    /// Used or expired between the check and the write.
    CodeUnavailable,
    LimitReached,
    /// Enrolling a registered device: it is managed already, or was reset or removed.
    NotRegistered,
}

/// A command to queue.
#[derive(Debug, Clone)]
pub struct NewCommand {
    pub id: CommandId,
    pub device_id: DeviceId,
    pub user_id: UserId,
    pub kind: CommandKind,
    pub lock_message: Option<String>,
    pub lock_phone: Option<String>,
    /// For Install and Uninstall.
    pub app: Option<AppPackage>,
    /// The same key from the same user gives back the same command.
    pub idempotency_key: Option<String>,
    pub requested_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    /// An administrator who asked for it on the owner's device, by name.
    pub requested_by: Option<String>,
    /// Why the administrator asked.
    pub reason: Option<String>,
}

impl NewCommand {
    /// A command with nothing but its kind, requested at `now`.
    pub fn requested(
        device_id: DeviceId,
        user_id: UserId,
        kind: CommandKind,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Self {
        Self {
            id: CommandId(uuid::Uuid::new_v4()),
            device_id,
            user_id,
            kind,
            lock_message: None,
            lock_phone: None,
            app: None,
            idempotency_key: None,
            requested_at: now,
            expires_at,
            requested_by: None,
            reason: None,
        }
    }
}

/// What a device reports at a check-in, and what the server made of it.
#[derive(Debug, Clone, Copy)]
pub struct CheckIn<'a> {
    pub device_id: DeviceId,
    pub inventory: &'a Inventory,
    pub compliance: &'a Compliance,
    pub apps: &'a [ManagedApp],
    pub now: OffsetDateTime,
    /// When a required app queued again for the device expires; none where
    /// the organisation's plan installs no apps (then none is queued).
    pub installs_expire_at: Option<OffsetDateTime>,
}

/// What became of a Remove device.
#[derive(Debug)]
pub enum RemoveOutcome {
    /// The Retire the device carries out at its next connection.
    Queued(Box<Command>),
    /// Deleted at once: a reset or registered device has nothing to take off it.
    Removed,
    NotFound,
    /// A Reset is on its way: removing the device would drop it.
    ResetWaiting,
    /// A Remove device is on its way already.
    AlreadyPending,
}

#[derive(Debug, Clone)]
pub enum WipeOutcome {
    Queued(Box<Command>),
    AlreadyWiped,
    AlreadyPending,
    /// A registered device is not the organisation's to erase.
    NotManaged,
}

/// A checked catalog query.
#[derive(Debug, Clone, Default)]
pub struct AppQuery {
    /// Matched against name, publisher and description, case-insensitively.
    pub search: Option<String>,
    pub category: Option<String>,
    /// Apps for any of these; all apps when empty.
    pub platforms: Vec<Platform>,
    pub featured: Option<bool>,
    /// Web apps only (the organisation's plan installs no others).
    pub web_only: bool,
    /// From 1.
    pub page: u32,
    pub per_page: u32,
}

/// A checked All devices query: the filter, the order, and where the page starts.
#[derive(Debug, Clone)]
pub struct FleetQuery {
    /// Matched against name, user's email, serial number and model, case-insensitively.
    pub search: Option<String>,
    /// Any of these; every one when empty (and so below).
    pub platforms: Vec<Platform>,
    pub compliance: Vec<ComplianceState>,
    pub ownership: Option<Ownership>,
    pub managed_by: Vec<ManagedBy>,
    /// Last seen before this (not seen for N days).
    pub seen_before: Option<OffsetDateTime>,
    pub sort: FleetSort,
    pub descending: bool,
    /// The last row of the page before, in this order.
    pub after: Option<(FleetKey, DeviceId)>,
    pub per_page: u32,
}

/// The organisation's devices counted, for the admin Overview; a state or
/// platform no device has is absent.
#[derive(Debug, Clone, Default)]
pub struct FleetTallies {
    pub compliance: Vec<(ComplianceState, u64)>,
    pub managed_by: Vec<(ManagedBy, u64)>,
    pub platforms: Vec<(Platform, u64)>,
    pub not_seen: u64,
}

/// A row's value in the column All devices sorts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FleetKey {
    Text(String),
    Time(OffsetDateTime),
}

/// Why an install or uninstall was not queued, or the queued command.
#[derive(Debug, Clone)]
pub enum QueueOutcome {
    /// Queued now, or before under the same idempotency key.
    Queued(Box<Command>),
    AlreadyInstalled,
    InProgress,
    NotInstalled,
    /// A reset device takes no more commands.
    DeviceWiped,
    /// Neither does a device being removed.
    BeingRemoved,
    /// Nor a registered device: it takes no remote action but Remove device.
    NotManaged,
    /// The idempotency key stands for another device's command, or another action.
    KeyReused,
}

/// What the device API needs to authenticate a device.
#[derive(Debug, Clone)]
pub struct DeviceCredentials {
    pub device_id: DeviceId,
    pub user_id: UserId,
    pub platform: Platform,
    pub ownership: Ownership,
    pub management: Management,
    /// Uncompressed SEC1 P-256 point of the current certificate's key.
    pub public_key: Vec<u8>,
    pub certificate_expires_at: OffsetDateTime,
    pub certificate_revoked: bool,
    pub failing_since: Option<OffsetDateTime>,
}

/// Where time alone changes a judgement (`Policy::deadlines`): a device Out
/// of compliance since `failing_since_by` or earlier can no longer access,
/// and one that Can access, last seen before `seen_before`, is overdue.
#[derive(Debug, Clone, Copy)]
pub struct Deadlines {
    pub failing_since_by: OffsetDateTime,
    pub seen_before: OffsetDateTime,
}

/// A command moving along its timeline: from one of `from` to `to`.
#[derive(Debug, Clone)]
pub struct StateChange<'a> {
    pub id: CommandId,
    pub from: &'a [CommandState],
    pub to: CommandState,
    /// Why it failed, when it did.
    pub reason: Option<String>,
}

/// Who an audited change is written down for, and from where.
#[derive(Debug, Clone)]
pub struct Actor {
    /// `None` when the device itself reports: nobody acted, the device did.
    pub user: Option<UserId>,
    pub source: Option<String>,
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
    /// What the actor gave with it: an administrator's reason.
    pub detail: Option<String>,
}

impl AuditEvent {
    /// `action` at `at`, ending in `outcome`: by nobody, on nothing and from
    /// nowhere until [`actor`](Self::actor), [`subject`](Self::subject) and
    /// [`source`](Self::source) say otherwise.
    pub fn new(at: OffsetDateTime, action: impl Into<String>, outcome: impl Into<String>) -> Self {
        Self {
            at,
            actor: None,
            action: action.into(),
            subject: None,
            source: None,
            outcome: outcome.into(),
            detail: None,
        }
    }

    /// `action` refused at `at`.
    pub fn refused(at: OffsetDateTime, action: &str) -> Self {
        Self::new(at, action, "refused")
    }

    pub fn actor(self, actor: impl Into<Option<UserId>>) -> Self {
        Self {
            actor: actor.into(),
            ..self
        }
    }

    pub fn subject(self, subject: impl Into<String>) -> Self {
        Self {
            subject: Some(subject.into()),
            ..self
        }
    }

    pub fn source(self, source: impl Into<Option<String>>) -> Self {
        Self {
            source: source.into(),
            ..self
        }
    }

    pub fn detail(self, detail: Option<String>) -> Self {
        Self { detail, ..self }
    }
}

/// Users, their sessions and their second factor.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Fails with [`DbError::Conflict`] when the email address is taken.
    async fn create_user(&self, user: NewUser, now: OffsetDateTime) -> DbResult<UserId>;
    /// Email addresses compare case-insensitively.
    async fn user_by_email(&self, email: &str) -> DbResult<Option<UserRecord>>;
    async fn user_by_id(&self, id: UserId) -> DbResult<Option<UserRecord>>;
    /// A new session, with the sign-in's audit entry, in one transaction.
    async fn create_session(
        &self,
        token_hash: &str,
        user_id: UserId,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
        second_factor: bool,
        audit: AuditEvent,
    ) -> DbResult<()>;
    /// The session and its user, in one round trip: every signed-in request reads it.
    async fn session(&self, token_hash: &str) -> DbResult<Option<(SessionRecord, UserRecord)>>;
    /// Whether the user's session begun at `created_at` is still there,
    /// under whichever id re-authentication has given it since, and was used
    /// after `idle_since`.
    async fn session_lives(
        &self,
        user_id: UserId,
        created_at: OffsetDateTime,
        idle_since: OffsetDateTime,
    ) -> DbResult<bool>;
    /// A new id for the session, and the password entered now: after
    /// re-authentication; audited in the same transaction.
    async fn reauthenticate_session(
        &self,
        old_hash: &str,
        new_hash: &str,
        now: OffsetDateTime,
        audit: AuditEvent,
    ) -> DbResult<()>;
    /// Ends every session of the user's, audited in the same transaction.
    async fn delete_sessions_of(&self, user_id: UserId, audit: AuditEvent) -> DbResult<()>;
    async fn second_factor(&self, user_id: UserId) -> DbResult<SecondFactor>;
    async fn set_pending_totp(&self, user_id: UserId, sealed: &[u8]) -> DbResult<()>;
    /// The pending secret `checked` comes into force, with fresh recovery
    /// codes, and the user's sessions but `keep` end; `step` is the
    /// confirming code's, so it cannot be used again. False (nothing changed)
    /// when the pending secret is no longer the one checked.
    async fn enable_totp(
        &self,
        user_id: UserId,
        checked: &[u8],
        step: i64,
        recovery_hashes: &[String],
        keep: &str,
        audit: AuditEvent,
    ) -> DbResult<bool>;
    /// A code about to be checked first takes its place among the wrong
    /// ones in a row, so that codes checked at the same moment cannot slip
    /// past a lock: in one transaction, refuses while the factor is locked,
    /// else counts the guess and locks the factor for as long as
    /// `lock_for(count)` says, if it says so (a good code then clears both).
    async fn reserve_factor_guess(
        &self,
        user_id: UserId,
        now: OffsetDateTime,
        lock_for: &LockFor,
    ) -> DbResult<FactorGuess>;
    /// A good code: the wrong ones before it stop counting.
    async fn clear_factor_failures(&self, user_id: UserId) -> DbResult<()>;
    async fn disable_totp(&self, user_id: UserId, audit: AuditEvent) -> DbResult<()>;
    /// Accepts a TOTP time step once: false when it, or a later one, was used.
    async fn use_totp_step(&self, user_id: UserId, step: i64) -> DbResult<bool>;
    /// Spends a recovery code: false when unknown or already used.
    async fn use_recovery_code(&self, user_id: UserId, code_hash: &str, now: OffsetDateTime) -> DbResult<bool>;
    async fn touch_session(&self, token_hash: &str, now: OffsetDateTime) -> DbResult<()>;
    /// Ends one session; with `audit` (a sign-out), audited in the same transaction.
    async fn delete_session(&self, token_hash: &str, audit: Option<AuditEvent>) -> DbResult<()>;
}

/// A passkey as stored: webauthn-rs's credential (JSON) and what the user named it.
#[derive(Debug, Clone)]
pub struct PasskeyRecord {
    pub id: uuid::Uuid,
    pub user_id: UserId,
    pub name: String,
    /// webauthn-rs's `Passkey`, serialised: public key, counter, backup flags.
    pub credential: String,
    pub created_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
}

/// What a WebAuthn ceremony is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CeremonyKind {
    Registration,
    Authentication,
}

impl CeremonyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Registration => "registration",
            Self::Authentication => "authentication",
        }
    }
}

/// A ceremony's state as kept between its challenge and its answer.
#[derive(Debug, Clone)]
pub struct Ceremony {
    pub user_id: Option<UserId>,
    /// webauthn-rs's registration or authentication state, serialised.
    pub state: String,
    pub expires_at: OffsetDateTime,
}

/// Passkeys and the WebAuthn ceremonies under way.
#[async_trait]
pub trait PasskeyStore: Send + Sync {
    async fn passkeys_of(&self, user_id: UserId) -> DbResult<Vec<PasskeyRecord>>;
    /// The passkey with this credential id (base64url), whoever's it is.
    async fn passkey_by_credential(&self, credential_id: &str) -> DbResult<Option<PasskeyRecord>>;
    /// Fails with [`DbError::Conflict`] when the credential is registered already.
    async fn add_passkey(&self, passkey: PasskeyRecord, credential_id: &str, audit: AuditEvent) -> DbResult<()>;
    /// After a sign-in with it: its counter and backup flags (`updated`),
    /// and when; false, and nothing written, when the stored credential is
    /// no longer the `checked` one (another sign-in with it came first).
    async fn passkey_used(&self, id: uuid::Uuid, checked: &str, updated: &str, now: OffsetDateTime) -> DbResult<bool>;
    /// Removes one of the user's passkeys and ends the user's sessions but
    /// `keep`, audited in the same transaction; false when it is not theirs.
    async fn remove_passkey(&self, user_id: UserId, id: uuid::Uuid, keep: &str, audit: AuditEvent) -> DbResult<bool>;
    /// Keeps a ceremony's state until it is answered, forgetting those out
    /// of time and the same user's earlier ones of the same kind.
    async fn save_ceremony(
        &self,
        id: uuid::Uuid,
        kind: CeremonyKind,
        ceremony: Ceremony,
        now: OffsetDateTime,
    ) -> DbResult<()>;
    /// Takes a ceremony's state away: each is answered once, in time or not.
    async fn take_ceremony(&self, id: uuid::Uuid, kind: CeremonyKind) -> DbResult<Option<Ceremony>>;
}

/// Device objects, their enrollment, certificates and check-ins.
#[async_trait]
pub trait DeviceStore: Send + Sync {
    /// The user's own devices, by name.
    async fn devices_of(&self, user_id: UserId) -> DbResult<Vec<Device>>;
    async fn count_devices(&self, user_id: UserId) -> DbResult<u32>;
    /// One device of the user's, and since when it fails a rule; `None` for
    /// anybody else's. With no user, whoever's (for administrators).
    async fn device_detail(
        &self,
        user_id: Option<UserId>,
        device_id: DeviceId,
    ) -> DbResult<Option<(DeviceDetail, FailingSince)>>;
    /// Devices created as they are (the demo's), in as few statements as the database allows.
    async fn create_devices(&self, devices: &[NewDevice]) -> DbResult<()>;
    async fn create_enrollment_code(&self, code: EnrollmentCode) -> DbResult<()>;
    /// The code, and how many devices its owner has enrolled.
    async fn enrollment_code(&self, code_hash: &str) -> DbResult<Option<(EnrollmentCode, u32)>>;
    /// In one transaction: marks the code used (if still unused and unexpired),
    /// checks the device limit, creates the device object, stores its
    /// certificate and writes the audit entry. Nothing is written otherwise.
    /// The required apps the device supports are queued for it there too,
    /// to expire at `installs_expire_at`.
    async fn enroll(
        &self,
        code_hash: &str,
        device_limit: u32,
        device: NewDevice,
        certificate: NewCertificate,
        audit: AuditEvent,
        installs_expire_at: Option<OffsetDateTime>,
    ) -> DbResult<EnrollOutcome>;
    /// In one transaction: marks the code used (if still unused and
    /// unexpired) and turns the registered device `device.id` into a managed
    /// one, with the code's name, ownership and category (the ones typed on
    /// Add device) and the inventory and compliance it reports now; writes
    /// the audit entry and queues the required apps. Its platform and
    /// certificate stay.
    async fn enroll_registered(
        &self,
        code_hash: &str,
        device: NewDevice,
        audit: AuditEvent,
        installs_expire_at: Option<OffsetDateTime>,
    ) -> DbResult<EnrollOutcome>;
    async fn device_credentials(&self, device_id: DeviceId) -> DbResult<Option<DeviceCredentials>>;
    /// Records a signed request's nonce; false when it was seen before (a
    /// replay). Forgets nonces seen before `forget_before`.
    async fn use_nonce(
        &self,
        device_id: DeviceId,
        nonce: &str,
        now: OffsetDateTime,
        forget_before: OffsetDateTime,
    ) -> DbResult<bool>;
    /// A check-in, in one transaction: the inventory and compliance kept,
    /// the reported apps recorded (as [`CatalogStore::record_app_inventory`]
    /// does), and the waiting commands taken (as [`CommandStore::take_pending`]).
    async fn check_in(&self, report: CheckIn<'_>) -> DbResult<Vec<DeviceCommand>>;
    /// Who manages the user's device; none when it is not theirs.
    async fn device_manager(&self, user_id: UserId, device_id: DeviceId) -> DbResult<Option<ManagedBy>>;
    /// Renames the user's device, with its audit entry; false if not theirs.
    async fn rename_device(
        &self,
        user_id: UserId,
        device_id: DeviceId,
        name: &str,
        audit: AuditEvent,
    ) -> DbResult<bool>;
}

/// Remote actions queued for devices, along their timeline.
#[async_trait]
pub trait CommandStore: Send + Sync {
    /// Queues a command with its audit entry, in one transaction; with an
    /// idempotency key seen before, gives back that command instead.
    /// Queues a remote action, once per idempotency key (looked up beside
    /// the insert), never for a reset device.
    async fn queue_command(&self, command: NewCommand, audit: AuditEvent) -> DbResult<QueueOutcome>;
    /// The device's commands, newest first, as they stand at `now` (those
    /// whose time ran out untaken show Expired).
    async fn commands_of(&self, device_id: DeviceId, now: OffsetDateTime) -> DbResult<Vec<Command>>;
    /// Writes down what expired by `now` (reads already show it), settles
    /// the installs those commands were for and tells the owners' portals;
    /// how many commands expired.
    async fn expire_commands(&self, now: OffsetDateTime) -> DbResult<usize>;
    /// The requested commands, oldest first, now marked delivered, as the
    /// device receives them; with `redeliver`, also those delivered before
    /// but never acknowledged (lost with the device's previous connection).
    async fn take_pending(
        &self,
        device_id: DeviceId,
        now: OffsetDateTime,
        redeliver: bool,
    ) -> DbResult<Vec<DeviceCommand>>;
    /// Moves a command of the device's from one of `from` to `to`; `None`
    /// when it is not the device's or not in one of `from`. A state
    /// `commands::rules::audited` names is audited as `audit`'s in the same
    /// transaction; a completed wipe marks the device wiped and revokes its
    /// certificate there too.
    async fn advance_command(
        &self,
        device_id: DeviceId,
        change: StateChange<'_>,
        now: OffsetDateTime,
        audit: Option<Actor>,
    ) -> DbResult<Option<Command>>;
    /// Queues a Reset device unless the device was wiped or has one under
    /// way; commands still waiting are cancelled. One transaction, audited.
    async fn queue_wipe(&self, command: NewCommand, audit: AuditEvent) -> DbResult<WipeOutcome>;
    /// Remove device: queues the Retire that the device carries out (then,
    /// or when its time runs out, the certificate is revoked and the device
    /// object deleted; its history stays in the audit log), and cancels what
    /// was waiting; a reset device is deleted at once. Not while a Reset is
    /// on its way. One transaction, audited.
    async fn queue_retire(&self, command: NewCommand, audit: AuditEvent) -> DbResult<RemoveOutcome>;
}

/// The app catalog and the managed apps on each device.
#[async_trait]
pub trait CatalogStore: Send + Sync {
    /// Writes the apps into an empty catalog; false when it had some already.
    async fn seed_catalog(&self, apps: &[(String, AppInput)], now: OffsetDateTime) -> DbResult<bool>;
    /// One page of the apps in the catalog (not retired), by name.
    async fn apps(&self, query: &AppQuery) -> DbResult<AppsPage>;
    /// An app of the catalog; `None` when unknown or retired.
    async fn app(&self, id: &str) -> DbResult<Option<App>>;
    /// Adds an app (`created`) or changes it, with its audit entry; a
    /// required app is queued, to expire at `installs_expire_at`, for every
    /// supported device that lacks it. `None` when there is no such app to
    /// change, `Conflict` when one to add exists.
    async fn save_app(
        &self,
        id: &str,
        app: &AppInput,
        created: bool,
        audit: AuditEvent,
        installs_expire_at: Option<OffsetDateTime>,
    ) -> DbResult<Option<App>>;
    /// Takes the app out of the catalog; installed copies stay. False when unknown.
    async fn retire_app(&self, id: &str, audit: AuditEvent) -> DbResult<bool>;
    /// Devices that marking an app (`app`, or a new one) required for
    /// `platforms` would queue an Install on now: as required-app assignment picks them.
    async fn required_reach(&self, app: Option<&str>, platforms: &[Platform]) -> DbResult<u64>;
    /// Where the app stands on each of the user's devices, as of `now`:
    /// installs whose command ran out of time show as Failed.
    async fn installs_of_app(&self, user_id: UserId, app_id: &str, now: OffsetDateTime) -> DbResult<Vec<AppInstall>>;
    /// The managed apps on the device, by name, as of `now` (see above).
    async fn device_apps(&self, device_id: DeviceId, now: OffsetDateTime) -> DbResult<Vec<AppInstall>>;
    /// Queues an Install or Uninstall, audited, unless the app's state on the
    /// device (or the device's) rules it out.
    async fn queue_app_command(&self, command: NewCommand, audit: AuditEvent) -> DbResult<QueueOutcome>;
    /// The catalog apps the device reports: those it has are Installed, and
    /// Installed ones it no longer has are forgotten; installs under way
    /// stay. A required app it lacks is queued for it again, to expire at
    /// `installs_expire_at`.
    async fn record_app_inventory(
        &self,
        device_id: DeviceId,
        apps: &[ManagedApp],
        now: OffsetDateTime,
        installs_expire_at: Option<OffsetDateTime>,
    ) -> DbResult<()>;
}

/// The append-only audit log.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// The user's own actions, and what others (administrators) did to their
    /// devices, newest first.
    async fn activity(&self, user_id: UserId, limit: u32) -> DbResult<Vec<AuditRecord>>;
    async fn record_audit(&self, event: AuditEvent) -> DbResult<()>;
    /// Newest first; for the activity pages and the tests.
    async fn audit_events(&self, limit: u32) -> DbResult<Vec<AuditEvent>>;
    /// The entries the query matches, newest first, each with its place in
    /// the log and its actor's email.
    async fn audit_log(&self, query: &AuditQuery) -> DbResult<Vec<AuditRecord>>;
}

/// What the admin audit log shows; every filter given must match.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Entries of the user with this email (lower case).
    pub actor: Option<String>,
    pub action: Option<String>,
    /// Entries about the device (and its apps).
    pub device: Option<DeviceId>,
    /// Entries about the user with this email (lower case): their account or their devices.
    pub user: Option<String>,
    pub from: Option<OffsetDateTime>,
    /// Before this time.
    pub to: Option<OffsetDateTime>,
    /// Entries older than this place in the log.
    pub before: Option<i64>,
    pub limit: u32,
}

#[derive(Debug, Clone)]
pub struct AuditRecord {
    pub id: i64,
    pub event: AuditEvent,
    pub actor_email: Option<String>,
    pub actor_name: Option<String>,
}

/// One limit's key, and how far back its attempts count.
#[derive(Debug, Clone)]
pub struct AttemptKey {
    pub key: String,
    pub since: OffsetDateTime,
    /// How many of the newest attempts the rule needs to see.
    pub read: u32,
}

/// Whether the attempts read under each key leave room for one more.
pub type Admit = dyn for<'r> Fn(&'r [Vec<OffsetDateTime>]) -> bool + Send + Sync;

/// What [`NodeStateStore::reserve_attempt`] found, and whether it took the places.
#[derive(Debug, Clone)]
pub struct Reserved {
    pub taken: bool,
    /// Per key, as given: the attempts inside its window, newest first.
    pub recent: Vec<Vec<OffsetDateTime>>,
}

/// What the nodes of one portal share beyond the data itself.
#[async_trait]
pub trait NodeStateStore: Send + Sync {
    /// Takes an attempt's place under every key or under none, so that
    /// attempts made at the same moment cannot all pass a check: with the
    /// keys locked, reads each key's newest attempts inside its window
    /// (newest first), asks `admit`, and when it agrees records the attempt
    /// at `at` under each key (forgetting those the window has left).
    async fn reserve_attempt(&self, keys: &[AttemptKey], at: OffsetDateTime, admit: &Admit) -> DbResult<Reserved>;
    /// Gives back the places taken at `at` (the attempt did not count).
    async fn release_attempt(&self, keys: &[AttemptKey], at: OffsetDateTime) -> DbResult<()>;
    /// Forgets what no rule looks at any more: attempts made before
    /// `attempts_before`, enrollment codes that expired before
    /// `codes_expired_before`. How many rows went.
    async fn forget_stale(
        &self,
        attempts_before: OffsetDateTime,
        codes_expired_before: OffsetDateTime,
    ) -> DbResult<u64>;
    /// A new command stream of the device's, superseding the ones before,
    /// on whichever node they are: its number.
    async fn open_command_stream(&self, device_id: DeviceId) -> DbResult<i64>;
    async fn newest_command_stream(&self, device_id: DeviceId) -> DbResult<Option<i64>>;
    /// The stored value of a setting, storing `value` when there is none yet.
    async fn setting_or_insert(&self, name: &str, value: &str) -> DbResult<String>;
}

/// The organisation's devices, for administrators.
#[async_trait]
pub trait FleetStore: Send + Sync {
    /// A page of the devices the query matches, each with its sort key.
    async fn fleet_page(&self, query: &FleetQuery) -> DbResult<Vec<(FleetDevice, FleetKey)>>;
    /// How many devices the query's filter matches, over all pages.
    async fn fleet_count(&self, query: &FleetQuery) -> DbResult<u64>;
    /// The device's owner: id, email and name; no id for an on-premises
    /// device whose primary user has no account (the email is theirs).
    async fn device_owner(&self, device: DeviceId) -> DbResult<Option<(Option<UserId>, String, String)>>;
    /// Every device counted by compliance state and by platform, and those
    /// last seen before `seen_before`.
    async fn fleet_tallies(&self, seen_before: OffsetDateTime) -> DbResult<FleetTallies>;
}

/// Every store of one database.
/// A stored version of the policy.
#[derive(Debug, Clone)]
pub struct StoredPolicy {
    pub version: u32,
    pub settings: PolicySettings,
    /// Who saved it: name and email; none for the initial version.
    pub changed_by: Option<(String, String)>,
    pub changed_at: OffsetDateTime,
    pub evaluation: EvaluationRecord,
}

/// How far judging every device against a version has gone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EvaluationRecord {
    pub evaluated: u64,
    pub devices: u64,
    pub changed: u64,
    pub finished_at: Option<OffsetDateTime>,
}

/// A device as the policy judges it: what it last reported, and the
/// compliance stored (read) or to store (written).
#[derive(Debug, Clone)]
pub struct JudgedDevice {
    pub id: DeviceId,
    /// None for an on-premises device whose primary user has no account yet.
    pub owner: Option<UserId>,
    pub managed_by: ManagedBy,
    pub platform: Platform,
    pub inventory: Inventory,
    pub last_seen: OffsetDateTime,
    pub compliance: Compliance,
}

/// Versions of the enrollment restrictions and compliance policy, and each
/// device's compliance judged anew by one.
#[async_trait]
pub trait PolicyStore: Send + Sync {
    /// The newest version, if one was stored.
    async fn current_policy(&self) -> DbResult<Option<StoredPolicy>>;
    /// Stores `version` with its audit entry and tells every node; false
    /// when that version exists already (somebody saved first).
    async fn save_policy(
        &self,
        version: u32,
        settings: &PolicySettings,
        by: Option<UserId>,
        at: OffsetDateTime,
        audit: Option<AuditEvent>,
    ) -> DbResult<bool>;
    async fn record_evaluation(&self, version: u32, evaluation: EvaluationRecord) -> DbResult<()>;
    async fn count_all_devices(&self) -> DbResult<u64>;
    /// Up to `limit` devices, the first after `after` in id order.
    async fn devices_to_judge(&self, after: Option<DeviceId>, limit: u32) -> DbResult<Vec<JudgedDevice>>;
    /// Up to `limit` devices whose judgement `deadlines` have passed.
    async fn devices_past_deadline(&self, deadlines: Deadlines, limit: u32) -> DbResult<Vec<JudgedDevice>>;
    /// Stores each device's new compliance, in one transaction, unless the
    /// device checked in since it was read (its `last_seen` moved on), and
    /// tells the owners' portals; gives back how many were written.
    async fn set_compliance(&self, judged: &[JudgedDevice]) -> DbResult<u64>;
}

/// A stored version of the branding.
#[derive(Debug, Clone)]
pub struct StoredBranding {
    pub version: u32,
    pub settings: portal_types::BrandingSettings,
    pub has_logo: bool,
    /// Who saved it: name and email, while the account exists.
    pub changed_by: Option<(String, String)>,
    pub changed_at: OffsetDateTime,
}

/// What a new version of the branding does with the logo.
#[derive(Debug, Clone)]
pub enum LogoChange {
    Keep,
    /// A PNG the server wrote.
    Set(Vec<u8>),
    Remove,
}

/// Versions of the organisation's branding.
#[async_trait]
pub trait BrandingStore: Send + Sync {
    /// The newest version, if one was saved.
    async fn current_branding(&self) -> DbResult<Option<StoredBranding>>;
    /// The newest version's logo: its version and the PNG.
    async fn branding_logo(&self) -> DbResult<Option<(u32, Vec<u8>)>>;
    /// Stores `version` (its logo kept from the one before, replaced or
    /// removed) with its audit entry, and tells every node; false when that
    /// version exists already (somebody saved first).
    async fn save_branding(
        &self,
        version: u32,
        settings: &portal_types::BrandingSettings,
        logo: LogoChange,
        by: UserId,
        audit: AuditEvent,
    ) -> DbResult<bool>;
}

/// A stored version of the terms and conditions.
#[derive(Debug, Clone)]
pub struct StoredTerms {
    pub version: u32,
    pub body: String,
    /// Who published it: name and email, while the account exists.
    pub published_by: Option<(String, String)>,
    pub published_at: OffsetDateTime,
    pub accepted_by: u64,
}

/// Versions of the terms and conditions, and who accepted which.
#[async_trait]
pub trait TermsStore: Send + Sync {
    /// The newest version, if one was published.
    async fn current_terms(&self) -> DbResult<Option<StoredTerms>>;
    /// Stores `version` with its audit entry; false when that version
    /// exists already (somebody published first).
    async fn publish_terms(&self, version: u32, body: &str, by: UserId, audit: AuditEvent) -> DbResult<bool>;
    /// When `user` accepted `version`, if they did.
    async fn terms_accepted_at(&self, user: UserId, version: u32) -> DbResult<Option<OffsetDateTime>>;
    /// Records the acceptance with its audit entry; accepting again keeps
    /// the first time. Gives back when it was accepted.
    async fn accept_terms(&self, user: UserId, version: u32, audit: AuditEvent) -> DbResult<OffsetDateTime>;
}

/// The gateway's published apps, its sign-in hand-offs and sessions, and
/// the devices its visitors' certificates name.
#[async_trait]
pub trait GatewayStore: Send + Sync {
    /// Shared, not copied: the gateway reads them on every request.
    async fn published_apps(&self) -> DbResult<std::sync::Arc<[portal_types::PublishedApp]>>;
    /// Creates or replaces the app of that name; false when another app has
    /// its prefix. Audited when `audit` is given (not at start, from flags).
    async fn publish_app(
        &self,
        app: &portal_types::PublishedApp,
        at: OffsetDateTime,
        audit: Option<AuditEvent>,
    ) -> DbResult<bool>;
    /// False when no app has that name.
    async fn unpublish_app(&self, name: &str, audit: AuditEvent) -> DbResult<bool>;
    /// Stores a hand-off for the browser whose state hashes to
    /// `state_hash`; forgets those that expired before `now`.
    async fn create_handoff(&self, handoff: &Handoff<'_>, now: OffsetDateTime) -> DbResult<()>;
    /// Uses up the hand-off (once, before it expires, by the browser it was
    /// made for) and opens a gateway session on its portal session; where to
    /// go back to.
    async fn redeem_handoff(
        &self,
        token_hash: &str,
        state_hash: &str,
        gateway_hash: &str,
        now: OffsetDateTime,
    ) -> DbResult<Option<String>>;
    /// The portal session (that `key` names) and its user.
    async fn visitor_session(&self, key: &SessionKey) -> DbResult<Option<GatewaySession>>;
    /// The device a certificate (by its SHA-256, colon hex) was issued to.
    async fn device_by_certificate(&self, fingerprint: &str)
    -> DbResult<Option<crate::gateway::decision::DeviceFacts>>;
}

/// A portal session handed to the gateway, once.
#[derive(Debug, Clone)]
pub struct Handoff<'a> {
    pub token_hash: &'a str,
    pub session_hash: &'a str,
    /// The gateway path and query to go back to.
    pub return_to: &'a str,
    /// The hash of the state in the asking browser's cookie.
    pub state_hash: &'a str,
    pub expires_at: OffsetDateTime,
}

/// A session by the hash of its cookie: the gateway's, or the portal's own
/// (the access check's callers pass the portal's cookie on).
#[derive(Debug, Clone)]
pub enum SessionKey {
    Gateway(String),
    Portal(String),
}

/// A portal session as the access decision needs it.
#[derive(Debug, Clone)]
pub struct GatewaySession {
    /// The portal session's token hash.
    pub portal_hash: String,
    pub session: SessionRecord,
    pub user: crate::gateway::decision::SignedIn,
}

/// What one batch of a sync did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncCounts {
    pub created: u64,
    pub updated: u64,
    pub co_managed: u64,
    pub unchanged: u64,
}

/// The on-premises inventory's devices, and the tokens it is sent with.
#[async_trait]
pub trait InventoryStore: Send + Sync {
    /// Stores a batch of records, judged, in one transaction: a record
    /// already stored and unchanged is left alone; a new one whose serial
    /// number an enrolled device has makes that device co-managed; any other
    /// is a new device, its primary user's if they have an account.
    async fn sync_inventory(
        &self,
        batch: &[(crate::inventory::records::OnPremDevice, Compliance)],
        now: OffsetDateTime,
    ) -> DbResult<SyncCounts>;
    /// Every on-premises id stored.
    async fn onprem_ids(&self) -> DbResult<Vec<String>>;
    /// Devices a full snapshot no longer holds: marked stale (once) or
    /// removed (a co-managed one stays, the portal's alone); gives back how many changed.
    async fn onprem_missing(
        &self,
        ids: &[String],
        on_missing: portal_types::OnMissing,
        now: OffsetDateTime,
    ) -> DbResult<u64>;
    async fn create_sync_token(
        &self,
        token_hash: &str,
        by: UserId,
        now: OffsetDateTime,
        audit: AuditEvent,
    ) -> DbResult<()>;
    /// Whether the token is one an administrator made; notes its use.
    async fn use_sync_token(&self, token_hash: &str, now: OffsetDateTime) -> DbResult<bool>;
}

#[async_trait]
pub trait Database:
    UserStore
    + PasskeyStore
    + DeviceStore
    + CommandStore
    + CatalogStore
    + AuditStore
    + FleetStore
    + PolicyStore
    + InventoryStore
    + TermsStore
    + BrandingStore
    + GatewayStore
    + NodeStateStore
    + 'static
{
    /// Cheap round trip for the health check.
    async fn ping(&self) -> DbResult<()>;
    /// Reads the tables' statistics again, after a bulk load: the planner
    /// picks its indexes by them, and the database's own refresh comes later.
    async fn analyze(&self) -> DbResult<()>;
    /// Hands `deliver` the notices of every change committed from now on:
    /// this process's, and every other node's where several share the database.
    /// Once per store.
    async fn listen(&self, deliver: Deliver) -> DbResult<()>;
    /// Waits for open connections to finish and closes them.
    async fn close(&self);
}

/// Opens the database the URL names and brings its schema up to date.
pub async fn connect(url: &str, connections: Option<u32>) -> anyhow::Result<Arc<dyn Database>> {
    match url.split_once(':').map(|(scheme, _)| scheme) {
        Some("sqlite") => Ok(Arc::new(SqliteDatabase::open(url).await?)),
        Some("postgres" | "postgresql") => Ok(Arc::new(PgDatabase::open(url, connections).await?)),
        _ => anyhow::bail!("unsupported database URL {url:?}: expected sqlite://PATH or postgres://..."),
    }
}
