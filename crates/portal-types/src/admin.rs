//! The organisation's side: what IT administrators see of every device.

use serde::{Deserialize, Serialize};

use crate::{ComplianceState, DeviceId, Ownership, Platform};

/// Rows of All devices a page holds at most.
pub const MAX_FLEET_PAGE: u32 = 200;

/// Who manages a device: the portal (enrolled through it), the on-premises
/// manager (synced from it), or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ManagedBy {
    Portal,
    OnPremises,
    CoManaged,
}

impl ManagedBy {
    pub const ALL: [ManagedBy; 3] = [ManagedBy::Portal, ManagedBy::OnPremises, ManagedBy::CoManaged];

    pub fn portal() -> Self {
        ManagedBy::Portal
    }

    /// The wire name, as serde writes it; also the database's.
    pub fn as_str(self) -> &'static str {
        match self {
            ManagedBy::Portal => "portal",
            ManagedBy::OnPremises => "on_premises",
            ManagedBy::CoManaged => "co_managed",
        }
    }

    pub fn parse(value: &str) -> Option<ManagedBy> {
        ManagedBy::ALL.into_iter().find(|m| m.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            ManagedBy::Portal => "Portal",
            ManagedBy::OnPremises => "On premises",
            ManagedBy::CoManaged => "Co-managed",
        }
    }
}

/// A column All devices sorts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FleetSort {
    Name,
    User,
    Platform,
    OsVersion,
    Ownership,
    Compliance,
    /// The last check-in, or the enrollment for a device that never checked in.
    LastSeen,
}

impl FleetSort {
    pub const ALL: [FleetSort; 7] = [
        FleetSort::Name,
        FleetSort::User,
        FleetSort::Platform,
        FleetSort::OsVersion,
        FleetSort::Ownership,
        FleetSort::Compliance,
        FleetSort::LastSeen,
    ];

    /// The wire name, as serde writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            FleetSort::Name => "name",
            FleetSort::User => "user",
            FleetSort::Platform => "platform",
            FleetSort::OsVersion => "os_version",
            FleetSort::Ownership => "ownership",
            FleetSort::Compliance => "compliance",
            FleetSort::LastSeen => "last_seen",
        }
    }

    pub fn parse(value: &str) -> Option<FleetSort> {
        FleetSort::ALL.into_iter().find(|s| s.as_str() == value)
    }
}

/// One device of the organisation's, as All devices lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FleetDevice {
    pub id: DeviceId,
    pub name: String,
    /// The user's email and name.
    pub user_email: String,
    pub user_name: String,
    pub platform: Platform,
    pub os_version: String,
    pub model: String,
    pub ownership: Ownership,
    pub compliance: ComplianceState,
    pub managed_by: ManagedBy,
    #[serde(default = "crate::Management::managed")]
    pub management: crate::Management,
    /// RFC 3339: the last check-in, or the enrollment before the first one.
    pub last_seen: String,
    /// When a Reset device completed.
    #[serde(default)]
    pub wiped_at: Option<String>,
}

/// One page of All devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FleetPage {
    pub devices: Vec<FleetDevice>,
    /// Devices matching the filter, over all pages.
    pub total: u64,
    /// Pass as `after` for the next page; absent on the last one.
    #[serde(default)]
    pub next: Option<String>,
}

/// The admin console's first page: the organisation's devices counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Overview {
    /// How the organisation runs device management, and what that offers.
    pub mode: ModeSummary,
    pub total: u64,
    /// Every state, platform and manager, in their order, counted (zero too).
    pub compliance: Vec<ComplianceCount>,
    pub platforms: Vec<PlatformCount>,
    pub managed_by: Vec<ManagedByCount>,
    /// Devices that have not checked in for [`Overview::NOT_SEEN_DAYS`] days.
    pub not_seen: u64,
}

impl Overview {
    /// Intune's default for how long a device may go without checking in.
    pub const NOT_SEEN_DAYS: u32 = 30;
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModeSummary {
    /// `standalone`, `office365` or `hybrid`.
    pub id: String,
    /// As administrators know it: "Standalone", "Office 365", "Hybrid".
    pub name: String,
    /// What the mode offers, a sentence each.
    pub offers: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplianceCount {
    pub state: ComplianceState,
    pub count: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlatformCount {
    pub platform: Platform,
    pub count: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ManagedByCount {
    pub managed_by: ManagedBy,
    pub count: u64,
}

/// Entries of the audit log a page holds at most.
pub const MAX_AUDIT_PAGE: u32 = 200;

/// One entry of the organisation's audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    /// Its place in the log: later entries have higher numbers.
    pub id: i64,
    pub at: String,
    /// Who acted, when known: their email.
    #[serde(default)]
    pub actor: Option<String>,
    /// e.g. `sign_in`, `wipe_requested`, `wipe_completed`, `app_saved`.
    pub action: String,
    /// What it was done to: an email address, a device id, `device/app`.
    #[serde(default)]
    pub subject: Option<String>,
    /// The client's address.
    #[serde(default)]
    pub source: Option<String>,
    pub outcome: String,
    /// What the actor gave with it: an administrator's reason for a Retire
    /// or Reset device.
    #[serde(default)]
    pub detail: Option<String>,
}

/// One page of the audit log, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` for the next (older) page; absent on the last one.
    #[serde(default)]
    pub next: Option<i64>,
}

/// What a device's admin page shows: the device as its owner sees it, the
/// owner, its commands and the audit log's entries about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminDevice {
    pub detail: crate::DeviceDetail,
    pub owner_email: String,
    pub owner_name: String,
    /// Newest first, each with its timeline.
    pub commands: Vec<crate::Command>,
    /// Newest first; the latest 100.
    pub audit: Vec<AuditEntry>,
}

/// The longest reason an administrator gives for an action.
pub const MAX_REASON: usize = 500;

/// Retire or Reset device by an administrator: the device's name typed
/// again, and why (the owner reads it on the device's timeline).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminActionRequest {
    pub device_name: String,
    pub reason: String,
}

impl AdminActionRequest {
    /// Each field's problem, in words for the form.
    pub fn field_errors(&self) -> crate::FieldErrors {
        let mut errors = crate::FieldErrors::default();
        let reason = self.reason.trim();
        if reason.is_empty() {
            errors.add("reason", "reason_missing", "Say why: the device's owner reads it.");
        } else if reason.chars().count() > MAX_REASON {
            errors.add(
                "reason",
                "too_long",
                &format!("Say it in at most {MAX_REASON} characters."),
            );
        } else if reason.chars().any(|c| c.is_control() && c != '\n') {
            errors.add("reason", "reason_characters", "Use letters, digits and punctuation.");
        }
        errors
    }
}
