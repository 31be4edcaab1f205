use std::io::Write;

use reqwest::{StatusCode, header};
use serde_json::json;

use crate::helpers::{CSRF_HEADER, PASSWORD, error_code, me_with, session_cookie, spawn_app, spawn_with};

const BOOTSTRAP: &str = "\nimport init from '/portal-0123456789abcdef.js';\nawait init();\n";

#[tokio::test]
async fn every_response_carries_a_strict_content_security_policy() {
    let dist = tempfile::tempdir().unwrap().keep();
    let index = format!("<!doctype html><title>Portal</title><script type=\"module\">{BOOTSTRAP}</script>");
    std::fs::File::create(dist.join("index.html"))
        .unwrap()
        .write_all(index.as_bytes())
        .unwrap();
    let app = spawn_with(|config| config.dist_dir = dist).await;

    use base64::Engine;
    use sha2::Digest;
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(BOOTSTRAP.as_bytes()));
    for path in ["/", "/devices", "/api/v1/health", "/api/v1/nope"] {
        let response = reqwest::get(app.url(path)).await.unwrap();
        let policy = response.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            policy.contains(&format!("script-src 'self' 'sha256-{hash}' 'wasm-unsafe-eval'")),
            "{policy}"
        );
        for directive in [
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "default-src 'self'",
        ] {
            assert!(policy.contains(directive), "{directive} missing: {policy}");
        }
        assert!(!policy.contains("unsafe-inline") && !policy.contains("'unsafe-eval'"));
        assert_eq!(response.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(response.headers()[header::REFERRER_POLICY], "no-referrer");
    }
}

#[tokio::test]
async fn a_cross_site_post_without_the_portals_header_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let ada = app.signed_in("ada@example.com").await;
    let body =
        json!({ "platform": "android", "device_name": "Planted", "ownership": "corporate", "category": "Phone" });

    // A form or fetch from another site: the browser sends the cookie, not the header.
    let no_header = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let response = app.sign_in_with(&no_header, "ada@example.com", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "sign-in needs the proof too");
    let forged = ada
        .post(app.url("/api/v1/enrollment-codes"))
        .header(header::ORIGIN, "https://attacker.example")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(&forged.json().await.unwrap()), "csrf");

    let cookie_only = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let token = app.sign_in_with(&app.client(), "ada@example.com", PASSWORD).await;
    let cookie = session_cookie(&token);
    let forged = cookie_only
        .post(app.url("/api/v1/auth/sign-out"))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        me_with(&app, &cookie).await,
        StatusCode::OK,
        "the forged sign-out changed nothing"
    );

    let same_origin = ada
        .post(app.url("/api/v1/enrollment-codes"))
        .header(header::ORIGIN, &app.address)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(same_origin.status(), StatusCode::CREATED);
    let _ = CSRF_HEADER;
}

#[tokio::test]
async fn the_21st_wrong_password_within_a_minute_gets_429_with_retry_after() {
    let app = spawn_app().await;
    let client = app.client();
    for attempt in 1..=20 {
        let response = app.sign_in_with(&client, "grace@example.com", "wrong").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    let limited = app.sign_in_with(&client, "grace@example.com", "wrong").await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: i64 = limited.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let body: serde_json::Value = limited.json().await.unwrap();
    assert_eq!(error_code(&body), "rate_limited");
    assert!(body["message"].as_str().unwrap().contains("Try again in"));

    let right = app.sign_in_with(&client, "grace@example.com", PASSWORD).await;
    assert_eq!(
        right.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the account waits, even with the right password"
    );
    assert_eq!(
        app.sign_in_with(&client, "ada@example.com", PASSWORD).await.status(),
        StatusCode::OK
    );

    app.clock.advance(time::Duration::seconds(61));
    assert_eq!(
        app.sign_in_with(&client, "grace@example.com", PASSWORD).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn signing_in_gives_a_new_session_id_and_the_old_one_is_refused() {
    let app = spawn_app().await;
    let client = app.client();
    let first = session_cookie(&app.sign_in_with(&client, "ada@example.com", PASSWORD).await);
    let second = session_cookie(&app.sign_in_with(&client, "ada@example.com", PASSWORD).await);
    assert_ne!(first, second);
    assert_eq!(me_with(&app, &first).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me_with(&app, &second).await, StatusCode::OK);
}

#[tokio::test]
async fn over_tls_the_cookie_is_host_prefixed_and_secure_and_hsts_is_sent() {
    let dir = tempfile::tempdir().unwrap().keep();
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    let app = spawn_with(|config| {
        config.tls_cert = Some(cert);
        config.tls_key = Some(key);
    })
    .await;
    assert!(app.address.starts_with("https://127.0.0.1:"), "{}", app.address);

    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(CSRF_HEADER, reqwest::header::HeaderValue::from_static("company-portal"));
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(certified.cert.pem().as_bytes()).unwrap())
        .cookie_store(true)
        .default_headers(headers)
        .build()
        .unwrap();
    let health = client.get(app.url("/api/v1/health")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(
        health.headers()[header::STRICT_TRANSPORT_SECURITY],
        "max-age=31536000; includeSubDomains"
    );

    let response = app.sign_in_with(&client, "ada@example.com", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap().to_string();
    assert!(cookie.starts_with("__Host-cp_session="), "{cookie}");
    assert!(cookie.split(';').any(|a| a.trim() == "Secure"), "{cookie}");
    assert_eq!(app.get_json(&client, "/api/v1/me").await.0, StatusCode::OK);

    // Plain HTTP to the TLS port gets no answer in the clear.
    let plain = reqwest::get(format!(
        "http://{}/api/v1/health",
        app.address.trim_start_matches("https://")
    ))
    .await;
    assert!(plain.is_err() || !plain.unwrap().status().is_success());
}
