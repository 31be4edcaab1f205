//! Remote actions: commands queued for a device, and what became of them.

use serde::{Deserialize, Serialize};

pub use crate::ids::CommandId;
use crate::{AppPackage, DeviceId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CommandKind {
    /// Check status: the device checks in now.
    Sync,
    /// Lock the screen, showing a message and a phone number.
    Lock,
    /// Reset device: erase everything (a factory reset).
    Wipe,
    /// Install a catalog app.
    Install,
    /// Uninstall a catalog app.
    Uninstall,
    /// Remove device: the device takes corporate apps and data off itself,
    /// then its certificate is revoked and the device object deleted.
    Retire,
}

impl CommandKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CommandKind::Sync => "sync",
            CommandKind::Lock => "lock",
            CommandKind::Wipe => "wipe",
            CommandKind::Install => "install",
            CommandKind::Uninstall => "uninstall",
            CommandKind::Retire => "retire",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [
            CommandKind::Sync,
            CommandKind::Lock,
            CommandKind::Wipe,
            CommandKind::Install,
            CommandKind::Uninstall,
            CommandKind::Retire,
        ]
        .into_iter()
        .find(|k| k.as_str() == value)
    }
}

/// Requested → Delivered → Acknowledged → Completed, or Failed, Cancelled, Expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CommandState {
    Requested,
    Delivered,
    Acknowledged,
    Completed,
    Failed,
    Cancelled,
    Expired,
}

impl CommandState {
    pub const ALL: [CommandState; 7] = [
        CommandState::Requested,
        CommandState::Delivered,
        CommandState::Acknowledged,
        CommandState::Completed,
        CommandState::Failed,
        CommandState::Cancelled,
        CommandState::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CommandState::Requested => "requested",
            CommandState::Delivered => "delivered",
            CommandState::Acknowledged => "acknowledged",
            CommandState::Completed => "completed",
            CommandState::Failed => "failed",
            CommandState::Cancelled => "cancelled",
            CommandState::Expired => "expired",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// No further change can happen.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            CommandState::Completed | CommandState::Failed | CommandState::Cancelled | CommandState::Expired
        )
    }
}

/// A command and its timeline, as the device's page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Command {
    pub id: CommandId,
    pub device_id: DeviceId,
    pub kind: CommandKind,
    pub state: CommandState,
    #[serde(default)]
    pub lock_message: Option<String>,
    #[serde(default)]
    pub lock_phone: Option<String>,
    /// The app's name, for Install and Uninstall.
    #[serde(default)]
    pub app_name: Option<String>,
    /// RFC 3339 times of each step reached.
    pub requested_at: String,
    #[serde(default)]
    pub delivered_at: Option<String>,
    #[serde(default)]
    pub acknowledged_at: Option<String>,
    /// When it completed, failed, was cancelled or expired.
    #[serde(default)]
    pub finished_at: Option<String>,
    pub expires_at: String,
    #[serde(default)]
    pub failure_reason: Option<String>,
    /// The administrator who asked for it, when the owner did not.
    #[serde(default)]
    pub requested_by: Option<String>,
    /// Why the administrator asked.
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommandsResponse {
    pub commands: Vec<Command>,
}

/// Lock: what the lock screen shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LockRequest {
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

/// A command as the device receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceCommand {
    pub id: CommandId,
    pub kind: CommandKind,
    #[serde(default)]
    pub lock_message: Option<String>,
    #[serde(default)]
    pub lock_phone: Option<String>,
    #[serde(default)]
    pub app: Option<AppPackage>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CommandOutcome {
    Completed,
    Failed,
    /// The device cannot do it now; the command is delivered again later.
    NotNow,
}

/// The device's report on a command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommandReport {
    pub outcome: CommandOutcome,
    #[serde(default)]
    pub reason: Option<String>,
}

/// The longest reason a device may give for a failed command.
pub const MAX_REASON: usize = 500;

impl CommandReport {
    pub fn field_errors(&self) -> crate::FieldErrors {
        let mut errors = crate::FieldErrors::default();
        if self.reason.as_ref().is_some_and(|r| r.chars().count() > MAX_REASON) {
            errors.add("reason", "too_long", &format!("Use at most {MAX_REASON} characters."));
        }
        errors
    }
}

/// Reset device: the device's name, typed again, as the last guard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WipeRequest {
    pub device_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RenameRequest {
    pub name: String,
}

/// One line of the user's activity: what they did, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityEntry {
    pub at: String,
    /// e.g. `sign_in`, `lock_requested`, `wipe_completed`, `device_removed`.
    pub action: String,
    #[serde(default)]
    pub subject: Option<String>,
    pub outcome: String,
    /// Who did it, when it was not the user: an administrator, by name.
    #[serde(default)]
    pub by: Option<String>,
    /// The administrator's reason, for a Retire or Reset device.
    #[serde(default)]
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityResponse {
    pub entries: Vec<ActivityEntry>,
}
