//! What a command's move along its timeline means, beyond its own row.

use portal_types::{CommandKind, CommandState};
use time::OffsetDateTime;

/// A completed Reset device: the device is erased, so from now on its
/// certificate is refused and it shows Wiped.
pub fn erases_device(kind: CommandKind, reached: CommandState) -> bool {
    kind == CommandKind::Wipe && reached == CommandState::Completed
}

/// A command its device had not taken when its time to live ran out has
/// expired, whether or not that is written down yet: reads show it so, and
/// writes mark it so before they look at the queue.
pub fn expired_by(state: CommandState, expires_at: OffsetDateTime, now: OffsetDateTime) -> bool {
    matches!(state, CommandState::Requested | CommandState::Delivered) && expires_at <= now
}

/// Why the commands waiting when a Reset device was queued were cancelled:
/// nothing queued before a wipe runs after it.
pub const REPLACED_BY_RESET: &str = "Replaced by Reset device";

/// The audit log's name for a command reaching a state, e.g. `wipe_completed`.
pub fn audit_action(kind: CommandKind, reached: CommandState) -> String {
    format!("{}_{}", kind.as_str(), reached.as_str())
}

/// Whether reaching the state is written in the audit log: the final ones.
pub fn audited(reached: CommandState) -> bool {
    reached.is_final()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_completed_reset_erases() {
        assert!(erases_device(CommandKind::Wipe, CommandState::Completed));
        assert!(!erases_device(CommandKind::Wipe, CommandState::Failed));
        assert!(!erases_device(CommandKind::Lock, CommandState::Completed));
    }

    #[test]
    fn only_commands_not_taken_expire_and_only_once_due() {
        let due = OffsetDateTime::UNIX_EPOCH + time::Duration::hours(1);
        let before = due - time::Duration::seconds(1);
        assert!(expired_by(CommandState::Requested, due, due));
        assert!(expired_by(CommandState::Delivered, due, due));
        assert!(!expired_by(CommandState::Requested, due, before));
        assert!(!expired_by(CommandState::Acknowledged, due, due));
        assert!(!expired_by(CommandState::Completed, due, due));
    }

    #[test]
    fn audit_actions_name_kind_and_state() {
        assert_eq!(
            audit_action(CommandKind::Wipe, CommandState::Completed),
            "wipe_completed"
        );
    }
}
