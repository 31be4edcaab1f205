//! Who may install what, and why not.

use portal_types::{AppPackage, CommandKind, DeviceId, InstallState, UserId};
use time::OffsetDateTime;

use crate::db::{AuditEvent, NewCommand, QueueOutcome};

/// Why an Install or Uninstall cannot be queued, given where the app stands
/// on the device (`None`: the device has no record of it).
pub fn refusal(kind: CommandKind, state: Option<InstallState>) -> Option<QueueOutcome> {
    match (kind, state) {
        (_, Some(s)) if s.is_in_progress() => Some(QueueOutcome::InProgress),
        (CommandKind::Install, Some(InstallState::Installed)) => Some(QueueOutcome::AlreadyInstalled),
        (CommandKind::Uninstall, None | Some(InstallState::Failed)) => Some(QueueOutcome::NotInstalled),
        _ => None,
    }
}

/// Where an app stands once the command it waited for expired: an install
/// failed, an uninstall did not happen.
pub fn after_expiry(state: InstallState) -> (InstallState, Option<&'static str>) {
    match state {
        InstallState::Uninstalling => (InstallState::Installed, None),
        InstallState::Pending | InstallState::Installing => (InstallState::Failed, Some(EXPIRED_REASON)),
        settled => (settled, None),
    }
}

/// A required app goes to each supported device that has no record of it:
/// an Install that nobody asked for, audited as the organisation's.
pub fn required_install(
    device_id: DeviceId,
    owner: UserId,
    app: AppPackage,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> (NewCommand, AuditEvent) {
    let audit = AuditEvent::new(now, "install_requested", "required").subject(format!("{device_id}/{}", app.app_id));
    let command = NewCommand {
        app: Some(app),
        ..NewCommand::requested(device_id, owner, CommandKind::Install, now, expires_at)
    };
    (command, audit)
}

/// What a failed install shows when its command ran out of time.
pub const EXPIRED_REASON: &str = "The device did not carry it out before it expired.";
/// When a cancelled command gave no reason.
pub const CANCELLED_REASON: &str = "Cancelled.";
/// When a failed command gave no reason.
pub const NO_REASON: &str = "No reason given.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installs_and_uninstalls_are_refused_for_the_right_reasons() {
        assert!(refusal(CommandKind::Install, None).is_none());
        assert!(refusal(CommandKind::Install, Some(InstallState::Failed)).is_none());
        assert!(matches!(
            refusal(CommandKind::Install, Some(InstallState::Installed)),
            Some(QueueOutcome::AlreadyInstalled)
        ));
        assert!(matches!(
            refusal(CommandKind::Uninstall, None),
            Some(QueueOutcome::NotInstalled)
        ));
        assert!(matches!(
            refusal(CommandKind::Uninstall, Some(InstallState::Pending)),
            Some(QueueOutcome::InProgress)
        ));
        assert!(refusal(CommandKind::Uninstall, Some(InstallState::Installed)).is_none());
    }
}
