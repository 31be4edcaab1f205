//! The portal ships as two WebAssembly bundles, so that the first load stays
//! small: the main one (sign-in, devices, security, activity) and the catalog
//! (apps, a device's Apps tab, help and privacy). The server picks the page
//! a path starts from, and each bundle follows only its own links.

/// Where the catalog bundle is served from.
pub const CATALOG_BASE: &str = "/catalog/";

/// Whether the catalog bundle shows `path`.
pub fn is_catalog_path(path: &str) -> bool {
    let mut segments = path.split('/').filter(|s| !s.is_empty());
    matches!(
        (segments.next(), segments.next(), segments.next(), segments.next()),
        (Some("apps" | "help" | "privacy"), ..) | (Some("devices"), Some(_), Some("apps"), None)
    )
}

#[cfg(test)]
mod tests {
    use super::is_catalog_path;

    #[test]
    fn catalog_paths_are_apps_help_privacy_and_a_devices_apps_tab() {
        for path in [
            "/apps",
            "/apps/sentry-vpn",
            "/help",
            "/privacy/personal",
            "/devices/42/apps/",
        ] {
            assert!(is_catalog_path(path), "{path}");
        }
        for path in [
            "/",
            "/devices",
            "/devices/42",
            "/devices/add",
            "/sign-in",
            "/appsx",
            "/devices/42/apps/x",
        ] {
            assert!(!is_catalog_path(path), "{path}");
        }
    }
}
