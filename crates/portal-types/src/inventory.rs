//! The on-premises manager's inventory (ConfigMgr's tenant attach upload):
//! what `POST /api/v1/admin/inventory-sync` takes and answers.

use serde::{Deserialize, Serialize};

/// One device as the on-premises manager reports it. In CSV, one row with
/// these names as the header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InventoryRecord {
    /// The on-premises manager's id of the device (ConfigMgr's SMS id).
    pub onprem_id: String,
    pub name: String,
    /// The operating system's name, e.g. `Microsoft Windows 11 Enterprise`,
    /// `Microsoft Windows Server 2022 Datacenter`, `Ubuntu 22.04`.
    pub os: String,
    /// e.g. `10.0.22631`.
    pub os_build: String,
    /// The primary user's email; a user without an account yet is linked when one appears.
    #[serde(default)]
    pub primary_user: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub manufacturer: Option<String>,
    #[serde(default)]
    pub serial_number: Option<String>,
    #[serde(default)]
    pub domain: Option<String>,
    /// When the on-premises manager last heard from the device (RFC 3339).
    #[serde(default)]
    pub last_seen: Option<String>,
}

/// A full snapshot holds every device of the source: those it no longer holds
/// are handled as `on_missing` says. A partial one holds some.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SnapshotKind {
    Full,
    Partial,
}

/// What a full snapshot does to the source's devices it no longer holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OnMissing {
    /// Kept, marked stale since this sync.
    #[default]
    Stale,
    /// Taken out of the list; a co-managed device stays, managed by the portal alone.
    Remove,
}

/// A snapshot in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InventorySnapshot {
    pub snapshot: SnapshotKind,
    #[serde(default)]
    pub on_missing: OnMissing,
    pub devices: Vec<InventoryRecord>,
}

/// A record refused: its line (CSV: in the file, the header being line 1;
/// JSON: its place in `devices`, from 1) and the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RowError {
    pub line: u64,
    pub field: String,
    pub message: String,
}

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncReport {
    /// Records in the snapshot.
    pub received: u64,
    /// New devices, known on premises only.
    pub created: u64,
    /// Devices whose record changed.
    pub updated: u64,
    /// Enrolled devices matched to a record (same serial number): now co-managed.
    pub co_managed: u64,
    pub unchanged: u64,
    /// Devices the full snapshot no longer holds, marked stale or removed.
    pub stale: u64,
    pub removed: u64,
    /// Records refused, each with why; a full snapshot with any changes nothing.
    pub rejected: Vec<RowError>,
}

/// A token for the on-premises manager, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncToken {
    pub token: String,
}
