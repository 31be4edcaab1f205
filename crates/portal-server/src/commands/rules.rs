//! What a command's move along its timeline means, beyond its own row.

use portal_types::{CommandKind, CommandState, Management, Ownership};
use time::OffsetDateTime;

/// A completed Reset device: the device is erased, so from now on its
/// certificate is refused and it shows Wiped.
pub fn erases_device(kind: CommandKind, reached: CommandState) -> bool {
    kind == CommandKind::Wipe && reached == CommandState::Completed
}

/// A Remove device the device carried out, or could not be reached for
/// before its time ran out: the certificate is refused and the device object
/// deleted. One that failed on the device leaves it as it is, to be asked again.
pub fn removes_device(kind: CommandKind, reached: CommandState) -> bool {
    kind == CommandKind::Retire && matches!(reached, CommandState::Completed | CommandState::Expired)
}

/// Whether the device takes commands: a registered device is not managed,
/// so it takes none but Remove device, which needs nothing of it.
pub fn takes_commands(management: Management) -> bool {
    management == Management::Managed
}

/// Whether an administrator may reset the device: not a personal one, which
/// only its owner may erase (as Privacy tells them); the organisation takes
/// its own apps and data off it with Retire.
pub fn administrator_may_reset(ownership: Ownership) -> bool {
    ownership == Ownership::Corporate
}

/// Whether Remove device deletes the device object at once instead of
/// queuing a Retire for the device to carry out: a reset device has nothing
/// left to take off it, and a registered one never had anything put on it.
pub fn removed_at_once(wiped: bool, management: Management) -> bool {
    wiped || management == Management::Registered
}

/// A command whose time to live ran out before its device took it, or
/// before the device reported how it ended, has expired, whether or not
/// that is written down yet: reads show it so, and writes mark it so before
/// they look at the queue. Except an acknowledged Reset: the device it
/// erased may never report again.
pub fn expired_by(kind: CommandKind, state: CommandState, expires_at: OffsetDateTime, now: OffsetDateTime) -> bool {
    let waiting = match state {
        CommandState::Requested | CommandState::Delivered => true,
        CommandState::Acknowledged => kind != CommandKind::Wipe,
        _ => false,
    };
    waiting && expires_at <= now
}

/// Why the commands waiting when a Reset device was queued were cancelled:
/// nothing queued before a wipe runs after it.
pub const REPLACED_BY_RESET: &str = "Replaced by Reset device";

/// Likewise for a Remove device: the device leaves management.
pub const REPLACED_BY_REMOVE: &str = "Replaced by Remove device";

/// The audit action of a device object deleted at once ([`removed_at_once`]).
pub const DEVICE_REMOVED: &str = "device_removed";

/// The audit log's name for a command reaching a state, e.g. `wipe_completed`.
pub fn audit_action(kind: CommandKind, reached: CommandState) -> String {
    format!("{}_{}", kind.as_str(), reached.as_str())
}

/// Whether reaching the state is written in the audit log: the final ones,
/// and every step of what an owner follows for a lost or leaving device
/// (Lock, Reset device, Remove device), as its timeline shows them.
pub fn audited(kind: CommandKind, reached: CommandState) -> bool {
    let followed = matches!(kind, CommandKind::Lock | CommandKind::Wipe | CommandKind::Retire);
    reached.is_final() || (followed && matches!(reached, CommandState::Delivered | CommandState::Acknowledged))
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
    fn a_remove_device_completed_or_out_of_time_removes_the_device() {
        assert!(removes_device(CommandKind::Retire, CommandState::Completed));
        assert!(removes_device(CommandKind::Retire, CommandState::Expired));
        assert!(!removes_device(CommandKind::Retire, CommandState::Failed));
        assert!(!removes_device(CommandKind::Retire, CommandState::Cancelled));
        assert!(!removes_device(CommandKind::Wipe, CommandState::Completed));
    }

    #[test]
    fn a_registered_device_takes_no_command_and_is_removed_at_once() {
        assert!(!takes_commands(Management::Registered));
        assert!(takes_commands(Management::Managed));
        assert!(removed_at_once(false, Management::Registered));
        assert!(removed_at_once(true, Management::Managed));
        assert!(!removed_at_once(false, Management::Managed));
    }

    #[test]
    fn commands_not_finished_expire_once_due_but_an_acknowledged_reset() {
        let due = OffsetDateTime::UNIX_EPOCH + time::Duration::hours(1);
        let before = due - time::Duration::seconds(1);
        let install = CommandKind::Install;
        assert!(expired_by(install, CommandState::Requested, due, due));
        assert!(expired_by(install, CommandState::Delivered, due, due));
        assert!(!expired_by(install, CommandState::Requested, due, before));
        assert!(
            expired_by(install, CommandState::Acknowledged, due, due),
            "never Installing forever"
        );
        assert!(!expired_by(CommandKind::Wipe, CommandState::Acknowledged, due, due));
        assert!(expired_by(CommandKind::Wipe, CommandState::Delivered, due, due));
        assert!(!expired_by(install, CommandState::Completed, due, due));
    }

    #[test]
    fn every_step_of_a_lost_or_leaving_device_is_audited_and_the_end_of_any_command() {
        for kind in [CommandKind::Lock, CommandKind::Wipe, CommandKind::Retire] {
            assert!(audited(kind, CommandState::Delivered));
            assert!(audited(kind, CommandState::Acknowledged));
        }
        assert!(!audited(CommandKind::Install, CommandState::Delivered));
        assert!(!audited(CommandKind::Sync, CommandState::Acknowledged));
        assert!(audited(CommandKind::Install, CommandState::Expired));
        assert!(
            !audited(CommandKind::Lock, CommandState::Requested),
            "a device's Not now puts it back, asked by nobody"
        );
    }

    #[test]
    fn audit_actions_name_kind_and_state() {
        assert_eq!(
            audit_action(CommandKind::Wipe, CommandState::Completed),
            "wipe_completed"
        );
    }
}
