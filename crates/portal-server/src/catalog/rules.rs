//! Who may install what, and why not.

use portal_types::{CommandKind, InstallState};

use crate::db::AppCommandOutcome;

/// Why an Install or Uninstall cannot be queued, given where the app stands
/// on the device (`None`: the device has no record of it).
pub fn refusal(kind: CommandKind, state: Option<InstallState>) -> Option<AppCommandOutcome> {
    match (kind, state) {
        (_, Some(s)) if s.is_in_progress() => Some(AppCommandOutcome::InProgress),
        (CommandKind::Install, Some(InstallState::Installed)) => Some(AppCommandOutcome::AlreadyInstalled),
        (CommandKind::Uninstall, None | Some(InstallState::Failed)) => Some(AppCommandOutcome::NotInstalled),
        _ => None,
    }
}

/// What a failed install shows when its command ran out of time.
pub const EXPIRED_REASON: &str = "The device did not take it before it expired.";
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
            Some(AppCommandOutcome::AlreadyInstalled)
        ));
        assert!(matches!(
            refusal(CommandKind::Uninstall, None),
            Some(AppCommandOutcome::NotInstalled)
        ));
        assert!(matches!(
            refusal(CommandKind::Uninstall, Some(InstallState::Pending)),
            Some(AppCommandOutcome::InProgress)
        ));
        assert!(refusal(CommandKind::Uninstall, Some(InstallState::Installed)).is_none());
    }
}
