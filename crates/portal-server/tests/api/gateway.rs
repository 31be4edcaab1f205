//! The gateway over real TLS, with the client certificates enrolled agents
//! hold: each rule's allow and refuse, the enforcement modes, the sign-in
//! hand-off, revocation, and what reaches the upstream.

use std::{
    collections::BTreeMap,
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

use axum::{Json, Router, http::HeaderMap, routing::any};
use portal_agent::StateDir;
use portal_types::{AccessRule, AuditPage, CommandOutcome, Enforcement, PublishedApp};
use reqwest::{Certificate, Identity, StatusCode, redirect::Policy};
use serde_json::Value;

use crate::{
    commands::wipe,
    enrollment::{enrolled_device, inventory, waiting},
    helpers::{CSRF_HEADER, PASSWORD, TestApp, spawn_with},
};

const EVERYTHING_OFF: AccessRule = AccessRule {
    signed_in: false,
    registered_device: false,
    compliant_device: false,
    second_factor: false,
    device_counts_as_second_factor: false,
};

/// The portal with its gateway on loopback (the demo's Expenses published).
async fn spawn_gateway() -> TestApp {
    spawn_with(|config| config.gateway_bind = Some("127.0.0.1:0".parse().unwrap())).await
}

/// An upstream that answers every request with the headers it was sent.
async fn echo_upstream() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let echo = |headers: HeaderMap, uri: axum::http::Uri| async move {
        let headers: BTreeMap<String, String> = headers
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_str().unwrap_or("").to_string()))
            .collect();
        Json(serde_json::json!({ "path": uri.to_string(), "headers": headers }))
    };
    tokio::spawn(async move { axum::serve(listener, Router::new().fallback(any(echo))).await });
    address
}

/// The echo upstream over TLS, its certificate issued by a CA of its own:
/// the CA's certificate (PEM, in `dir`) and the upstream's address.
async fn tls_echo_upstream(dir: &std::path::Path) -> (std::path::PathBuf, SocketAddr) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let key = rcgen::KeyPair::generate().unwrap();
    let certificate = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    let ca_path = dir.join("intranet-ca.pem");
    std::fs::write(&ca_path, ca.pem()).unwrap();
    let config = axum_server::tls_rustls::RustlsConfig::from_config(Arc::new(
        rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![certificate.der().clone()],
                rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der()).unwrap(),
            )
            .unwrap(),
    ));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let echo =
        |headers: HeaderMap| async move { Json(serde_json::json!({ "host": headers["host"].to_str().unwrap() })) };
    let server = axum_server::from_tcp_rustls(listener, config).unwrap();
    tokio::spawn(server.serve(Router::new().fallback(any(echo)).into_make_service()));
    (ca_path, address)
}

#[tokio::test]
async fn an_https_upstream_is_reached_when_its_certificate_chains_to_a_ca_the_gateway_is_given() {
    let ca_dir = tempfile::tempdir().unwrap();
    let (ca, address) = tls_echo_upstream(ca_dir.path()).await;
    let app = spawn_with(|config| {
        config.gateway_bind = Some("127.0.0.1:0".parse().unwrap());
        config.upstream_cas = vec![ca];
    })
    .await;
    let untrusted = spawn_gateway().await;
    for (node, answers) in [(&app, StatusCode::OK), (&untrusted, StatusCode::BAD_GATEWAY)] {
        let it = node.signed_in("it@example.com").await;
        let published = PublishedApp {
            name: "Intranet".into(),
            prefix: "/intranet/".into(),
            upstream: format!("https://{address}"),
            rule: EVERYTHING_OFF,
            enforcement: Enforcement::Off,
        };
        let response = it
            .put(node.url("/api/v1/admin/published-apps"))
            .json(&published)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let reached = browser(node, None, true)
            .get(gateway(node, "/intranet/"))
            .send()
            .await
            .unwrap();
        assert_eq!(reached.status(), answers, "{}", reached.text().await.unwrap());
        if answers == StatusCode::OK {
            let echoed: Value = reached.json().await.unwrap();
            assert_eq!(
                echoed["host"],
                address.to_string(),
                "the upstream's own name, for TLS and Host"
            );
        }
    }
}

/// Publishes the echo upstream at `/echo/` with `rule` and `enforcement`.
async fn publish_echo(app: &TestApp, rule: AccessRule, enforcement: Enforcement) {
    let upstream = echo_upstream().await;
    let it = app.signed_in("it@example.com").await;
    let app_json = PublishedApp {
        name: "Echo".into(),
        prefix: "/echo/".into(),
        upstream: format!("http://{upstream}"),
        rule,
        enforcement,
    };
    let response = it
        .put(app.url("/api/v1/admin/published-apps"))
        .json(&app_json)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

/// One browser for the portal and the gateway: it trusts the gateway's
/// certificate and, given a device's folder, presents its certificate.
fn browser(app: &TestApp, device: Option<&StateDir>, follow: bool) -> reqwest::Client {
    let root = std::fs::read(app.data.dir.path().join("gateway-tls.crt")).unwrap();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(CSRF_HEADER, reqwest::header::HeaderValue::from_static("company-portal"));
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .cookie_store(true)
        .default_headers(headers)
        .add_root_certificate(Certificate::from_pem(&root).unwrap())
        .redirect(if follow { Policy::limited(10) } else { Policy::none() });
    if let Some(device) = device {
        let mut pem = std::fs::read(device.certificate()).unwrap();
        pem.extend(std::fs::read(device.key()).unwrap());
        builder = builder.identity(Identity::from_pem(&pem).unwrap());
    }
    builder.build().unwrap()
}

async fn signed_in_browser(app: &TestApp, email: &str, device: Option<&StateDir>) -> reqwest::Client {
    let client = browser(app, device, true);
    assert_eq!(
        app.sign_in_with(&client, email, PASSWORD).await.status(),
        StatusCode::OK
    );
    client
}

fn gateway(app: &TestApp, path: &str) -> String {
    format!("{}{path}", app.gateway.as_deref().expect("the gateway is on"))
}

/// What the echo upstream was sent, after the hand-off.
async fn echoed(client: &reqwest::Client, app: &TestApp, path: &str) -> Value {
    let response = client.get(gateway(app, path)).send().await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{path}: {}",
        response.text().await.unwrap()
    );
    response.json().await.unwrap()
}

async fn refused_page(client: &reqwest::Client, app: &TestApp, path: &str, status: StatusCode) -> String {
    let response = client.get(gateway(app, path)).send().await.unwrap();
    assert_eq!(response.status(), status);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    response.text().await.unwrap()
}

async fn refusals(app: &TestApp) -> AuditPage {
    let it = app.signed_in("it@example.com").await;
    app.audit(&it, "action=gateway_access_refused").await
}

#[tokio::test]
async fn a_registered_compliant_device_opens_expenses_through_the_sign_in_hand_off() {
    let app = spawn_gateway().await;
    let (_, device, dir) = enrolled_device(&app).await;
    let laptop = signed_in_browser(&app, "grace@example.com", Some(&dir)).await;
    let response = laptop
        .get(gateway(&app, "/expenses/"))
        .header("x-portal-user", "it@example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    assert!(page.contains("<h1>Expenses</h1>"), "{page}");
    assert!(
        page.contains(r#"<strong id="user">grace@example.com</strong>"#),
        "the forged header is replaced: {page}"
    );
    assert!(page.contains(&device.state.device_id.to_string()));
    assert!(page.contains("(can_access)"));
    // The bare prefix goes to the app's root.
    let bare = browser(&app, Some(&dir), false)
        .get(gateway(&app, "/expenses?x=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(bare.headers()["location"], "/expenses/?x=1");
}

#[tokio::test]
async fn the_upstream_gets_trusted_headers_and_none_of_the_visitors_own_or_the_sessions() {
    let app = spawn_gateway().await;
    publish_echo(
        &app,
        AccessRule {
            signed_in: true,
            ..EVERYTHING_OFF
        },
        Enforcement::Required,
    )
    .await;
    let (_, device, dir) = enrolled_device(&app).await;
    let laptop = signed_in_browser(&app, "grace@example.com", Some(&dir)).await;
    let response = laptop
        .get(gateway(&app, "/echo/reports/q3?year=2026"))
        .header("x-portal-user", "it@example.com")
        .header("x-portal-compliance", "can_access")
        .send()
        .await
        .unwrap();
    let echo: Value = response.json().await.unwrap();
    assert_eq!(
        echo["path"], "/reports/q3?year=2026",
        "the prefix gives way to the upstream's root"
    );
    // (Sent as written: a client would resolve a plain or encoded `..` itself.)
    for sideways in ["/echo/%2E%2E%2Fsecret", "/echo/a%5Cb", "/echo/a%2Fb", "/echo//x"] {
        refused_page(&laptop, &app, sideways, StatusCode::BAD_REQUEST).await;
    }
    let headers = &echo["headers"];
    assert_eq!(headers["x-portal-user"], "grace@example.com");
    assert_eq!(headers["x-portal-device"], device.state.device_id.to_string());
    assert_eq!(headers["x-portal-compliance"], "can_access");
    assert_eq!(headers["x-forwarded-proto"], "https");
    assert_eq!(headers["x-forwarded-for"], "127.0.0.1");
    // The browser sent both sessions' cookies; they stay at the gateway.
    assert!(headers.get("cookie").is_none(), "{headers}");

    // Without a device, nothing vouches for one: the forged headers go.
    let browser = signed_in_browser(&app, "grace@example.com", None).await;
    let response = browser
        .get(gateway(&app, "/echo/"))
        .header("x-portal-device", device.state.device_id.to_string())
        .header("x-portal-compliance", "can_access")
        .send()
        .await
        .unwrap();
    let echo: Value = response.json().await.unwrap();
    assert!(echo["headers"].get("x-portal-device").is_none(), "{echo}");
    assert!(echo["headers"].get("x-portal-compliance").is_none(), "{echo}");
}

#[tokio::test]
async fn a_registered_device_opens_expenses_as_an_enrolled_one_does() {
    let app = spawn_gateway().await;
    let (_, device, dir) = crate::registration::registered_phone(&app).await;
    let phone = signed_in_browser(&app, "grace@example.com", Some(&dir)).await;
    let response = phone.get(gateway(&app, "/expenses/")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    assert!(page.contains(&device.state.device_id.to_string()), "{page}");
}

#[tokio::test]
async fn the_refusal_page_wears_the_organisations_branding() {
    let app = spawn_gateway().await;
    let it = app.signed_in("it@example.com").await;
    let saved = crate::branding::save(&app, &it, 0, &crate::branding::contoso()).await;
    assert_eq!(saved.status(), StatusCode::OK);
    let unregistered = signed_in_browser(&app, "grace@example.com", None).await;
    let page = refused_page(&unregistered, &app, "/expenses/", StatusCode::FORBIDDEN).await;
    assert!(page.contains("<header>Contoso Company Portal</header>"), "{page}");
    assert!(page.contains("--cp-accent:"), "the theme colour's: {page}");
    assert!(
        page.contains("Need help? Contoso IT: +44 20 7946 0000 · it@contoso.example"),
        "{page}"
    );
}

#[tokio::test]
async fn each_device_rule_refuses_with_the_step_that_fixes_it() {
    let app = spawn_gateway().await;
    let (_, mut device, dir) = enrolled_device(&app).await;

    let unregistered = signed_in_browser(&app, "grace@example.com", None).await;
    let page = refused_page(&unregistered, &app, "/expenses/", StatusCode::FORBIDDEN).await;
    assert!(page.contains("This device isn&#39;t registered"), "{page}");
    assert!(
        page.contains(&format!(r#"href="{}/devices/add">Add device</a>"#, app.address)),
        "{page}"
    );

    let borrowed = signed_in_browser(&app, "ada@example.com", Some(&dir)).await;
    let page = refused_page(&borrowed, &app, "/expenses/", StatusCode::FORBIDDEN).await;
    assert!(page.contains("registered to someone else"), "{page}");

    let mut failing = inventory("15");
    failing.encrypted = false;
    device.check_in(&failing, &[]).await.unwrap();
    app.clock.advance(time::Duration::days(3));
    device.clock_offset_seconds = time::Duration::days(3).whole_seconds();
    device.check_in(&failing, &[]).await.unwrap();
    let laptop = signed_in_browser(&app, "grace@example.com", Some(&dir)).await;
    let page = refused_page(&laptop, &app, "/expenses/", StatusCode::FORBIDDEN).await;
    assert!(
        page.contains("is out of compliance: The device&#39;s storage is not encrypted."),
        "{page}"
    );
    let device_page = format!(
        r#"href="{}/devices/{}">Turn on device encryption"#,
        app.address, device.state.device_id
    );
    assert!(page.contains(&device_page), "{page}");

    let logged = refusals(&app).await;
    let subjects: Vec<_> = logged.entries.iter().filter_map(|e| e.subject.as_deref()).collect();
    assert!(subjects.contains(&"Expenses: registered_device"), "{subjects:?}");
    assert!(subjects.contains(&"Expenses: compliant_device"), "{subjects:?}");
}

#[tokio::test]
async fn a_device_is_refused_once_its_grace_period_ends_without_a_check_in_or_a_sweep() {
    let app = spawn_gateway().await;
    let (_, device, dir) = enrolled_device(&app).await;
    let mut failing = inventory("15");
    failing.encrypted = false;
    device.check_in(&failing, &[]).await.unwrap();
    // Out of compliance, within its grace period: let through.
    let laptop = signed_in_browser(&app, "grace@example.com", Some(&dir)).await;
    let response = laptop.get(gateway(&app, "/expenses/")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("(out_of_compliance)"));

    // The grace period ends; the device says nothing more, and no sweep runs.
    app.clock.advance(time::Duration::days(3));
    let later = signed_in_browser(&app, "grace@example.com", Some(&dir)).await;
    let page = refused_page(&later, &app, "/expenses/", StatusCode::FORBIDDEN).await;
    assert!(
        page.contains("is out of compliance: The device&#39;s storage is not encrypted."),
        "{page}"
    );
    // The device's page, which the refusal links to, says the same.
    let owner = app.signed_in("grace@example.com").await;
    let (_, detail) = app
        .get_json(&owner, &format!("/api/v1/devices/{}", device.state.device_id))
        .await;
    assert_eq!(detail["device"]["compliance"], "cannot_access");
    assert_eq!(detail["compliance_deadline"], serde_json::Value::Null);
}

/// Reset device through `node`, carried out by the device: its certificate is revoked.
async fn reset(node: &TestApp, owner: &reqwest::Client, mut device: portal_agent::DeviceClient) {
    let id = device.state.device_id.to_string();
    assert_eq!(wipe(node, owner, &id, "New phone").await.status(), StatusCode::ACCEPTED);
    device.clock_offset_seconds = 0;
    let command = waiting(&device).await.pop().unwrap();
    device.acknowledge(command.id).await.unwrap();
    device
        .report(command.id, CommandOutcome::Completed, None)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_reset_device_is_refused_from_its_next_request() {
    let app = spawn_gateway().await;
    let (grace, device, dir) = enrolled_device(&app).await;
    let laptop = signed_in_browser(&app, "grace@example.com", Some(&dir)).await;
    assert_eq!(
        laptop.get(gateway(&app, "/expenses/")).send().await.unwrap().status(),
        StatusCode::OK
    );
    reset(&app, &grace, device).await;
    let page = refused_page(&laptop, &app, "/expenses/", StatusCode::FORBIDDEN).await;
    assert!(page.contains("New phone was reset or removed"), "{page}");
}

#[tokio::test]
async fn a_certificate_from_another_ca_fails_the_handshake() {
    let app = spawn_gateway().await;
    let made = rcgen::generate_simple_self_signed(vec!["laptop".into()]).unwrap();
    let dir = StateDir(tempfile::tempdir().unwrap().keep());
    std::fs::write(dir.certificate(), made.cert.pem()).unwrap();
    std::fs::write(dir.key(), made.signing_key.serialize_pem()).unwrap();
    let forged = browser(&app, Some(&dir), true);
    assert!(forged.get(gateway(&app, "/expenses/")).send().await.is_err());
}

#[tokio::test]
async fn audit_mode_lets_through_and_writes_down_what_it_would_have_refused() {
    let app = spawn_gateway().await;
    let rule = AccessRule {
        registered_device: true,
        ..EVERYTHING_OFF
    };
    publish_echo(&app, rule, Enforcement::Audit).await;
    let browser = signed_in_browser(&app, "ada@example.com", None).await;
    // Signed in through the hand-off first, so that the log says who.
    let echo = echoed(&browser, &app, "/echo/").await;
    assert_eq!(echo["headers"]["x-portal-user"], "ada@example.com");
    let logged = refusals(&app).await;
    let entry = logged
        .entries
        .iter()
        .find(|e| e.subject.as_deref() == Some("Echo: registered_device"))
        .expect("the refusal it would have been");
    assert_eq!(entry.subject.as_deref(), Some("Echo: registered_device"));
    assert_eq!(entry.actor.as_deref(), Some("ada@example.com"));
    assert_eq!(entry.outcome, "allowed_in_audit_mode");

    // A request that is not a page to sign in for passes unidentified, and
    // its missing sign-in is written down.
    let rule = AccessRule {
        signed_in: true,
        ..EVERYTHING_OFF
    };
    publish_echo(&app, rule, Enforcement::Audit).await;
    // However many such requests pass, the hour's first alone is written.
    let anyone = browser_anonymous(&app);
    for _ in 0..3 {
        let posted = anyone.post(gateway(&app, "/echo/claims")).send().await.unwrap();
        assert_eq!(posted.status(), StatusCode::OK);
    }
    let logged = refusals(&app).await;
    let entries: Vec<_> = logged
        .entries
        .iter()
        .filter(|e| e.subject.as_deref() == Some("Echo: signed_in"))
        .map(|e| (e.actor.as_deref(), e.outcome.as_str()))
        .collect();
    assert_eq!(
        entries,
        [(None, "allowed_in_audit_mode")],
        "the anonymous requests written down once"
    );

    publish_echo(&app, rule, Enforcement::Off).await;
    let response = anyone.get(gateway(&app, "/echo/")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "off checks nothing");
    assert_eq!(refusals(&app).await.entries.len(), 2, "and writes nothing");
}

fn browser_anonymous(app: &TestApp) -> reqwest::Client {
    browser(app, None, false)
}

#[tokio::test]
async fn the_device_stands_in_for_the_second_factor_only_where_the_rule_says_so() {
    let app = spawn_gateway().await;
    let (_, _, dir) = enrolled_device(&app).await;
    let rule = AccessRule {
        signed_in: true,
        second_factor: true,
        ..EVERYTHING_OFF
    };
    publish_echo(&app, rule, Enforcement::Required).await;
    let laptop = signed_in_browser(&app, "grace@example.com", Some(&dir)).await;
    let page = refused_page(&laptop, &app, "/echo/", StatusCode::FORBIDDEN).await;
    assert!(page.contains("Set up a second factor"), "grace has none: {page}");

    publish_echo(
        &app,
        AccessRule {
            device_counts_as_second_factor: true,
            ..rule
        },
        Enforcement::Required,
    )
    .await;
    echoed(&laptop, &app, "/echo/").await;
    let elsewhere = signed_in_browser(&app, "grace@example.com", None).await;
    refused_page(&elsewhere, &app, "/echo/", StatusCode::FORBIDDEN).await;
}

#[tokio::test]
async fn setting_up_a_second_factor_lets_this_sign_in_through_a_rule_that_asks_for_one() {
    let app = spawn_gateway().await;
    let rule = AccessRule {
        signed_in: true,
        second_factor: true,
        ..EVERYTHING_OFF
    };
    publish_echo(&app, rule, Enforcement::Required).await;
    let ada = signed_in_browser(&app, "ada@example.com", None).await;
    let page = refused_page(&ada, &app, "/echo/", StatusCode::FORBIDDEN).await;
    assert!(page.contains("Set up a second factor"), "{page}");
    crate::second_factor::turn_on_totp(&app, &ada, "ada%40example.com").await;
    let echo = echoed(&ada, &app, "/echo/").await;
    assert_eq!(echo["headers"]["x-portal-user"], "ada@example.com");
}

#[tokio::test]
async fn the_hand_off_is_single_use_short_lived_bound_to_its_browser_and_ends_with_the_portal_session() {
    let app = spawn_gateway().await;
    let manual = browser(&app, None, false);
    assert_eq!(
        app.sign_in_with(&manual, "ada@example.com", PASSWORD).await.status(),
        StatusCode::OK
    );

    // Signed out of the gateway, a page sends the visitor to the portal's hand-off.
    let asked = manual.get(gateway(&app, "/expenses/claims?id=7")).send().await.unwrap();
    assert_eq!(asked.status(), StatusCode::SEE_OTHER);
    let handoff = asked.headers()["location"].to_str().unwrap().to_string();
    assert!(
        handoff.starts_with(&app.url("/api/v1/gateway/handoff?to=")),
        "{handoff}"
    );
    assert!(handoff.contains("&state="), "bound to this browser: {handoff}");
    let handed = manual.get(&handoff).send().await.unwrap();
    assert_eq!(handed.status(), StatusCode::SEE_OTHER);
    let redeem = handed.headers()["location"].to_str().unwrap().to_string();
    assert!(
        redeem.starts_with(&gateway(&app, "/.portal/handoff?token=")),
        "{redeem}"
    );

    // Another browser (a victim sent the link) cannot use it: it lacks the state.
    let stolen = browser(&app, None, false).get(&redeem).send().await.unwrap();
    assert_eq!(stolen.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        manual.get(&redeem).send().await.unwrap().status(),
        StatusCode::BAD_REQUEST,
        "and it is spent"
    );

    let redeem = start_sign_in(&manual, &app, "/expenses/claims?id=7").await;
    let first = manual.get(&redeem).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        first.headers()["location"].to_str().unwrap(),
        gateway(&app, "/expenses/claims?id=7")
    );
    let cookie = gateway_session_cookie(&first);
    assert!(cookie.contains("Secure") && cookie.contains("HttpOnly"), "{cookie}");
    assert_eq!(
        manual.get(&redeem).send().await.unwrap().status(),
        StatusCode::BAD_REQUEST,
        "used once"
    );

    let late_browser = browser(&app, None, false);
    assert_eq!(
        app.sign_in_with(&late_browser, "ada@example.com", PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
    let late = start_sign_in(&late_browser, &app, "/expenses/").await;
    app.clock.advance(time::Duration::seconds(61));
    assert_eq!(
        late_browser.get(&late).send().await.unwrap().status(),
        StatusCode::BAD_REQUEST,
        "expired"
    );

    // The gateway's session is the portal's: signing out ends both.
    let inside = manual.get(gateway(&app, "/expenses/")).send().await.unwrap();
    assert_eq!(inside.status(), StatusCode::FORBIDDEN, "signed in, but no device");
    let out = manual.post(app.url("/api/v1/auth/sign-out")).send().await.unwrap();
    assert!(out.status().is_success());
    let after = manual.get(gateway(&app, "/expenses/")).send().await.unwrap();
    assert_eq!(after.status(), StatusCode::SEE_OTHER, "signed out of the gateway too");

    // Signed out of the portal, the hand-off asks for Sign in first and comes back.
    let signed_out = manual.get(&handoff).send().await.unwrap();
    let sign_in = signed_out.headers()["location"].to_str().unwrap();
    assert!(
        sign_in.starts_with("/sign-in?next=/api/v1/gateway/handoff%3Fto%3D"),
        "{sign_in}"
    );
    assert!(sign_in.contains("%26state%3D"), "{sign_in}");
    // Only the gateway's own addresses.
    let state = "0".repeat(64);
    let elsewhere = manual
        .get(app.url(&format!(
            "/api/v1/gateway/handoff?to=https%3A%2F%2Fevil.example%2F&state={state}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

/// Asks the gateway for `path` without a gateway session and follows the
/// portal's hand-off: the address that redeems it (for this browser only).
async fn start_sign_in(client: &reqwest::Client, app: &TestApp, path: &str) -> String {
    let location = |response: reqwest::Response| response.headers()["location"].to_str().unwrap().to_string();
    let handoff = location(client.get(gateway(app, path)).send().await.unwrap());
    location(client.get(&handoff).send().await.unwrap())
}

/// The gateway's session cookie a redeemed hand-off sets.
fn gateway_session_cookie(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().to_string())
        .find(|c| c.starts_with("__Host-cp_gateway="))
        .expect("the gateway's session cookie")
}

#[tokio::test]
async fn administrators_publish_apps_with_checked_fields() {
    let app = spawn_gateway().await;
    let it = app.signed_in("it@example.com").await;
    let listed = app.get_json(&it, "/api/v1/admin/published-apps").await.1;
    assert_eq!(listed["apps"][0]["name"], "Expenses");
    assert_eq!(listed["gateway_url"], app.gateway.clone().unwrap());

    let mut app_json = PublishedApp {
        name: "Wiki".into(),
        prefix: "wiki".into(),
        upstream: "ftp://wiki.internal".into(),
        rule: EVERYTHING_OFF,
        enforcement: Enforcement::Required,
    };
    let put = |body: &PublishedApp| it.put(app.url("/api/v1/admin/published-apps")).json(body).send();
    let wrong = put(&app_json).await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = wrong.json().await.unwrap();
    let fields: Vec<_> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].clone())
        .collect();
    assert_eq!(fields, ["prefix", "upstream"]);
    app_json.prefix = "/expenses/".into();
    app_json.upstream = "http://wiki.internal:8080/".into();
    assert_eq!(
        put(&app_json).await.unwrap().status(),
        StatusCode::CONFLICT,
        "Expenses has it"
    );
    app_json.prefix = "/wiki/".into();
    let saved: PublishedApp = put(&app_json).await.unwrap().json().await.unwrap();
    assert_eq!(saved.upstream, "http://wiki.internal:8080");

    let ada = app.signed_in("ada@example.com").await;
    assert_eq!(
        ada.put(app.url("/api/v1/admin/published-apps"))
            .json(&app_json)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    let gone = it
        .delete(app.url("/api/v1/admin/published-apps/Wiki"))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    let nothing = browser_anonymous(&app)
        .get(gateway(&app, "/wiki/"))
        .send()
        .await
        .unwrap();
    assert_eq!(nothing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn other_proxies_ask_the_access_check_with_the_certificate_they_verified() {
    let app = spawn_with(|config| {
        config.gateway_bind = Some("127.0.0.1:0".parse().unwrap());
        config.certificate_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await;
    let (grace, device, dir) = enrolled_device(&app).await;
    let pem = std::fs::read_to_string(dir.certificate()).unwrap();
    let escaped: String = pem
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let check = |client: &reqwest::Client, certificate: Option<&str>| {
        let mut request = client.get(app.url("/api/v1/access/check?app=Expenses"));
        if let Some(certificate) = certificate {
            request = request.header("x-client-certificate", certificate);
        }
        request.send()
    };

    let allowed = check(&grace, Some(&escaped)).await.unwrap();
    assert_eq!(allowed.status(), StatusCode::OK);
    assert_eq!(allowed.headers()["x-portal-user"], "grace@example.com");
    assert_eq!(
        allowed.headers()["x-portal-device"],
        device.state.device_id.to_string().as_str()
    );
    assert_eq!(allowed.headers()["x-portal-compliance"], "can_access");

    let refused = check(&grace, None).await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let link = refused.headers()["link"].to_str().unwrap().to_string();
    assert_eq!(
        link,
        format!(r#"<{}/devices/add>; rel="help"; title="Add device""#, app.address)
    );
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "registered_device");
    // In the reader's language: the rule's code stays, its words change.
    let german = grace
        .get(app.url("/api/v1/access/check?app=Expenses"))
        .header("accept-language", "de-DE,de;q=0.9,en;q=0.5")
        .send()
        .await
        .unwrap();
    assert_eq!(german.status(), StatusCode::FORBIDDEN);
    assert_eq!(german.headers()["content-language"], "de");
    assert_eq!(
        german.headers()["link"].to_str().unwrap(),
        format!(
            "<{}/devices/add>; rel=\"help\"; title*=UTF-8'de'Ger%C3%A4t%20hinzuf%C3%BCgen",
            app.address
        )
    );
    let body: Value = german.json().await.unwrap();
    assert_eq!(body["code"], "registered_device");
    assert_eq!(
        body["message"],
        "Dieses Gerät ist nicht registriert. Expenses lässt sich nur auf Ihren registrierten Geräten öffnen."
    );

    let stranger = check(&app.client(), Some(&escaped)).await.unwrap();
    assert_eq!(
        stranger.status(),
        StatusCode::UNAUTHORIZED,
        "a certificate is no sign-in"
    );
    let missing = grace
        .get(app.url("/api/v1/access/check?app=Payroll"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    // Only a certificate proxy speaks for the client's certificate (not
    // even one trusted with the client's address).
    let untrusting = spawn_with(|config| {
        config.gateway_bind = Some("127.0.0.1:0".parse().unwrap());
        config.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await;
    let (grace, _, dir) = enrolled_device(&untrusting).await;
    let pem = std::fs::read_to_string(dir.certificate()).unwrap();
    let forged = grace
        .get(untrusting.url("/api/v1/access/check?app=Expenses"))
        .header("x-client-certificate", pem.replace('\n', "%0A"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
}

/// 50 MB, sent and received in 64 KiB pieces.
const LARGE: usize = 50 * 1024 * 1024;
const PIECE: usize = 64 * 1024;

/// How far the streaming upstream has got: a body held whole anywhere
/// between it and the client would let one side run 50 MB ahead.
#[derive(Default)]
struct Progress {
    sent_down: AtomicUsize,
    received_up: AtomicUsize,
}

/// Whatever the sockets and buffers on the way hold: far less than the body.
const IN_FLIGHT: usize = LARGE / 2;

/// An upstream that streams 50 MB out (`/download`), counts what it is sent
/// (`/upload`), and echoes bytes on an upgraded connection (`/socket`).
async fn streaming_upstream(progress: Arc<Progress>) -> SocketAddr {
    use axum::{body::Body, extract::Request, http::StatusCode as Status, response::Response, routing::get};
    use futures_util::StreamExt;
    let sent = progress.clone();
    let download = move || async move {
        let pieces = futures_util::stream::iter((0..LARGE / PIECE).map(move |_| {
            sent.sent_down.fetch_add(PIECE, Ordering::SeqCst);
            Ok::<_, std::io::Error>(vec![7u8; PIECE])
        }));
        Body::from_stream(pieces)
    };
    let upload = move |request: Request| async move {
        let mut body = request.into_body().into_data_stream();
        while let Some(piece) = body.next().await {
            progress.received_up.fetch_add(piece.unwrap().len(), Ordering::SeqCst);
        }
        progress.received_up.load(Ordering::SeqCst).to_string()
    };
    let socket = |mut request: Request| async move {
        let upgraded = hyper::upgrade::on(&mut request);
        tokio::spawn(async move {
            let upgraded = upgraded.await.unwrap();
            let (mut reader, mut writer) = tokio::io::split(hyper_util::rt::TokioIo::new(upgraded));
            let _ = tokio::io::copy(&mut reader, &mut writer).await;
        });
        Response::builder()
            .status(Status::SWITCHING_PROTOCOLS)
            .header("connection", "upgrade")
            .header("upgrade", "websocket")
            .body(Body::empty())
            .unwrap()
    };
    let router = Router::new()
        .route("/download", get(download))
        .route("/upload", axum::routing::post(upload))
        .route("/socket", get(socket));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    address
}

async fn publish_streaming(app: &TestApp) -> Arc<Progress> {
    let progress = Arc::new(Progress::default());
    let upstream = streaming_upstream(progress.clone()).await;
    let it = app.signed_in("it@example.com").await;
    let published = PublishedApp {
        name: "Files".into(),
        prefix: "/files/".into(),
        upstream: format!("http://{upstream}"),
        rule: AccessRule {
            signed_in: true,
            registered_device: true,
            ..EVERYTHING_OFF
        },
        enforcement: Enforcement::Required,
    };
    let response = it
        .put(app.url("/api/v1/admin/published-apps"))
        .json(&published)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    progress
}

#[tokio::test]
async fn fifty_megabytes_stream_through_both_ways_without_being_held_whole() {
    let app = spawn_gateway().await;
    let progress = publish_streaming(&app).await;
    let (_, _, dir) = enrolled_device(&app).await;
    let laptop = signed_in_browser(&app, "grace@example.com", Some(&dir)).await;
    // Signed in at the gateway first, so that the upload is not redirected.
    let mut response = laptop.get(gateway(&app, "/files/download")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (mut received, mut lead) = (0usize, 0usize);
    while let Some(piece) = response.chunk().await.unwrap() {
        received += piece.len();
        lead = lead.max(progress.sent_down.load(Ordering::SeqCst) - received);
    }
    assert_eq!(received, LARGE);
    assert!(lead < IN_FLIGHT, "the upstream ran {lead} bytes ahead of the download");

    let watched = progress.clone();
    let lead = Arc::new(AtomicUsize::new(0));
    let lead_seen = lead.clone();
    let pieces = futures_util::stream::iter((0..LARGE / PIECE).map(move |index| {
        let ahead = index * PIECE - watched.received_up.load(Ordering::SeqCst);
        lead_seen.fetch_max(ahead, Ordering::SeqCst);
        Ok::<_, std::io::Error>(vec![9u8; PIECE])
    }));
    let sent = laptop
        .post(gateway(&app, "/files/upload"))
        .body(reqwest::Body::wrap_stream(pieces))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), StatusCode::OK);
    assert_eq!(sent.text().await.unwrap(), LARGE.to_string());
    let lead = lead.load(Ordering::SeqCst);
    assert!(lead < IN_FLIGHT, "the upload ran {lead} bytes ahead of the upstream");
}

#[tokio::test]
async fn an_upgraded_connection_is_joined_end_to_end_and_ends_with_the_access_that_opened_it() {
    use hyper_util::rt::TokioIo;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_gateway().await;
    publish_streaming(&app).await;
    let (_, _, dir) = enrolled_device(&app).await;
    // The gateway's session cookie, from the hand-off.
    let url: reqwest::Url = gateway(&app, "/files/").parse().unwrap();
    let manual = browser(&app, Some(&dir), false);
    assert_eq!(
        app.sign_in_with(&manual, "grace@example.com", PASSWORD).await.status(),
        StatusCode::OK
    );
    let redeem = start_sign_in(&manual, &app, "/files/socket").await;
    let redeemed = manual.get(&redeem).send().await.unwrap();
    let cookie = gateway_session_cookie(&redeemed).split(';').next().unwrap().to_string();

    // TLS with the device's certificate, HTTP/1.1, then the upgrade.
    let mut roots = rustls::RootCertStore::empty();
    let gateway_pem = std::fs::read(app.data.dir.path().join("gateway-tls.crt")).unwrap();
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
    roots
        .add(CertificateDer::from_pem_slice(&gateway_pem).unwrap())
        .unwrap();
    let chain = vec![CertificateDer::from_pem_file(dir.certificate()).unwrap()];
    let key = PrivateKeyDer::from_pem_file(dir.key()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .unwrap();
    let tcp = tokio::net::TcpStream::connect(format!("127.0.0.1:{}", url.port().unwrap()))
        .await
        .unwrap();
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls)).await.unwrap();
    tokio::spawn(connection.with_upgrades());
    let request = hyper::Request::get("/files/socket")
        .header("host", url.authority())
        .header("cookie", cookie)
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .body(axum::body::Body::empty())
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);
    let mut upgraded = TokioIo::new(hyper::upgrade::on(response).await.unwrap());
    upgraded.write_all(b"hello through the gateway").await.unwrap();
    let mut echoed = [0u8; 25];
    upgraded.read_exact(&mut echoed).await.unwrap();
    assert_eq!(&echoed, b"hello through the gateway");

    // Signing out of the portal closes the tunnel, as it refuses the next request.
    let out = manual.post(app.url("/api/v1/auth/sign-out")).send().await.unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let signed_out = std::time::Instant::now();
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(std::time::Duration::from_secs(10), upgraded.read_to_end(&mut rest)).await;
    assert!(
        matches!(closed, Ok(Ok(0)) | Ok(Err(_))),
        "the tunnel stayed open: {closed:?}"
    );
    println!("the tunnel closed {:?} after the sign-out", signed_out.elapsed());
}

#[tokio::test]
async fn a_device_reset_through_another_node_is_refused_at_this_gateway_within_a_second() {
    let app = spawn_gateway().await;
    if !app.data.is_postgres() {
        return; // SQLite is one node: its nodes do not hear each other.
    }
    let other = crate::helpers::another_node(&app, |_| {}).await;
    let (grace, device, dir) = enrolled_device(&other).await;
    let laptop = signed_in_browser(&app, "grace@example.com", Some(&dir)).await;
    assert_eq!(
        laptop.get(gateway(&app, "/expenses/")).send().await.unwrap().status(),
        StatusCode::OK
    );
    reset(&other, &grace, device).await;
    let completed = std::time::Instant::now();
    while laptop.get(gateway(&app, "/expenses/")).send().await.unwrap().status() != StatusCode::FORBIDDEN {
        assert!(
            completed.elapsed() < std::time::Duration::from_secs(1),
            "this node still lets the reset device in"
        );
    }
}
