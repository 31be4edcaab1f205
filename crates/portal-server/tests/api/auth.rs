use std::time::{Duration, Instant};

use reqwest::{StatusCode, header};

use crate::helpers::{CSRF_HEADER, PASSWORD, error_code, field_names, me_with, session_cookie, spawn_app, spawn_with};

#[tokio::test]
async fn sign_in_succeeds_and_me_names_the_user() {
    let app = spawn_app().await;
    let client = app.client();
    let response = app.sign_in_with(&client, "ada@example.com", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["email"], "ada@example.com");
    assert_eq!(body["role"], "employee");

    let (status, me) = app.get_json(&client, "/api/v1/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["display_name"], "Ada Lovelace");
}

#[tokio::test]
async fn email_is_matched_without_regard_to_case_or_spaces() {
    let app = spawn_app().await;
    let response = app.sign_in_with(&app.client(), "  Ada@Example.COM ", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_session_cookie_is_httponly_samesite_strict_and_not_readable_by_scripts() {
    let app = spawn_app().await;
    let response = app.sign_in_with(&app.client(), "ada@example.com", PASSWORD).await;
    let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap().to_string();
    let attributes: Vec<&str> = cookie.split(';').map(str::trim).collect();
    let (name, value) = attributes[0].split_once('=').unwrap();
    assert_eq!(name, "cp_session");
    assert!(value.len() >= 43, "at least 256 bits of token: {value}");
    for expected in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(attributes.contains(&expected), "{expected} missing from {cookie}");
    }
    assert!(
        !attributes.contains(&"Secure"),
        "plain HTTP on loopback: no Secure flag"
    );
}

#[tokio::test]
async fn the_cookie_is_secure_when_configured_behind_tls() {
    let app = spawn_with(|config| config.secure_cookies = true).await;
    let response = app.sign_in_with(&app.client(), "ada@example.com", PASSWORD).await;
    let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.split(';').any(|a| a.trim() == "Secure"), "{cookie}");
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_answer_after_the_same_work() {
    let app = spawn_app().await;
    let client = app.client();
    let mut timings = [Duration::MAX; 2];
    let mut bodies = Vec::new();
    for _ in 0..7 {
        for (i, email) in ["ada@example.com", "nobody@example.com"].into_iter().enumerate() {
            let started = Instant::now();
            let response = app.sign_in_with(&client, email, "wrong-password").await;
            timings[i] = timings[i].min(started.elapsed());
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
            assert!(response.headers().get(header::SET_COOKIE).is_none());
            bodies.push(response.text().await.unwrap());
        }
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "answers differ: {bodies:?}");
    let body: serde_json::Value = serde_json::from_str(&bodies[0]).unwrap();
    assert_eq!(error_code(&body), "invalid_credentials");
    // Both pay for one argon2id verification (counted in the password
    // module's tests); here, the fastest of seven answers of each kind, so
    // that a busy machine does not decide, are of the same order.
    let [wrong, unknown] = timings;
    assert!(
        unknown * 4 > wrong && wrong * 4 > unknown,
        "wrong password {wrong:?}, unknown user {unknown:?}"
    );
}

#[tokio::test]
async fn me_without_a_session_is_401() {
    let app = spawn_app().await;
    let (status, body) = app.get_json(&app.client(), "/api/v1/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "unauthorized");

    assert_eq!(
        me_with(&app, "cp_session=not-a-real-session").await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_session_endpoint_says_who_is_signed_in_without_an_error() {
    let app = spawn_app().await;
    let client = app.client();
    let (status, body) = app.get_json(&client, "/api/v1/auth/session").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        serde_json::json!({ "user": null, "expired": false, "organisation": null })
    );

    app.sign_in_with(&client, "grace@example.com", PASSWORD).await;
    let (_, body) = app.get_json(&client, "/api/v1/auth/session").await;
    assert_eq!(body["user"]["email"], "grace@example.com");

    app.clock.advance(time::Duration::minutes(31));
    let (status, body) = app.get_json(&client, "/api/v1/auth/session").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        serde_json::json!({ "user": null, "expired": true, "organisation": null })
    );
}

#[tokio::test]
async fn bad_input_gets_per_field_messages() {
    let app = spawn_app().await;
    let client = app.client();
    let response = app.sign_in_with(&client, "not-an-email", "").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "invalid_input");
    let fields = field_names(&body);
    assert_eq!(fields, ["email", "password"]);
    assert!(body["fields"][0]["message"].as_str().is_some_and(|m| !m.is_empty()));
    // Each with the stable code of its rule, which the portal translates.
    assert_eq!(body["fields"][0]["code"], "email_invalid");
    assert_eq!(body["fields"][1]["code"], "password_missing");

    let malformed = client
        .post(app.url("/api/v1/auth/sign-in"))
        .header(header::CONTENT_TYPE, "application/json")
        .body("{\"email\": 42")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = malformed.json().await.unwrap();
    assert_eq!(error_code(&body), "bad_request");

    // An array is not the object asked for, though serde would read one as a struct.
    let array = client
        .post(app.url("/api/v1/auth/sign-in"))
        .json(&serde_json::json!(["ada@example.com", PASSWORD]))
        .send()
        .await
        .unwrap();
    assert_eq!(array.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn sign_out_ends_the_session_on_the_server() {
    let app = spawn_app().await;
    let client = app.signed_in("ada@example.com").await;
    // Keep the raw cookie, as an attacker who copied it would.
    let copied = app.client();
    let response = app.sign_in_with(&copied, "ada@example.com", PASSWORD).await;
    let token = session_cookie(&response);

    let response = client.post(app.url("/api/v1/auth/sign-out")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(
        response.headers()[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(app.get_json(&client, "/api/v1/me").await.0, StatusCode::UNAUTHORIZED);

    let sign_out_copied = reqwest::Client::new()
        .post(app.url("/api/v1/auth/sign-out"))
        .header(header::COOKIE, &token)
        .header(CSRF_HEADER, "company-portal")
        .send()
        .await
        .unwrap();
    assert_eq!(sign_out_copied.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        me_with(&app, &token).await,
        StatusCode::UNAUTHORIZED,
        "a signed-out token is refused"
    );
}

#[tokio::test]
async fn an_idle_session_expires_and_says_so() {
    let app = spawn_app().await;
    let client = app.signed_in("ada@example.com").await;
    app.clock.advance(time::Duration::minutes(29));
    assert_eq!(
        app.get_json(&client, "/api/v1/me").await.0,
        StatusCode::OK,
        "used within the idle limit"
    );
    app.clock.advance(time::Duration::minutes(29));
    assert_eq!(
        app.get_json(&client, "/api/v1/me").await.0,
        StatusCode::OK,
        "the last use restarted the idle clock"
    );
    app.clock.advance(time::Duration::minutes(31));
    let (status, body) = app.get_json(&client, "/api/v1/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "session_expired");
}

#[tokio::test]
async fn a_busy_session_still_ends_twelve_hours_after_sign_in() {
    let app = spawn_app().await;
    let client = app.signed_in("ada@example.com").await;
    let mut used_for = time::Duration::ZERO;
    let (status, body) = loop {
        app.clock.advance(time::Duration::minutes(29));
        used_for += time::Duration::minutes(29);
        let (status, body) = app.get_json(&client, "/api/v1/me").await;
        if status != StatusCode::OK || used_for > time::Duration::hours(13) {
            break (status, body);
        }
    };
    assert!(
        used_for > time::Duration::hours(12) - time::Duration::minutes(29),
        "ended after {used_for}"
    );
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "session_expired");
}

#[tokio::test]
async fn sign_ins_and_failures_are_in_the_audit_log() {
    let app = spawn_app().await;
    let client = app.client();
    app.sign_in_with(&client, "ada@example.com", "wrong").await;
    app.sign_in_with(&client, "ada@example.com", PASSWORD).await;
    client.post(app.url("/api/v1/auth/sign-out")).send().await.unwrap();
    let db = app.database().await;
    let events = db.audit_events(10).await.unwrap();
    let seen: Vec<(&str, &str)> = events.iter().map(|e| (e.action.as_str(), e.outcome.as_str())).collect();
    assert_eq!(
        seen,
        [("sign_out", "success"), ("sign_in", "success"), ("sign_in", "failure")]
    );
    assert!(events.iter().all(|e| e.subject.as_deref() == Some("ada@example.com")));
    assert!(events.iter().all(|e| e.source.as_deref() == Some("127.0.0.1")));
}
