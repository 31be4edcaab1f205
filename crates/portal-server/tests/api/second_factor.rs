use data_encoding::BASE32_NOPAD;
use portal_server::{clock::Clock, identity::totp};
use portal_types::{RecoveryCodesResponse, TotpSetupResponse};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, error_code, me_with, session_cookie, spawn_app};

pub fn code(app: &TestApp, secret: &[u8], steps_ahead: i64) -> String {
    totp::code_at(secret, totp::step_at(app.clock.now()) + steps_ahead)
}

pub async fn sign_in(app: &TestApp, client: &reqwest::Client, code: Option<&str>) -> reqwest::Response {
    client
        .post(app.url("/api/v1/auth/sign-in"))
        .json(&json!({ "email": "ada@example.com", "password": PASSWORD, "code": code }))
        .send()
        .await
        .unwrap()
}

/// Ada with an authenticator app: its secret and her recovery codes.
pub async fn with_totp(app: &TestApp) -> (reqwest::Client, Vec<u8>, Vec<String>) {
    let ada = app.signed_in("ada@example.com").await;
    let (secret, codes) = turn_on_totp(app, &ada, "ada%40example.com").await;
    (ada, secret, codes)
}

/// Sets up an authenticator app for the user signed in on `client` (their
/// email as the app's label writes it): its secret and the recovery codes.
pub async fn turn_on_totp(app: &TestApp, client: &reqwest::Client, label: &str) -> (Vec<u8>, Vec<String>) {
    let setup: TotpSetupResponse = client
        .post(app.url("/api/v1/security/totp"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = BASE32_NOPAD.decode(setup.secret.as_bytes()).unwrap();
    let uri = format!("otpauth://totp/Company%20Portal:{label}?secret=");
    assert!(setup.otpauth_uri.starts_with(&uri), "{}", setup.otpauth_uri);
    assert!(setup.qr_svg.contains("<svg"));

    let wrong = client
        .post(app.url("/api/v1/security/totp/confirm"))
        .json(&json!({ "code": "000000" }))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let confirmed = client
        .post(app.url("/api/v1/security/totp/confirm"))
        .json(&json!({ "code": code(app, &secret, 0) }))
        .send()
        .await
        .unwrap();
    assert_eq!(confirmed.status(), StatusCode::OK);
    let codes: RecoveryCodesResponse = confirmed.json().await.unwrap();
    (secret, codes.recovery_codes)
}

#[tokio::test]
async fn stored_password_hashes_are_argon2id_at_or_above_the_asvs_parameters() {
    let app = spawn_app().await;
    let db = app.raw_database().await;
    let hashes: Vec<String> = sqlx::query_scalar("SELECT password_hash FROM users")
        .fetch_all(&db)
        .await
        .unwrap();
    assert_eq!(hashes.len(), 3);
    for hash in hashes {
        let parsed = argon2::PasswordHash::new(&hash).unwrap();
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
        let params = argon2::Params::try_from(&parsed).unwrap();
        assert!(
            params.m_cost() >= 19 * 1024 && params.t_cost() >= 2 && params.p_cost() == 1,
            "{params:?}"
        );
    }
}

#[tokio::test]
async fn with_an_authenticator_app_sign_in_asks_for_a_code_and_takes_each_code_once() {
    let app = spawn_app().await;
    let (ada, secret, _) = with_totp(&app).await;
    let (_, security) = app.get_json(&ada, "/api/v1/security").await;
    assert_eq!(
        security,
        json!({ "totp_enabled": true, "recovery_codes_left": 10, "passkeys_offered": true, "passkeys": [] })
    );

    let browser = app.client();
    let response = sign_in(&app, &browser, None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&response.json().await.unwrap()), "second_factor_required");
    assert!(app.get_json(&browser, "/api/v1/me").await.0 == StatusCode::UNAUTHORIZED);

    let reused = sign_in(&app, &browser, Some(&code(&app, &secret, 0))).await;
    assert_eq!(
        error_code(&reused.json().await.unwrap()),
        "second_factor_invalid",
        "the confirming code was spent"
    );
    let outside = sign_in(&app, &browser, Some(&code(&app, &secret, 3))).await;
    assert_eq!(
        error_code(&outside.json().await.unwrap()),
        "second_factor_invalid",
        "outside the window"
    );

    app.clock.advance(time::Duration::seconds(30));
    let good = code(&app, &secret, 0);
    assert_eq!(sign_in(&app, &browser, Some(&good)).await.status(), StatusCode::OK);
    assert_eq!(
        sign_in(&app, &app.client(), Some(&good)).await.status(),
        StatusCode::UNAUTHORIZED,
        "used once"
    );
}

#[tokio::test]
async fn a_recovery_code_works_once() {
    let app = spawn_app().await;
    let (ada, _, codes) = with_totp(&app).await;
    assert_eq!(codes.len(), 10);
    let first = codes[0].to_uppercase();
    assert_eq!(
        sign_in(&app, &app.client(), Some(&first)).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        sign_in(&app, &app.client(), Some(&first)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.get_json(&ada, "/api/v1/security").await.1["recovery_codes_left"], 9);
}

#[tokio::test]
async fn turning_the_second_factor_off_takes_the_password_and_a_code() {
    let app = spawn_app().await;
    let (ada, secret, _) = with_totp(&app).await;
    let disable = |password: &str, code: Option<String>| {
        ada.post(app.url("/api/v1/security/totp/disable"))
            .json(&json!({ "password": password, "code": code }))
            .send()
    };
    assert_eq!(
        disable("wrong", Some(code(&app, &secret, 1))).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let no_code: Value = disable(PASSWORD, None).await.unwrap().json().await.unwrap();
    assert_eq!(error_code(&no_code), "second_factor_required");
    assert_eq!(
        disable(PASSWORD, Some(code(&app, &secret, 1))).await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.get_json(&ada, "/api/v1/security").await.1["totp_enabled"], false);
    assert_eq!(sign_in(&app, &app.client(), None).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn sign_out_everywhere_ends_the_users_other_sessions_only() {
    let app = spawn_app().await;
    let laptop = app.signed_in("ada@example.com").await;
    let phone = app.signed_in("ada@example.com").await;
    let grace = app.signed_in("grace@example.com").await;
    let response = laptop
        .post(app.url("/api/v1/auth/sign-out-everywhere"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get_json(&phone, "/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get_json(&laptop, "/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get_json(&grace, "/api/v1/me").await.0, StatusCode::OK);
}

#[tokio::test]
async fn reauthenticating_checks_the_password_and_gives_the_session_a_new_id() {
    let app = spawn_app().await;
    let ada = app.client();
    let first = app.sign_in_with(&ada, "ada@example.com", PASSWORD).await;
    let old = session_cookie(&first);
    let wrong = ada
        .post(app.url("/api/v1/auth/reauthenticate"))
        .json(&json!({ "password": "nope" }))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let right = ada
        .post(app.url("/api/v1/auth/reauthenticate"))
        .json(&json!({ "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), StatusCode::NO_CONTENT);
    let new = session_cookie(&right);
    assert_ne!(old, new);
    assert_eq!(me_with(&app, &old).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me_with(&app, &new).await, StatusCode::OK);
    assert_eq!(
        app.get_json(&ada, "/api/v1/me").await.0,
        StatusCode::OK,
        "the browser follows the new cookie"
    );
}

#[tokio::test]
async fn reauthenticating_with_a_second_factor_needs_a_right_code() {
    let app = spawn_app().await;
    let (ada, secret, _) = with_totp(&app).await;
    let reauth = |code: Option<String>| {
        ada.post(app.url("/api/v1/auth/reauthenticate"))
            .json(&json!({ "password": PASSWORD, "code": code }))
            .send()
    };
    let missing: Value = reauth(None).await.unwrap().json().await.unwrap();
    assert_eq!(error_code(&missing), "second_factor_required");
    let wrong: Value = reauth(Some("123456".into())).await.unwrap().json().await.unwrap();
    assert_eq!(error_code(&wrong), "second_factor_invalid");
    assert_eq!(
        reauth(Some(code(&app, &secret, 1))).await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn second_factor_changes_reauthentication_and_sign_out_everywhere_are_audited() {
    let app = spawn_app().await;
    let (ada, secret, _) = with_totp(&app).await;
    let reauthenticated = ada
        .post(app.url("/api/v1/auth/reauthenticate"))
        .json(&json!({ "password": PASSWORD, "code": code(&app, &secret, 1) }))
        .send()
        .await
        .unwrap();
    assert_eq!(reauthenticated.status(), StatusCode::NO_CONTENT);
    // Each code once: the next one is a minute later.
    app.clock.advance(time::Duration::minutes(1));
    let disabled = ada
        .post(app.url("/api/v1/security/totp/disable"))
        .json(&json!({ "password": PASSWORD, "code": code(&app, &secret, 0) }))
        .send()
        .await
        .unwrap();
    assert_eq!(disabled.status(), StatusCode::NO_CONTENT);
    ada.post(app.url("/api/v1/auth/sign-out-everywhere"))
        .send()
        .await
        .unwrap();

    let db = app.database().await;
    let actions: Vec<String> = db
        .audit_events(4)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "sign_out_everywhere",
            "second_factor_disabled",
            "reauthenticate",
            "second_factor_enabled"
        ]
    );
}
