//! What each audit action is called in the portal: on Activity and in the
//! admin audit log.

/// The action in words: `wipe_requested` → "Reset a device".
pub fn describe(action: &str) -> String {
    let known = match action {
        "sign_in" => "Signed in",
        "sign_out" => "Signed out",
        "sign_out_everywhere" => "Signed out everywhere",
        "reauthenticate" => "Confirmed password",
        "sign_in_passkey" => "Signed in with a passkey",
        "reauthenticate_passkey" => "Confirmed with a passkey",
        "passkey_added" => "Added a passkey",
        "passkey_removed" => "Removed a passkey",
        "passkey_refused" => "A passkey was refused",
        "passkey_copy_refused" => "Refused a copied passkey",
        "second_factor_enabled" => "Turned on two-step verification",
        "second_factor_disabled" => "Turned off two-step verification",
        "second_factor_locked" => "Two-step verification locked after wrong codes",
        "enrollment_code_issued" => "Got an enrollment code",
        "terms_accepted" => "Accepted the terms and conditions",
        "terms_published" => "Published terms and conditions",
        "device_enrolled" => "Enrolled a device",
        "device_renamed" => "Renamed a device",
        "device_removed" => "Removed a device",
        "retire_requested" => "Asked to remove a device",
        "sync_requested" => "Asked a device to check status",
        "lock_requested" => "Locked a device",
        "wipe_requested" => "Reset a device",
        "gateway_access_refused" => "Was refused a published app",
        "gateway_app_published" => "Published an app through the gateway",
        "gateway_app_unpublished" => "Stopped publishing an app",
        _ => "",
    };
    if !known.is_empty() {
        return known.into();
    }
    // `lock_completed`, `wipe_cancelled`, ...: the command, then what became of it.
    match action.split_once('_') {
        Some((kind, result)) => {
            let kind = match kind {
                "sync" => "Check status",
                "lock" => "Lock",
                "wipe" => "Reset device",
                "install" => "Install app",
                "uninstall" => "Uninstall app",
                "retire" => "Remove device",
                other => other,
            };
            format!("{kind}: {result}")
        }
        None => action.into(),
    }
}
