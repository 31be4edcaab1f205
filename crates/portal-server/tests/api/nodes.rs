//! Several nodes over one database behave as one portal: what one node
//! knows, the others know. Sessions and limits are in the database on both
//! backends; live events, and what makes a node's kept reads stale, cross
//! nodes over PostgreSQL only (SQLite is one node).

use std::time::{Duration, Instant};

use portal_agent::DeviceClient;
use portal_types::{CommandKind, CommandState};
use reqwest::StatusCode;
use serde_json::json;

use crate::{
    enrollment::enrolled_device,
    helpers::{PASSWORD, another_node, me_with, session_cookie, spawn_app},
};

#[tokio::test]
async fn a_session_created_on_one_node_works_on_another_and_ends_on_both() {
    let a = spawn_app().await;
    let b = another_node(&a, |_| {}).await;
    let response = a.sign_in_with(&a.client(), "ada@example.com", PASSWORD).await;
    let cookie = session_cookie(&response);
    assert_eq!(me_with(&b, &cookie).await, StatusCode::OK);
    assert_eq!(me_with(&a, &cookie).await, StatusCode::OK, "and A keeps it");

    let signed_out = reqwest::Client::new()
        .post(b.url("/api/v1/auth/sign-out"))
        .header(reqwest::header::COOKIE, &cookie)
        .header(crate::helpers::CSRF_HEADER, "company-portal")
        .send()
        .await
        .unwrap();
    assert!(signed_out.status().is_success());
    assert_eq!(me_with(&b, &cookie).await, StatusCode::UNAUTHORIZED);
    if a.data.is_postgres() {
        // A forgets what it kept once it hears B's notice.
        let deadline = Instant::now() + Duration::from_secs(5);
        while me_with(&a, &cookie).await != StatusCode::UNAUTHORIZED {
            assert!(Instant::now() < deadline, "node A still takes the ended session");
            tokio::task::yield_now().await;
        }
    }
}

#[tokio::test]
async fn failed_sign_ins_on_two_nodes_count_together() {
    let a = spawn_app().await;
    let b = another_node(&a, |_| {}).await;
    for attempt in 0..20 {
        let node = if attempt % 2 == 0 { &a } else { &b };
        let response = node.sign_in_with(&node.client(), "ada@example.com", "wrong").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    for node in [&a, &b] {
        let response = node.sign_in_with(&node.client(), "ada@example.com", PASSWORD).await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    }
}

#[tokio::test]
async fn a_node_with_another_device_ca_refuses_to_start() {
    let a = spawn_app().await;
    let mut config = a.data.config();
    // Its own data folder: a CA of its own.
    let elsewhere = tempfile::tempdir().unwrap();
    config.data_dir = elsewhere.path().to_path_buf();
    config.secret_key = Some(base64_key(&a));
    let error = portal_server::startup::Application::build(config)
        .await
        .err()
        .expect("refused");
    assert!(error.to_string().contains("device CA"), "{error}");
}

#[tokio::test]
async fn a_node_with_another_secret_key_refuses_to_start() {
    let a = spawn_app().await;
    let mut config = a.data.config();
    config.secret_key = Some("AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=".into());
    let error = portal_server::startup::Application::build(config)
        .await
        .err()
        .expect("refused");
    assert!(error.to_string().contains("secret key"), "{error}");
}

/// The first node's secret key (base64 in its key file), as a flag would give it.
fn base64_key(app: &crate::helpers::TestApp) -> String {
    std::fs::read_to_string(app.data.dir.path().join("secret.key")).unwrap()
}

/// Run by the test command's PostgreSQL phase: `cargo test --test api -- --ignored nodes::a_command`.
#[tokio::test]
#[ignore = "needs PostgreSQL (PORTAL_TEST_DATABASE): SQLite is one node"]
async fn a_command_queued_on_one_node_reaches_the_agent_and_portal_on_another() {
    let a = spawn_app().await;
    assert!(a.data.is_postgres(), "run with PORTAL_TEST_DATABASE=postgres://...");
    let b = another_node(&a, |_| {}).await;
    let (grace, device, _dir) = enrolled_device(&a).await;
    // The device's stream and Grace's second browser are on node B.
    let on_b = DeviceClient::with_key(
        portal_agent::DeviceState {
            server: b.address.clone(),
            ..device.state.clone()
        },
        &std::fs::read_to_string(_dir.0.join("device.key.pem")).unwrap(),
    )
    .unwrap();
    let mut stream = on_b.command_stream().await.unwrap();
    let browser_b = b.signed_in("grace@example.com").await;
    let mut events = browser_b.get(b.url("/api/v1/events")).send().await.unwrap();

    let pressed = Instant::now();
    let path = format!("/api/v1/devices/{}/lock", device.state.device_id);
    let queued = grace
        .post(a.url(&path))
        .json(&json!({ "message": "Found? Call IT" }))
        .send()
        .await
        .unwrap();
    assert_eq!(queued.status(), StatusCode::ACCEPTED);
    let received = tokio::time::timeout(Duration::from_secs(1), stream.next_command())
        .await
        .expect("delivered across nodes within a second")
        .unwrap()
        .unwrap();
    assert!(pressed.elapsed() < Duration::from_secs(1));
    assert_eq!(received.kind, CommandKind::Lock);

    let mut seen = String::new();
    let needle = "command_updated";
    while !seen.contains(needle) {
        let chunk = tokio::time::timeout(Duration::from_secs(1), events.chunk())
            .await
            .expect("node B's portal hears within a second")
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    let done = on_b
        .report(received.id, portal_types::CommandOutcome::Completed, None)
        .await
        .unwrap();
    assert_eq!(done.state, CommandState::Completed);
}

/// Run with `PORTAL_TEST_DATABASE=postgres://... cargo test -p portal-server --test api -- --ignored --nocapture
/// cross_node_reset_delivery` (or `scripts/bench.sh`).
#[tokio::test]
#[ignore = "a measurement, not a check: prints figures"]
async fn cross_node_reset_delivery_over_50_runs() {
    let policy = crate::commands::roomy_policy();
    let a = crate::helpers::spawn_with(|config| config.policy_file = Some(policy.clone())).await;
    assert!(a.data.is_postgres(), "run with PORTAL_TEST_DATABASE=postgres://...");
    let b = another_node(&a, |config| config.policy_file = Some(policy)).await;
    let delays = crate::commands::reset_delivery(&a, &b, 50).await;
    println!(
        "Reset device pressed on node A -> agent on node B received, 50 runs: median {:?}, worst {:?}, best {:?}",
        delays[25], delays[49], delays[0]
    );
    crate::commands::record_delivery("node A to node B", &delays);
}
