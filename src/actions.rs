//! What each audit action is called in the portal: on Activity and in the
//! admin audit log.

use crate::i18n::{
    msg::{audit, label},
    tr,
};

/// The action in words: `wipe_requested` → "Reset a device".
pub fn describe(action: &str) -> String {
    let message = match action {
        "sign_in" => audit::SIGN_IN,
        "sign_out" => audit::SIGN_OUT,
        "sign_out_everywhere" => audit::SIGN_OUT_EVERYWHERE,
        "reauthenticate" => audit::REAUTHENTICATE,
        "sign_in_passkey" => audit::SIGN_IN_PASSKEY,
        "reauthenticate_passkey" => audit::REAUTHENTICATE_PASSKEY,
        "passkey_added" => audit::PASSKEY_ADDED,
        "passkey_removed" => audit::PASSKEY_REMOVED,
        "passkey_refused" => audit::PASSKEY_REFUSED,
        "passkey_copy_refused" => audit::PASSKEY_COPY_REFUSED,
        "second_factor_enabled" => audit::SECOND_FACTOR_ENABLED,
        "second_factor_disabled" => audit::SECOND_FACTOR_DISABLED,
        "second_factor_locked" => audit::SECOND_FACTOR_LOCKED,
        "enrollment_code_issued" => audit::ENROLLMENT_CODE_ISSUED,
        "terms_accepted" => audit::TERMS_ACCEPTED,
        "terms_published" => audit::TERMS_PUBLISHED,
        "device_enrolled" => audit::DEVICE_ENROLLED,
        "device_registered" => audit::DEVICE_REGISTERED,
        "device_renamed" => audit::DEVICE_RENAMED,
        "device_removed" => audit::DEVICE_REMOVED,
        "retire_requested" => audit::RETIRE_REQUESTED,
        "sync_requested" => audit::SYNC_REQUESTED,
        "lock_requested" => audit::LOCK_REQUESTED,
        "wipe_requested" => audit::WIPE_REQUESTED,
        "gateway_access_refused" => audit::GATEWAY_ACCESS_REFUSED,
        "gateway_app_published" => audit::GATEWAY_APP_PUBLISHED,
        "gateway_app_unpublished" => audit::GATEWAY_APP_UNPUBLISHED,
        _ => return by_command(action),
    };
    tr(message).into()
}

/// `lock_completed`, `wipe_cancelled`, ...: the command, then what became of it.
fn by_command(action: &str) -> String {
    match action.split_once('_') {
        Some((kind, result)) => {
            let kind = match kind {
                "sync" => label::CHECK_STATUS,
                "lock" => label::LOCK,
                "wipe" => label::RESET_DEVICE,
                "install" => label::INSTALL_APP,
                "uninstall" => label::UNINSTALL_APP,
                "retire" => label::REMOVE_DEVICE,
                _ => return action.into(),
            };
            let result = match result {
                "completed" => audit::RESULT_COMPLETED,
                "failed" => audit::RESULT_FAILED,
                "cancelled" => audit::RESULT_CANCELLED,
                "expired" => audit::RESULT_EXPIRED,
                "requested" => audit::RESULT_REQUESTED,
                _ => return format!("{}: {result}", tr(kind)),
            };
            format!("{}: {}", tr(kind), tr(result))
        }
        None => action.into(),
    }
}
