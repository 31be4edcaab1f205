//! The API's values in the reader's words: ownership, management, compliance,
//! commands and installs and where they stand. (Platforms keep their product names.)

use portal_types::{
    CommandKind, CommandState, ComplianceReason, ComplianceState, InstallState, ManagedBy, Management, ModeSummary,
    Ownership,
};

use crate::i18n::{
    self, Msg,
    msg::{category, fleet, label, server},
    server_words, tr, trf,
};

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

/// A failed rule's problem and its fix, in the reader's words (a rule this
/// portal does not know keeps the server's).
pub fn compliance_reason(reason: ComplianceReason) -> (String, String) {
    let (problem, fix) = match reason.rule.as_str() {
        "os_version" => (server::OS_VERSION_PROBLEM, server::OS_VERSION_FIX),
        "encryption" => (server::ENCRYPTION_PROBLEM, server::ENCRYPTION_FIX),
        "passcode" => (server::PASSCODE_PROBLEM, server::PASSCODE_FIX),
        "jailbroken" => (server::JAILBROKEN_PROBLEM, server::JAILBROKEN_FIX),
        "check_in" => (server::CHECK_IN_PROBLEM, server::CHECK_IN_FIX),
        _ => return (reason.problem, reason.fix),
    };
    // Figures missing (a reason judged before the server sent them): its English.
    let Some(figures) = reason.figures() else {
        return (reason.problem, reason.fix);
    };
    (
        server_words(problem, reason.problem.clone(), &figures),
        server_words(fix, reason.fix.clone(), &figures),
    )
}

/// A catalog category (one of `portal_types::apps::CATEGORIES`, which the
/// API and the address keep in English) in the reader's words.
pub fn category(name: &str) -> &str {
    const WORDS: [Msg; 8] = [
        category::PRODUCTIVITY,
        category::COMMUNICATION,
        category::SECURITY,
        category::DEVELOPER_TOOLS,
        category::FINANCE,
        category::HR,
        category::DESIGN,
        category::UTILITIES,
    ];
    portal_types::apps::CATEGORIES
        .iter()
        .position(|known| *known == name)
        .map_or(name, |place| tr(WORDS[place]))
}

/// "1 device", "12 devices".
pub fn device_count(count: u64) -> String {
    match count {
        1 => tr(fleet::ONE_DEVICE).into(),
        n => trf(fleet::DEVICES, &[("count", &n.to_string())]),
    }
}

/// The provisioning mode's name and what it offers, in the reader's words
/// (a mode this portal does not know keeps the server's).
pub fn provisioning_mode(mode: ModeSummary) -> (String, Vec<String>) {
    let words = match mode.id.as_str() {
        "standalone" => [
            server::STANDALONE,
            server::STANDALONE_OFFERS_1,
            server::STANDALONE_OFFERS_2,
            server::STANDALONE_OFFERS_3,
        ],
        "office365" => [
            server::OFFICE365,
            server::OFFICE365_OFFERS_1,
            server::OFFICE365_OFFERS_2,
            server::OFFICE365_OFFERS_3,
        ],
        "hybrid" => [
            server::HYBRID,
            server::HYBRID_OFFERS_1,
            server::HYBRID_OFFERS_2,
            server::HYBRID_OFFERS_3,
        ],
        _ => return (mode.name, mode.offers),
    };
    if i18n::language() == "en" || mode.offers.len() != words.len() - 1 {
        return (mode.name, mode.offers);
    }
    (
        tr(words[0]).into(),
        words[1..].iter().map(|offer| tr(*offer).into()).collect(),
    )
}

/// Who manages a device: the portal, the on-premises tools, or both.
pub fn managed_by(managed_by: ManagedBy) -> &'static str {
    tr(match managed_by {
        ManagedBy::Portal => label::BY_PORTAL,
        ManagedBy::OnPremises => label::BY_ON_PREMISES,
        ManagedBy::CoManaged => label::BY_CO_MANAGED,
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
