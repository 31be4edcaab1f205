//! The API's values in the reader's words: ownership, management, compliance,
//! commands and installs and where they stand. (Platforms keep their product names.)

use portal_types::{CommandKind, CommandState, ComplianceState, InstallState, ManagedBy, Management, Ownership};

use crate::i18n::{msg::label, tr};

pub fn ownership(ownership: Ownership) -> &'static str {
    tr(match ownership {
        Ownership::Corporate => label::CORPORATE,
        Ownership::Personal => label::PERSONAL,
    })
}

pub fn management(management: Management) -> &'static str {
    tr(match management {
        Management::Registered => label::REGISTERED,
        Management::Managed => label::MANAGED,
    })
}

pub fn compliance(state: ComplianceState) -> &'static str {
    tr(match state {
        ComplianceState::CanAccess => label::CAN_ACCESS,
        ComplianceState::OutOfCompliance => label::OUT_OF_COMPLIANCE,
        ComplianceState::CannotAccess => label::CANNOT_ACCESS,
    })
}

/// What an employee reads on their device, where it is not the portal's alone.
pub fn managed_by_note(managed_by: ManagedBy) -> Option<&'static str> {
    match managed_by {
        ManagedBy::Portal => None,
        ManagedBy::OnPremises => Some(tr(label::MANAGED_ON_PREMISES)),
        ManagedBy::CoManaged => Some(tr(label::CO_MANAGED)),
    }
}

pub fn command(kind: CommandKind) -> &'static str {
    tr(match kind {
        CommandKind::Sync => label::CHECK_STATUS,
        CommandKind::Lock => label::LOCK,
        CommandKind::Wipe => label::RESET_DEVICE,
        CommandKind::Install => label::INSTALL_APP,
        CommandKind::Uninstall => label::UNINSTALL_APP,
        CommandKind::Retire => label::REMOVE_DEVICE,
    })
}

pub fn command_state(state: CommandState) -> &'static str {
    tr(match state {
        CommandState::Requested => label::REQUESTED,
        CommandState::Delivered => label::DELIVERED,
        CommandState::Acknowledged => label::ACKNOWLEDGED,
        CommandState::Completed => label::COMPLETED,
        CommandState::Failed => label::FAILED,
        CommandState::Cancelled => label::CANCELLED,
        CommandState::Expired => label::EXPIRED,
    })
}

pub fn install_state(state: InstallState) -> &'static str {
    tr(match state {
        InstallState::Pending => label::PENDING,
        InstallState::Installing => label::INSTALLING,
        InstallState::Installed => label::INSTALLED,
        InstallState::Failed => label::FAILED,
        InstallState::Uninstalling => label::UNINSTALLING,
    })
}
