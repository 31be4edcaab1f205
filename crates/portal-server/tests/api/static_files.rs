use std::io::Write;

use reqwest::{StatusCode, header};

use crate::helpers::spawn_with;

const WASM: &str = "portal-0123456789abcdef_bg.wasm";
const WASM_BYTES: &[u8] = b"\0asm\x01\0\0\0";
const BROTLI_MARKER: &[u8] = b"pretend-brotli";

fn write(path: std::path::PathBuf, bytes: &[u8]) {
    std::fs::File::create(path).unwrap().write_all(bytes).unwrap();
}

async fn app_with_dist() -> crate::helpers::TestApp {
    let dist = built_portal();
    spawn_with(|config| config.dist_dir = dist).await
}

/// A portal's built files, as far as serving them goes.
fn built_portal() -> std::path::PathBuf {
    let dist = tempfile::tempdir().unwrap().keep();
    write(dist.join("index.html"), b"<!doctype html><title>Company Portal</title>");
    std::fs::create_dir(dist.join("catalog")).unwrap();
    write(
        dist.join("catalog/index.html"),
        b"<!doctype html><title>Company Portal: Apps</title>",
    );
    write(dist.join(WASM), WASM_BYTES);
    write(dist.join(format!("{WASM}.br")), BROTLI_MARKER);
    std::fs::create_dir(dist.join("web-app")).unwrap();
    write(dist.join("web-app/sw.js"), b"self.addEventListener('fetch', () => {});");
    write(dist.join("web-app/manifest.webmanifest"), b"{}");
    dist
}

#[tokio::test]
async fn client_side_routes_get_the_portal() {
    let app = app_with_dist().await;
    for path in ["/", "/devices", "/sign-in", "/some/deep/link"] {
        let response = reqwest::get(app.url(path)).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert!(
            response.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-cache");
        assert!(
            response
                .text()
                .await
                .unwrap()
                .ends_with("<title>Company Portal</title>"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn sign_in_gets_its_painted_page_where_the_build_wrote_one() {
    let painted = "<!doctype html><title>Company Portal</title><h1>Sign in</h1>";
    let dist = built_portal();
    write(dist.join("sign-in.html"), painted.as_bytes());
    let app = spawn_with(|config| config.dist_dir = dist).await;
    let response = reqwest::get(app.url("/sign-in?next=/devices")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-cache");
    assert_eq!(response.text().await.unwrap(), painted);
    // Every other route still starts from the bundle's page.
    for path in ["/", "/devices", "/sign-in/more"] {
        let body = reqwest::get(app.url(path)).await.unwrap().text().await.unwrap();
        assert!(body.ends_with("<title>Company Portal</title>"), "{path}");
    }
}

#[tokio::test]
async fn a_visitor_certainly_signed_out_goes_straight_to_sign_in() {
    let app = app_with_dist().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let visit = |path: &str, site: Option<&str>, cookie: Option<&str>| {
        let mut request = client.get(app.url(path)).header("sec-fetch-mode", "navigate");
        if let Some(site) = site {
            request = request.header("sec-fetch-site", site);
        }
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        request.send()
    };
    // Typed or bookmarked, from the portal itself or its own site: the
    // cookie would be here.
    for (path, next) in [
        ("/", "/"),
        ("/devices", "/devices"),
        ("/apps/vpn?from=home", "/apps/vpn%3Ffrom%3Dhome"),
        ("/admin", "/admin"),
    ] {
        for site in ["none", "same-origin", "same-site"] {
            let response = visit(path, Some(site), None).await.unwrap();
            assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path} {site}");
            assert_eq!(response.headers()[header::LOCATION], format!("/sign-in?next={next}"));
        }
    }
    // A session cookie, even one that may have ended: the portal asks the API.
    let with_cookie = visit("/devices", Some("none"), Some("cp_session=abc")).await.unwrap();
    assert_eq!(with_cookie.status(), StatusCode::OK);
    // Another site's link carries no SameSite=Strict cookie, signed in or not;
    // an older browser says nothing: the portal's own check decides.
    for site in [Some("cross-site"), None] {
        assert_eq!(
            visit("/devices", site, None).await.unwrap().status(),
            StatusCode::OK,
            "{site:?}"
        );
    }
    // Pages for anyone.
    for path in ["/sign-in", "/help", "/privacy", "/no/such/page"] {
        assert_eq!(
            visit(path, Some("none"), None).await.unwrap().status(),
            StatusCode::OK,
            "{path}"
        );
    }
    // Only navigations: a file under a guarded path is a file.
    let file = client
        .get(app.url("/devices"))
        .header("sec-fetch-mode", "cors")
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_service_worker_governs_every_page_and_is_checked_at_each_visit() {
    let app = app_with_dist().await;
    let worker = reqwest::get(app.url("/web-app/sw.js")).await.unwrap();
    assert_eq!(worker.status(), StatusCode::OK);
    assert!(
        worker.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert_eq!(worker.headers()["service-worker-allowed"], "/");
    // A new release is a new worker: never kept without asking.
    assert_eq!(worker.headers()[header::CACHE_CONTROL], "no-cache");
    let manifest = reqwest::get(app.url("/web-app/manifest.webmanifest")).await.unwrap();
    assert_eq!(manifest.headers()[header::CONTENT_TYPE], "application/manifest+json");
    assert!(!manifest.headers().contains_key("service-worker-allowed"));
}

#[tokio::test]
async fn catalog_routes_get_the_catalog_bundle() {
    let app = app_with_dist().await;
    for path in ["/apps", "/apps/sentry-vpn", "/help", "/privacy/personal"] {
        let response = reqwest::get(app.url(path)).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert!(
            response.text().await.unwrap().contains("Company Portal: Apps"),
            "{path}"
        );
    }
    // A device's Apps tab is beside its Overview, in the main bundle.
    let tab = reqwest::get(app.url("/devices/42/apps")).await.unwrap();
    assert_eq!(tab.status(), StatusCode::OK);
    assert_eq!(
        tab.text().await.unwrap(),
        "<!doctype html><title>Company Portal</title>"
    );
}

#[tokio::test]
async fn the_wasm_is_served_as_wasm_precompressed_and_cached_for_good() {
    let app = app_with_dist().await;
    let client = reqwest::Client::new();
    let brotli = client
        .get(app.url(&format!("/{WASM}")))
        .header(header::ACCEPT_ENCODING, "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(brotli.status(), StatusCode::OK);
    assert_eq!(brotli.headers()[header::CONTENT_TYPE], "application/wasm");
    assert_eq!(brotli.headers()[header::CONTENT_ENCODING], "br");
    assert_eq!(
        brotli.headers()[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(brotli.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(brotli.bytes().await.unwrap().as_ref(), BROTLI_MARKER);

    let plain = client.get(app.url(&format!("/{WASM}"))).send().await.unwrap();
    assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
    assert_eq!(plain.bytes().await.unwrap().as_ref(), WASM_BYTES);
}
