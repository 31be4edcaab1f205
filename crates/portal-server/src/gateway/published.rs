//! Published apps: what an administrator may publish, and which app a
//! gateway path reaches.

use portal_types::{AccessRule, Enforcement, FieldErrors, PublishedApp};

/// An app's name: one line, as users see it.
const MAX_NAME: usize = 80;

/// Paths the gateway keeps for itself (the sign-in hand-off), never forwarded.
pub const GATEWAY_PATHS: &str = "/.portal/";

/// What is wrong with `app`, by field; empty when it may be published.
pub fn errors(app: &PublishedApp) -> FieldErrors {
    let mut errors = FieldErrors::default();
    let name = app.name.trim();
    if name.is_empty() {
        errors.add("name", "required", "Enter the app's name.");
    } else if name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        errors.add(
            "name",
            "too_long",
            &format!("Use one line of at most {MAX_NAME} characters."),
        );
    }
    let prefix = &app.prefix;
    if !prefix.starts_with('/') || !prefix.ends_with('/') || prefix.len() < 3 {
        errors.add(
            "prefix",
            "prefix_invalid",
            "Use a path that begins and ends with /, such as /expenses/.",
        );
    } else if prefix.starts_with(GATEWAY_PATHS)
        || prefix.contains("//")
        || prefix.split('/').any(|part| part == "." || part == "..")
        || !prefix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/-._~".contains(&b))
    {
        errors.add(
            "prefix",
            "prefix_invalid",
            "Use letters, digits, - . _ ~ between slashes (not /.portal/, kept by the gateway).",
        );
    }
    if upstream(&app.upstream).is_none() {
        errors.add(
            "upstream",
            "upstream_invalid",
            "Use an http:// or https:// address without a user, a query or a fragment.",
        );
    }
    errors
}

/// The upstream address as the gateway forwards to it: http or https,
/// nothing but a host, a port and a path, written the one way `url` writes
/// it, without a final slash.
fn upstream(address: &str) -> Option<String> {
    let url = url::Url::parse(address.trim()).ok()?;
    let plain = matches!(url.scheme(), "http" | "https")
        && url.host().is_some()
        && url.username().is_empty()
        && url.password().is_none()
        && url.query().is_none()
        && url.fragment().is_none();
    let written = url.as_str().trim_end_matches('/').to_string();
    (plain && written.parse::<hyper::Uri>().is_ok()).then_some(written)
}

/// The app as stored: its name trimmed, its upstream as [`upstream`] writes it.
pub fn tidied(mut app: PublishedApp) -> PublishedApp {
    app.name = app.name.trim().to_string();
    if let Some(upstream) = upstream(&app.upstream) {
        app.upstream = upstream;
    }
    app
}

/// Whether a request's path may be forwarded as it is: no dot segments,
/// empty segments or backslashes, spelled out or percent-encoded, nor an
/// encoded slash, any of which could reach past the app's own path on its
/// upstream (or another app's, with another rule). A segment's parameters
/// do not hide a dot or empty segment (`..;x`, `;x`): servlet containers
/// drop them.
pub fn plain_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let encoded = ["%2e", "%2f", "%5c"].iter().any(|e| lower.contains(e));
    !encoded
        && !path.contains('\\')
        && !path.contains("//")
        && !path.split('/').any(|segment| {
            let bare = segment.split_once(';').map_or(segment, |(bare, _)| bare);
            bare == "." || bare == ".." || (bare.is_empty() && !segment.is_empty())
        })
}

/// Reads `--publish NAME=PREFIX=URL`: the guide's rule (a registered,
/// compliant device of a signed-in user), required.
pub fn from_flag(flag: &str) -> Result<PublishedApp, String> {
    let mut parts = flag.splitn(3, '=');
    let (Some(name), Some(prefix), Some(upstream)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!(
            "--publish {flag}: expected NAME=PREFIX=URL, as Expenses=/expenses/=http://127.0.0.1:9000"
        ));
    };
    let app = PublishedApp {
        name: name.into(),
        prefix: prefix.into(),
        upstream: upstream.into(),
        rule: AccessRule::REGISTERED_COMPLIANT_DEVICE,
        enforcement: Enforcement::Required,
    };
    let errors = errors(&app);
    if let Some(error) = errors.0.first() {
        return Err(format!("--publish {flag}: {}: {}", error.field, error.message));
    }
    Ok(tidied(app))
}

/// The app whose prefix is the longest that `path` starts with; a path
/// equal to a prefix without its final slash counts too (`/expenses`).
pub fn reached_by<'a>(apps: &'a [PublishedApp], path: &str) -> Option<&'a PublishedApp> {
    apps.iter()
        .filter(|app| path.starts_with(&app.prefix) || path == app.prefix.trim_end_matches('/'))
        .max_by_key(|app| app.prefix.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(name: &str, prefix: &str) -> PublishedApp {
        PublishedApp {
            name: name.into(),
            prefix: prefix.into(),
            upstream: "http://127.0.0.1:9000".into(),
            rule: AccessRule::REGISTERED_COMPLIANT_DEVICE,
            enforcement: Enforcement::Required,
        }
    }

    #[test]
    fn the_longest_prefix_wins_and_a_bare_prefix_counts() {
        let apps = [app("Expenses", "/expenses/"), app("Reports", "/expenses/reports/")];
        assert_eq!(reached_by(&apps, "/expenses/new").unwrap().name, "Expenses");
        assert_eq!(reached_by(&apps, "/expenses/reports/q3").unwrap().name, "Reports");
        assert_eq!(reached_by(&apps, "/expenses").unwrap().name, "Expenses");
        assert!(reached_by(&apps, "/expensesx").is_none());
        assert!(reached_by(&apps, "/").is_none());
    }

    #[test]
    fn prefixes_stay_plain_paths_outside_the_gateways_own() {
        for prefix in [
            "expenses/",
            "/expenses",
            "/",
            "/.portal/x/",
            "/a/../b/",
            "/a//b/",
            "/a b/",
            "/%2e%2e/",
        ] {
            assert!(!errors(&app("X", prefix)).is_empty(), "{prefix}");
        }
        assert!(errors(&app("X", "/team-a/expenses_v2/")).is_empty());
    }

    #[test]
    fn the_flag_reads_name_prefix_and_address() {
        let app = from_flag("Expenses=/expenses/=http://127.0.0.1:9000/").unwrap();
        assert_eq!((app.name.as_str(), app.prefix.as_str()), ("Expenses", "/expenses/"));
        assert_eq!(app.upstream, "http://127.0.0.1:9000");
        assert_eq!(app.rule, AccessRule::REGISTERED_COMPLIANT_DEVICE);
        assert!(from_flag("Expenses=/expenses/").is_err());
        assert!(from_flag("Expenses=/expenses/=ftp://x").is_err());
        for address in [
            "http://user@intranet/",
            "http://intranet/?a=1",
            "http://intranet/#x",
            "ftp://intranet/",
        ] {
            assert!(upstream(address).is_none(), "{address}");
        }
        assert_eq!(
            upstream(" http://Intranet:8080/expenses/ ").unwrap(),
            "http://intranet:8080/expenses"
        );
    }

    #[test]
    fn only_plain_paths_go_through() {
        for path in [
            "/expenses/../admin",
            "/expenses/%2e%2E/admin",
            "/expenses/a%2Fb",
            "/expenses//x",
            "/expenses/a\\b",
            "/expenses/%5c",
            "/expenses/./x",
            "/expenses/..;/admin",
            "/expenses/..;jsessionid=1/admin",
            "/expenses/.;x/admin",
            "/expenses/;x/admin",
        ] {
            assert!(!plain_path(path), "{path}");
        }
        assert!(plain_path("/expenses/claims/7.json") && plain_path("/expenses/") && plain_path("/expenses/a%20b"));
        assert!(plain_path("/expenses/claims;jsessionid=1/7") && plain_path("/expenses/..x;y"));
    }
}
