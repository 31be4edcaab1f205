//! Terms and conditions: published by administrators, accepted by employees
//! before Add device issues them a code, asked again for each new version.

use portal_types::{EnrollmentOptions, Terms, TermsVersion};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    commands::activity_actions,
    enrollment::issue_code,
    helpers::{TestApp, error_code, field_names, spawn_app},
};

async fn publish(app: &TestApp, admin: &reqwest::Client, based_on: u32, text: &str) -> reqwest::Response {
    admin
        .post(app.url("/api/v1/admin/terms"))
        .json(&json!({ "based_on": based_on, "text": text }))
        .send()
        .await
        .unwrap()
}

async fn published(app: &TestApp, admin: &reqwest::Client, based_on: u32, text: &str) -> TermsVersion {
    let response = publish(app, admin, based_on, text).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn accept(app: &TestApp, user: &reqwest::Client, version: u32) -> reqwest::Response {
    user.post(app.url("/api/v1/terms/acceptances"))
        .json(&json!({ "version": version }))
        .send()
        .await
        .unwrap()
}

async fn options(app: &TestApp, user: &reqwest::Client) -> EnrollmentOptions {
    let (status, body) = app.get_json(user, "/api/v1/enrollment/options").await;
    assert_eq!(status, StatusCode::OK);
    serde_json::from_value(body).unwrap()
}

async fn refusal(response: reqwest::Response) -> (StatusCode, String) {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    (status, error_code(&body).to_string())
}

#[tokio::test]
async fn without_terms_add_device_asks_for_none() {
    let app = spawn_app().await;
    let ada = app.signed_in("ada@example.com").await;
    assert_eq!(options(&app, &ada).await.terms, None);
    assert_eq!(
        issue_code(&app, &ada, "android", "corporate").await.status(),
        StatusCode::CREATED
    );
    let it = app.signed_in("it@example.com").await;
    let (status, none) = app.get_json(&it, "/api/v1/admin/terms").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_value::<TermsVersion>(none).unwrap(),
        TermsVersion::default()
    );
    let nothing_to_accept = accept(&app, &ada, 1).await;
    assert_eq!(nothing_to_accept.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_code_only_after_the_terms_in_force_are_accepted_and_again_for_each_new_version() {
    let app = spawn_app().await;
    let it = app.signed_in("it@example.com").await;
    let first = published(&app, &it, 0, "# Use of devices\n\nKeep your device **locked**.").await;
    assert_eq!(first.version, 1);
    assert_eq!(first.published_by.as_deref(), Some("IT Admin (it@example.com)"));
    assert_eq!(first.accepted_by, 0);

    let ada = app.signed_in("ada@example.com").await;
    let terms = options(&app, &ada).await.terms.expect("the terms in force");
    assert_eq!((terms.version, terms.accepted_at), (1, None));
    assert_eq!(
        terms.html,
        "<h3>Use of devices</h3>\n<p>Keep your device <strong>locked</strong>.</p>\n"
    );
    let refused = refusal(issue_code(&app, &ada, "android", "corporate").await).await;
    assert_eq!(refused, (StatusCode::FORBIDDEN, "terms_not_accepted".into()));

    let accepted = accept(&app, &ada, 1).await;
    assert_eq!(accepted.status(), StatusCode::CREATED);
    let accepted: Terms = accepted.json().await.unwrap();
    let at = accepted.accepted_at.clone().expect("when");
    assert_eq!(options(&app, &ada).await.terms, Some(accepted));
    assert_eq!(
        issue_code(&app, &ada, "android", "corporate").await.status(),
        StatusCode::CREATED
    );
    // Accepting again changes nothing, and is not recorded twice.
    let again: Terms = accept(&app, &ada, 1).await.json().await.unwrap();
    assert_eq!(again.accepted_at, Some(at));
    let actions = activity_actions(&app, &ada).await;
    assert_eq!(
        actions.iter().filter(|a| *a == "terms_accepted").count(),
        1,
        "{actions:?}"
    );

    // Somebody who has not accepted is still refused.
    let grace = app.signed_in("grace@example.com").await;
    let refused = refusal(issue_code(&app, &grace, "android", "corporate").await).await;
    assert_eq!(refused.1, "terms_not_accepted");

    let second = published(&app, &it, 1, "Version two.").await;
    assert_eq!((second.version, second.accepted_by), (2, 0));
    let terms = options(&app, &ada).await.terms.unwrap();
    assert_eq!((terms.version, terms.accepted_at), (2, None));
    let refused = refusal(issue_code(&app, &ada, "android", "corporate").await).await;
    assert_eq!(refused.1, "terms_not_accepted");
    // The version read is no longer the one in force.
    let stale = refusal(accept(&app, &ada, 1).await).await;
    assert_eq!(stale, (StatusCode::CONFLICT, "terms_changed".into()));
    assert_eq!(accept(&app, &ada, 2).await.status(), StatusCode::CREATED);
    assert_eq!(
        issue_code(&app, &ada, "android", "corporate").await.status(),
        StatusCode::CREATED
    );

    let (_, current) = app.get_json(&it, "/api/v1/admin/terms").await;
    let current: TermsVersion = serde_json::from_value(current).unwrap();
    assert_eq!(
        (current.version, current.accepted_by, current.text.as_str()),
        (2, 1, "Version two.")
    );
    let audit = app.audit(&it, "action=terms_accepted").await;
    let subjects: Vec<Option<&str>> = audit.entries.iter().map(|e| e.subject.as_deref()).collect();
    assert_eq!(subjects, [Some("terms version 2"), Some("terms version 1")]);
}

#[tokio::test]
async fn only_administrators_publish_and_a_stale_edit_is_refused() {
    let app = spawn_app().await;
    let ada = app.signed_in("ada@example.com").await;
    assert_eq!(refusal(publish(&app, &ada, 0, "Mine.").await).await.1, "admin_only");
    let read = ada.get(app.url("/api/v1/admin/terms")).send().await.unwrap();
    assert_eq!(read.status(), StatusCode::FORBIDDEN);
    let anonymous = app
        .client()
        .post(app.url("/api/v1/admin/terms"))
        .json(&json!({ "based_on": 0, "text": "x" }));
    assert_eq!(anonymous.send().await.unwrap().status(), StatusCode::UNAUTHORIZED);

    let it = app.signed_in("it@example.com").await;
    published(&app, &it, 0, "One.").await;
    // Two administrators editing version 1: the second to publish is told.
    published(&app, &it, 1, "Two.").await;
    let stale = refusal(publish(&app, &it, 1, "Also two.").await).await;
    assert_eq!(stale, (StatusCode::CONFLICT, "terms_changed".into()));
    let (_, current) = app.get_json(&it, "/api/v1/admin/terms").await;
    assert_eq!(
        (current["version"].as_u64(), current["text"].as_str()),
        (Some(2), Some("Two."))
    );
}

#[tokio::test]
async fn empty_or_overlong_terms_are_refused_and_markup_cannot_run() {
    let app = spawn_app().await;
    let it = app.signed_in("it@example.com").await;
    for text in ["", "  \n ", &"x".repeat(portal_server::terms::MAX_LENGTH + 1)] {
        let response = publish(&app, &it, 0, text).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: Value = response.json().await.unwrap();
        assert_eq!(field_names(&body), ["text"]);
    }
    let exactly = "x".repeat(portal_server::terms::MAX_LENGTH);
    assert_eq!(publish(&app, &it, 0, &exactly).await.status(), StatusCode::CREATED);

    let scripted = "<script>alert(1)</script>\n\n[open](javascript:alert(1)) <img src=x onerror=alert(1)>";
    let version = published(&app, &it, 1, scripted).await;
    assert_eq!(version.text, scripted, "kept as written");
    for refused in ["<script", "<img", "javascript:"] {
        assert!(!version.html.contains(refused), "{refused} in {}", version.html);
    }
    let ada = app.signed_in("ada@example.com").await;
    assert_eq!(options(&app, &ada).await.terms.unwrap().html, version.html);
}
