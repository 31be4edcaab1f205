//! What each audit action and its outcome are called in the portal: on
//! Activity and in the admin audit log.

use crate::{
    format,
    i18n::{
        msg::{audit, label},
        tr, trf,
    },
};

/// The action in words: `wipe_requested` → "Asked to reset a device".
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
        "admin_access_refused" => audit::ADMIN_ACCESS_REFUSED,
        "enrollment_refused" => audit::ENROLLMENT_REFUSED,
        "revoked_device_refused" => audit::REVOKED_DEVICE_REFUSED,
        "gateway_app_published" => audit::GATEWAY_APP_PUBLISHED,
        "gateway_app_unpublished" => audit::GATEWAY_APP_UNPUBLISHED,
        "app_added" => audit::APP_ADDED,
        "app_changed" => audit::APP_CHANGED,
        "app_retired" => audit::APP_RETIRED,
        "branding_changed" => audit::BRANDING_CHANGED,
        "policy_changed" => audit::POLICY_CHANGED,
        "inventory_synced" => audit::INVENTORY_SYNCED,
        "sync_token_created" => audit::SYNC_TOKEN_CREATED,
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
            match command_result(result) {
                Some(result) => format!("{}: {}", tr(kind), tr(result)),
                None => format!("{}: {result}", tr(kind)),
            }
        }
        None => action.into(),
    }
}

/// What became of a command, as its audit action or outcome ends.
fn command_result(result: &str) -> Option<crate::i18n::Msg> {
    Some(match result {
        "completed" => audit::RESULT_COMPLETED,
        "failed" | "failure" => audit::RESULT_FAILED,
        "cancelled" => audit::RESULT_CANCELLED,
        "expired" => audit::RESULT_EXPIRED,
        "requested" => audit::RESULT_REQUESTED,
        "delivered" => audit::RESULT_DELIVERED,
        "acknowledged" => audit::RESULT_ACKNOWLEDGED,
        _ => return None,
    })
}

/// The outcome in words: `rate_limited` → "too many attempts"; a lock's
/// `until <RFC 3339>` with its time as the reader writes it.
pub fn outcome(outcome: &str) -> String {
    if let Some(until) = outcome.strip_prefix("until ") {
        return trf(audit::OUTCOME_UNTIL, &[("time", &format::date_time(until))]);
    }
    let message = match outcome {
        "success" => audit::OUTCOME_SUCCESS,
        "rate_limited" => audit::OUTCOME_RATE_LIMITED,
        "second_factor_failure" => audit::OUTCOME_SECOND_FACTOR_FAILURE,
        "another_users_passkey" => audit::OUTCOME_ANOTHER_USERS_PASSKEY,
        "required" => audit::OUTCOME_REQUIRED,
        "refused" => audit::OUTCOME_REFUSED,
        "allowed_in_audit_mode" => audit::OUTCOME_ALLOWED_IN_AUDIT_MODE,
        other => match command_result(other) {
            Some(result) => result,
            None => return other.replace('_', " "),
        },
    };
    tr(message).into()
}
