//! The portal ships as six WebAssembly bundles, so that the first load
//! stays small: the main one (sign-in, devices and both of a device's tabs),
//! the catalog (apps, help and privacy), the account's (security:
//! passkeys, two-step verification, sessions; Activity; and Add device), and two of the admin
//! console's, which employees never download: the fleet's (Overview, All
//! devices, a device's page), the settings' (Apps, Policies, Audit log) and
//! the organisation's (Branding, Terms). The server picks the page a
//! path starts from, and each bundle follows only its own links.

/// A bundle besides the main one: where it is served from, and which paths it shows.
pub struct Bundle {
    pub base: &'static str,
    pub shows: fn(&str) -> bool,
}

pub const CATALOG: Bundle = Bundle {
    base: "/catalog/",
    shows: is_catalog_path,
};

pub const ACCOUNT: Bundle = Bundle {
    base: "/account/",
    shows: is_account_path,
};

pub const ADMIN: Bundle = Bundle {
    base: "/admin/",
    shows: is_admin_path,
};

pub const SETTINGS: Bundle = Bundle {
    base: "/admin-settings/",
    shows: is_settings_path,
};

pub const ORGANISATION: Bundle = Bundle {
    base: "/admin-organisation/",
    shows: is_organisation_path,
};

/// The bundles besides the main one.
pub const OTHERS: [Bundle; 5] = [CATALOG, ACCOUNT, ADMIN, SETTINGS, ORGANISATION];

/// Whether the catalog bundle shows `path`.
pub fn is_catalog_path(path: &str) -> bool {
    matches!(
        path.split('/').find(|s| !s.is_empty()),
        Some("apps" | "help" | "privacy")
    )
}

/// Whether the account's bundle shows `path`: Security, Activity and Add device.
pub fn is_account_path(path: &str) -> bool {
    let mut segments = path.split('/').filter(|s| !s.is_empty());
    matches!(
        (segments.next(), segments.next(), segments.next()),
        (Some("security"), ..) | (Some("activity"), None, None) | (Some("devices"), Some("add"), None)
    )
}

/// Whether the admin console's fleet bundle shows `path`: the console but
/// its settings and the organisation's pages.
pub fn is_admin_path(path: &str) -> bool {
    path.split('/').find(|s| !s.is_empty()) == Some("admin") && !is_settings_path(path) && !is_organisation_path(path)
}

/// `/admin/<page>` for one of `pages`.
fn is_admin_page(path: &str, pages: &[&str]) -> bool {
    let mut segments = path.split('/').filter(|s| !s.is_empty());
    match (segments.next(), segments.next(), segments.next()) {
        (Some("admin"), Some(page), None) => pages.contains(&page),
        _ => false,
    }
}

/// Whether the settings' bundle shows `path`: Apps, Policies and the audit log.
pub fn is_settings_path(path: &str) -> bool {
    is_admin_page(path, &["apps", "audit", "policies"])
}

/// Whether the organisation's bundle shows `path`: Branding, Terms and Published apps.
pub fn is_organisation_path(path: &str) -> bool {
    is_admin_page(path, &["branding", "terms", "published-apps"])
}

/// Whether the main bundle shows `path`: whatever no other does, but the
/// server's own addresses (the gateway's hand-off after Sign in), which
/// load in full.
pub fn is_main_path(path: &str) -> bool {
    !path.starts_with("/api/") && !OTHERS.iter().any(|bundle| (bundle.shows)(path))
}

/// Whether only a signed-in user sees the page at `path`: the routes each
/// bundle's app guards (`guarded`, `admins_only` in the portal); Sign in,
/// Help, Privacy and Page not found are for anyone. The server sends a
/// visitor it knows to be signed out straight to Sign in for these.
pub fn needs_sign_in(path: &str) -> bool {
    matches!(
        path.split('/').find(|s| !s.is_empty()),
        None | Some("devices" | "activity" | "apps" | "security" | "admin")
    )
}

#[cfg(test)]
mod tests {
    use super::{
        is_account_path, is_admin_path, is_catalog_path, is_main_path, is_organisation_path, is_settings_path,
        needs_sign_in,
    };

    #[test]
    fn only_sign_in_help_privacy_and_unknown_pages_are_for_anyone() {
        for path in [
            "/",
            "/devices",
            "/devices/add",
            "/devices/x/apps",
            "/activity",
            "/apps/vpn",
            "/security",
            "/admin/audit",
        ] {
            assert!(needs_sign_in(path), "{path}");
        }
        for path in ["/sign-in", "/help", "/privacy/corporate", "/no/such/page", "/devicesx"] {
            assert!(!needs_sign_in(path), "{path}");
        }
    }

    #[test]
    fn the_servers_own_addresses_are_no_bundles_page() {
        assert!(!is_main_path("/api/v1/gateway/handoff"));
        assert!(
            super::OTHERS
                .iter()
                .all(|bundle| !(bundle.shows)("/api/v1/gateway/handoff"))
        );
        assert!(is_main_path("/devices") && is_main_path("/apix"));
    }

    #[test]
    fn catalog_paths_are_apps_help_and_privacy() {
        for path in ["/apps", "/apps/sentry-vpn", "/help", "/privacy/personal"] {
            assert!(is_catalog_path(path), "{path}");
        }
        for path in [
            "/",
            "/devices",
            "/devices/42",
            "/devices/add",
            "/sign-in",
            "/appsx",
            "/devices/42/apps",
        ] {
            assert!(!is_catalog_path(path), "{path}");
        }
    }

    #[test]
    fn security_activity_and_add_device_are_the_accounts_and_the_rest_the_main_bundles() {
        assert!(is_account_path("/security") && is_account_path("/security/"));
        assert!(!is_account_path("/securityx") && !is_account_path("/devices/security"));
        assert!(is_account_path("/devices/add") && is_account_path("/devices/add/"));
        assert!(!is_account_path("/devices/add/x") && !is_account_path("/devices") && !is_account_path("/devices/42"));
        assert!(is_account_path("/activity") && is_account_path("/activity/"));
        assert!(!is_account_path("/activity/x") && !is_account_path("/activityx"));
        assert!(is_admin_path("/admin") && is_admin_path("/admin/devices"));
        assert!(is_settings_path("/admin/audit") && is_settings_path("/admin/audit/"));
        assert!(is_settings_path("/admin/policies") && !is_admin_path("/admin/policies"));
        assert!(is_settings_path("/admin/apps") && !is_admin_path("/admin/apps"));
        for page in ["/admin/terms", "/admin/branding/"] {
            assert!(
                is_organisation_path(page) && !is_settings_path(page) && !is_admin_path(page),
                "{page}"
            );
        }
        assert!(!is_organisation_path("/admin/terms/x") && !is_organisation_path("/terms"));
        assert!(!is_admin_path("/admin/audit") && !is_settings_path("/admin/audit/x") && !is_settings_path("/admin"));
        assert!(!is_admin_path("/administrator") && !is_admin_path("/devices/admin"));
        // A device's two tabs, one bundle: crossing them loads no page.
        for path in ["/", "/devices", "/devices/42", "/devices/42/apps", "/sign-in"] {
            assert!(is_main_path(path), "{path}");
        }
        for path in [
            "/security",
            "/activity",
            "/devices/add",
            "/apps",
            "/help",
            "/admin",
            "/admin/devices",
            "/admin/audit",
        ] {
            assert!(!is_main_path(path), "{path}");
        }
    }
}
