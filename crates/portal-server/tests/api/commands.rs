use std::time::{Duration, Instant};

use portal_agent::DeviceClient;
use portal_types::{Command, CommandKind, CommandOutcome, CommandState, CommandsResponse};
use reqwest::StatusCode;
use serde_json::json;

use crate::{
    enrollment::{enrolled_device, inventory, waiting},
    helpers::{PASSWORD, TestApp, error_code, field_names, spawn_app},
};

pub async fn queue_lock(app: &TestApp, user: &reqwest::Client, device: &DeviceClient) -> Command {
    let path = format!("/api/v1/devices/{}/lock", device.state.device_id);
    let response = user
        .post(app.url(&path))
        .json(&json!({ "message": "Lost phone: please call", "phone": "+44 20 7946 0000" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    response.json().await.unwrap()
}

/// A Lock of the device that the state refuses: the refusal's code.
pub async fn refused_lock(app: &TestApp, user: &reqwest::Client, device: &str) -> String {
    let lock = user
        .post(app.url(&format!("/api/v1/devices/{device}/lock")))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(lock.status(), StatusCode::CONFLICT);
    error_code(&lock.json().await.unwrap()).to_string()
}

/// The device's remote actions, without the installs of required apps that
/// [`enrolled_device`] carried out.
async fn timeline(app: &TestApp, user: &reqwest::Client, device: &DeviceClient) -> Vec<Command> {
    let path = format!("/api/v1/devices/{}/commands", device.state.device_id);
    let (status, body) = app.get_json(user, &path).await;
    assert_eq!(status, StatusCode::OK);
    let commands = serde_json::from_value::<CommandsResponse>(body).unwrap().commands;
    commands
        .into_iter()
        .filter(|c| c.kind != CommandKind::Install)
        .collect()
}

#[tokio::test]
async fn a_connected_device_gets_a_command_within_a_second_and_its_timeline_fills_in() {
    let app = spawn_app().await;
    let (grace, device, _) = enrolled_device(&app).await;
    let mut stream = device.command_stream().await.unwrap();

    let queued_at = Instant::now();
    let queued = queue_lock(&app, &grace, &device).await;
    assert_eq!(queued.state, CommandState::Requested);
    let received = tokio::time::timeout(Duration::from_secs(1), stream.next_command())
        .await
        .expect("delivered within a second")
        .unwrap()
        .unwrap();
    assert!(queued_at.elapsed() < Duration::from_secs(1));
    assert_eq!((received.id, received.kind), (queued.id, CommandKind::Lock));
    assert_eq!(received.lock_phone.as_deref(), Some("+44 20 7946 0000"));

    assert_eq!(
        device.acknowledge(received.id).await.unwrap().state,
        CommandState::Acknowledged
    );
    let done = device
        .report(received.id, CommandOutcome::Completed, None)
        .await
        .unwrap();
    assert_eq!(done.state, CommandState::Completed);
    let [command] = timeline(&app, &grace, &device).await.try_into().unwrap();
    assert_eq!(command.state, CommandState::Completed);
    assert!(command.delivered_at.is_some() && command.acknowledged_at.is_some() && command.finished_at.is_some());

    // Every step is in her Activity; the device took them, not she.
    let actions = activity_actions(&app, &grace).await;
    assert_eq!(
        actions[..4],
        [
            "lock_completed",
            "lock_acknowledged",
            "lock_delivered",
            "lock_requested"
        ]
    );
    let it = app.signed_in("it@example.com").await;
    let device_id = device.state.device_id;
    let log = app.audit(&it, &format!("device={device_id}")).await;
    let actors: Vec<(&str, Option<&str>)> = log
        .entries
        .iter()
        .filter(|e| e.action.starts_with("lock_"))
        .map(|e| (e.action.as_str(), e.actor.as_deref()))
        .collect();
    assert_eq!(
        actors,
        [
            ("lock_completed", None),
            ("lock_acknowledged", None),
            ("lock_delivered", None),
            ("lock_requested", Some("grace@example.com"))
        ]
    );
}

#[tokio::test]
async fn an_offline_device_gets_its_commands_oldest_first_at_its_next_check_in() {
    let app = spawn_app().await;
    let (grace, device, _) = enrolled_device(&app).await;
    let first = queue_lock(&app, &grace, &device).await;
    let path = format!("/api/v1/devices/{}/sync", device.state.device_id);
    let second: Command = grace.post(app.url(&path)).send().await.unwrap().json().await.unwrap();

    let ids: Vec<_> = waiting(&device).await.iter().map(|c| c.id).collect();
    assert_eq!(ids, [first.id, second.id]);
    assert!(
        timeline(&app, &grace, &device)
            .await
            .iter()
            .all(|c| c.state == CommandState::Delivered)
    );
    assert!(waiting(&device).await.is_empty(), "delivered once");
}

#[tokio::test]
async fn a_command_cancelled_before_delivery_never_reaches_the_device() {
    let app = spawn_app().await;
    let (grace, device, _) = enrolled_device(&app).await;
    let command = queue_lock(&app, &grace, &device).await;
    let cancel = format!(
        "/api/v1/devices/{}/commands/{}/cancel",
        device.state.device_id, command.id
    );
    let response = grace.post(app.url(&cancel)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Command>().await.unwrap().state, CommandState::Cancelled);

    let mut stream = device.command_stream().await.unwrap();
    assert!(waiting(&device).await.is_empty());
    assert!(
        tokio::time::timeout(Duration::from_millis(300), stream.next_command())
            .await
            .is_err(),
        "nothing sent"
    );

    let delivered = queue_lock(&app, &grace, &device).await;
    tokio::time::timeout(Duration::from_secs(1), stream.next_command())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let late = format!(
        "/api/v1/devices/{}/commands/{}/cancel",
        device.state.device_id, delivered.id
    );
    let response = grace.post(app.url(&late)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(&response.json().await.unwrap()), "too_late");
}

#[tokio::test]
async fn failed_not_now_and_expired_commands_say_so() {
    let app = spawn_app().await;
    let (grace, mut device, _) = enrolled_device(&app).await;

    let failing = queue_lock(&app, &grace, &device).await;
    device.check_in(&inventory("15"), &[]).await.unwrap();
    let failed = device
        .report(failing.id, CommandOutcome::Failed, Some("Screen lock busy".into()))
        .await
        .unwrap();
    assert_eq!(
        (failed.state, failed.failure_reason.as_deref()),
        (CommandState::Failed, Some("Screen lock busy"))
    );

    let deferred = queue_lock(&app, &grace, &device).await;
    device.check_in(&inventory("15"), &[]).await.unwrap();
    assert_eq!(
        device
            .report(deferred.id, CommandOutcome::NotNow, None)
            .await
            .unwrap()
            .state,
        CommandState::Requested
    );
    let again = waiting(&device).await;
    assert_eq!(
        again.iter().map(|c| c.id).collect::<Vec<_>>(),
        [deferred.id],
        "retried at the next check-in"
    );
    device
        .report(deferred.id, CommandOutcome::Completed, None)
        .await
        .unwrap();

    let stale = queue_lock(&app, &grace, &device).await;
    app.clock.advance(time::Duration::days(7));
    device.clock_offset_seconds = time::Duration::days(7).whole_seconds();
    assert!(waiting(&device).await.is_empty(), "expired: not delivered");
    let grace = app.signed_in("grace@example.com").await;
    let expired = timeline(&app, &grace, &device)
        .await
        .into_iter()
        .find(|c| c.id == stale.id)
        .unwrap();
    assert_eq!(expired.state, CommandState::Expired);
    // Time ended it, and her Activity says so.
    let actions = activity_actions(&app, &grace).await;
    assert!(actions.contains(&"lock_expired".to_string()), "{actions:?}");
}

#[tokio::test]
async fn the_same_idempotency_key_queues_one_command() {
    let app = spawn_app().await;
    let (grace, device, _) = enrolled_device(&app).await;
    let path = format!("/api/v1/devices/{}/sync", device.state.device_id);
    let send = || grace.post(app.url(&path)).header("idempotency-key", "press-1").send();
    let first: Command = send().await.unwrap().json().await.unwrap();
    let second: Command = send().await.unwrap().json().await.unwrap();
    assert_eq!(first.id, second.id);
    assert_eq!(timeline(&app, &grace, &device).await.len(), 1);
}

#[tokio::test]
async fn bad_lock_input_gets_field_messages() {
    let app = spawn_app().await;
    let (grace, device, _) = enrolled_device(&app).await;
    let path = format!("/api/v1/devices/{}/lock", device.state.device_id);
    let response = grace
        .post(app.url(&path))
        .json(&json!({ "message": "x".repeat(201), "phone": "call me" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = response.json().await.unwrap();
    let fields = field_names(&body);
    assert_eq!(fields, ["message", "phone"]);
    assert!(timeline(&app, &grace, &device).await.is_empty());
}

#[tokio::test]
async fn another_users_device_is_404_for_every_command_endpoint_and_nothing_changes() {
    let app = spawn_app().await;
    let (grace, device, _) = enrolled_device(&app).await;
    let queued = queue_lock(&app, &grace, &device).await;
    let ada = app.signed_in("ada@example.com").await;
    let id = device.state.device_id;
    // Each with a body that would succeed on Ada's own device.
    let endpoints = [
        ("GET", format!("/api/v1/devices/{id}"), json!(null)),
        ("GET", format!("/api/v1/devices/{id}/commands"), json!(null)),
        ("POST", format!("/api/v1/devices/{id}/sync"), json!(null)),
        ("POST", format!("/api/v1/devices/{id}/lock"), json!({})),
        (
            "POST",
            format!("/api/v1/devices/{id}/commands/{}/cancel", queued.id),
            json!(null),
        ),
        (
            "POST",
            format!("/api/v1/devices/{id}/rename"),
            json!({ "name": "Taken" }),
        ),
        (
            "POST",
            format!("/api/v1/devices/{id}/wipe"),
            json!({ "device_name": "New phone" }),
        ),
        ("DELETE", format!("/api/v1/devices/{id}"), json!(null)),
    ];
    for (method, path, body) in &endpoints {
        let request =
            |client: &reqwest::Client| client.request(method.parse().unwrap(), app.url(path)).json(body).send();
        let response = request(&ada).await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{method} {path}");
        assert_eq!(error_code(&response.json().await.unwrap()), "not_found");
        assert_eq!(
            request(&app.client()).await.unwrap().status(),
            StatusCode::UNAUTHORIZED,
            "{method} {path}"
        );
    }
    let commands = timeline(&app, &grace, &device).await;
    assert_eq!(commands.len(), 1, "nothing queued by Ada");
    assert!(app.get_json(&grace, &format!("/api/v1/devices/{id}")).await.1["device"]["name"] == "New phone");
    assert_eq!(commands[0].state, CommandState::Requested, "nothing cancelled by Ada");
}

#[tokio::test]
async fn a_command_delivered_but_never_acknowledged_comes_again_and_the_newest_connection_takes_over() {
    let app = spawn_app().await;
    let (grace, device, _) = enrolled_device(&app).await;
    let lock = queue_lock(&app, &grace, &device).await;
    let [lost] = waiting(&device).await.try_into().unwrap();
    assert_eq!(
        lost.id, lock.id,
        "delivered, then the device went away before acknowledging it"
    );
    assert!(
        waiting(&device).await.is_empty(),
        "a check-in does not deliver it twice"
    );

    let mut stream = device.command_stream().await.unwrap();
    let again = tokio::time::timeout(Duration::from_secs(1), stream.next_command())
        .await
        .expect("delivered again at once")
        .unwrap()
        .unwrap();
    assert_eq!(again.id, lock.id);
    device.acknowledge(again.id).await.unwrap();
    device.report(again.id, CommandOutcome::Completed, None).await.unwrap();
    // The device reconnects while the server still holds the old connection
    // open: the newer one takes over.
    let mut second = device.command_stream().await.unwrap();
    let next = queue_lock(&app, &grace, &device).await;
    let first_seen = second.next_command().await.unwrap().unwrap();
    assert_eq!(first_seen.id, next.id, "an acknowledged command is not delivered again");
    assert!(
        !matches!(stream.next_command().await, Ok(Some(_))),
        "the old connection ends without taking anything"
    );
}

/// Run with `cargo test -p portal-server --test api -- --ignored --nocapture reset_delivery`.
#[tokio::test]
#[ignore = "a measurement, not a check: prints figures"]
async fn reset_delivery_latency_over_50_runs() {
    let app = crate::helpers::spawn_with(|config| config.policy_file = Some(roomy_policy())).await;
    let delays = reset_delivery(&app, &app, 50).await;
    println!(
        "Reset device pressed -> agent received, 50 runs: median {:?}, worst {:?}, best {:?}",
        delays[25], delays[49], delays[0]
    );
    let database = app.data.database_name();
    record_delivery(&format!("one node, {database}"), &delays);
}

/// The median and worst of 50 deliveries, beside the goals.
pub fn record_delivery(what: &str, delays: &[Duration]) {
    use crate::figures::{Figure, ms};
    for (figure, value, goal) in [("median", delays[25], 20.0), ("worst", delays[49], 200.0)] {
        Figure::new(
            format!("reset_delivery.{what}.{figure}"),
            format!("Reset pressed -> agent received, {what}: {figure}"),
            ms(value),
            "ms",
        )
        .against(goal, "goal")
        .record();
    }
}

/// A policy that lets one user enroll a device per run.
pub fn roomy_policy() -> std::path::PathBuf {
    let policy = tempfile::tempdir().unwrap().keep().join("policy.toml");
    std::fs::write(&policy, "device_limit = 2000").unwrap();
    policy
}

/// Reset device pressed on `ui` until the agent, streaming from `device_node`,
/// receives it, `runs` times, sorted. Each run: a fresh sign-in (fresh
/// authentication), a newly enrolled device whose agent is connected, Reset
/// device pressed, the agent receives it.
pub async fn reset_delivery(ui: &TestApp, device_node: &TestApp, runs: usize) -> Vec<Duration> {
    let mut delays = Vec::new();
    let mut moved = time::Duration::ZERO;
    for _ in 0..runs {
        let grace = ui.signed_in("grace@example.com").await;
        let code = crate::enrollment::code_for(ui, &grace, "android").await;
        let dir = portal_agent::StateDir(tempfile::tempdir().unwrap().keep());
        let state = portal_agent::enroll(
            &device_node.address,
            &code,
            portal_types::Platform::Android,
            inventory("15"),
            &dir,
        )
        .await
        .unwrap();
        let mut device = DeviceClient::load(&dir).unwrap();
        device.clock_offset_seconds = moved.whole_seconds();
        // The required apps' installs come first; carry them out.
        for install in waiting(&device).await {
            device.acknowledge(install.id).await.unwrap();
            device
                .report(install.id, CommandOutcome::Completed, None)
                .await
                .unwrap();
        }
        let mut stream = device.command_stream().await.unwrap();

        let pressed = Instant::now();
        let response = wipe(ui, &grace, &state.device_id.to_string(), "New phone").await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        let received = stream.next_command().await.unwrap().unwrap();
        delays.push(pressed.elapsed());
        assert_eq!(received.kind, CommandKind::Wipe);
        // Three resets an hour: the servers' clocks (and the devices') move on.
        ui.clock.advance(time::Duration::minutes(21));
        if !std::ptr::eq(ui, device_node) {
            device_node.clock.advance(time::Duration::minutes(21));
        }
        moved += time::Duration::minutes(21);
    }
    delays.sort();
    delays
}

#[tokio::test]
async fn the_time_to_live_comes_from_configuration() {
    let app = crate::helpers::spawn_with(|config| config.command_ttl_hours = 1).await;
    let (grace, device, _) = enrolled_device(&app).await;
    let command = queue_lock(&app, &grace, &device).await;
    let requested = time::OffsetDateTime::parse(&command.requested_at, &time::format_description::well_known::Rfc3339);
    let expires = time::OffsetDateTime::parse(&command.expires_at, &time::format_description::well_known::Rfc3339);
    assert_eq!(expires.unwrap() - requested.unwrap(), time::Duration::hours(1));
}

pub async fn wipe(app: &TestApp, user: &reqwest::Client, device: &str, typed: &str) -> reqwest::Response {
    let path = format!("/api/v1/devices/{device}/wipe");
    user.post(app.url(&path))
        .json(&json!({ "device_name": typed }))
        .send()
        .await
        .unwrap()
}

pub async fn reauthenticate(app: &TestApp, user: &reqwest::Client, password: &str) -> StatusCode {
    let path = app.url("/api/v1/auth/reauthenticate");
    user.post(path)
        .json(&json!({ "password": password }))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn reset_device_is_guarded_then_runs_and_revokes_the_certificate() {
    let app = spawn_app().await;
    let (grace, device, _) = enrolled_device(&app).await;
    let id = device.state.device_id.to_string();
    let earlier = queue_lock(&app, &grace, &device).await;

    app.clock.advance(time::Duration::minutes(6));
    let stale = wipe(&app, &grace, &id, "New phone").await;
    assert_eq!(stale.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(&stale.json().await.unwrap()), "reauthentication_required");
    assert_eq!(reauthenticate(&app, &grace, "wrong").await, StatusCode::UNAUTHORIZED);
    assert_eq!(reauthenticate(&app, &grace, PASSWORD).await, StatusCode::NO_CONTENT);

    let mistyped = wipe(&app, &grace, &id, "new phone").await;
    assert_eq!(mistyped.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = mistyped.json().await.unwrap();
    assert_eq!(body["fields"][0]["field"], "device_name");
    assert_eq!(body["fields"][0]["code"], "device_name_mismatch");

    let queued = wipe(&app, &grace, &id, "New phone").await;
    assert_eq!(queued.status(), StatusCode::ACCEPTED);
    let reset: Command = queued.json().await.unwrap();
    assert_eq!(reset.kind, CommandKind::Wipe);
    let again = wipe(&app, &grace, &id, "New phone").await;
    assert_eq!(
        error_code(&again.json().await.unwrap()),
        "wipe_pending",
        "one active reset per device"
    );
    let lock = timeline(&app, &grace, &device)
        .await
        .into_iter()
        .find(|c| c.id == earlier.id)
        .unwrap();
    assert_eq!(
        lock.state,
        CommandState::Cancelled,
        "a reset cancels what was waiting before it"
    );

    let mut device = device;
    device.clock_offset_seconds = 6 * 60;
    let delivered = waiting(&device).await;
    assert_eq!(delivered.iter().map(|c| c.id).collect::<Vec<_>>(), [reset.id]);
    device.acknowledge(reset.id).await.unwrap();
    assert_eq!(
        device
            .report(reset.id, CommandOutcome::Completed, None)
            .await
            .unwrap()
            .state,
        CommandState::Completed
    );

    let (_, detail) = app.get_json(&grace, &format!("/api/v1/devices/{id}")).await;
    assert!(detail["device"]["wiped_at"].is_string());
    assert!(detail["certificate"]["revoked_at"].is_string());
    for _ in 0..2 {
        let refused = device.check_in(&inventory("15"), &[]).await.unwrap_err();
        assert_eq!(
            refused.downcast::<portal_agent::ApiFailure>().unwrap().error.code,
            "certificate_revoked"
        );
    }
    // The reset device calling in is written down, once, in her Activity too.
    let actions = activity_actions(&app, &grace).await;
    assert_eq!(
        actions[..2],
        ["revoked_device_refused", "wipe_completed"],
        "{actions:?}"
    );
    let twice = wipe(&app, &grace, &id, "New phone").await;
    assert_eq!(error_code(&twice.json().await.unwrap()), "already_wiped");
}

#[tokio::test]
async fn the_fourth_reset_in_an_hour_gets_429_with_retry_after() {
    let app = spawn_app().await;
    let (grace, device, _) = enrolled_device(&app).await;
    let second = {
        let code = crate::enrollment::code_for(&app, &grace, "android").await;
        let dir = portal_agent::StateDir(tempfile::tempdir().unwrap().keep());
        portal_agent::enroll(
            &app.address,
            &code,
            portal_types::Platform::Android,
            inventory("15"),
            &dir,
        )
        .await
        .unwrap()
    };
    let (_, body) = app.get_json(&grace, "/api/v1/devices").await;
    let devices: Vec<(String, String)> = body["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["id"].as_str().unwrap().to_string(),
                d["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(devices.len(), 4);
    let _ = (device, second);
    for (id, name) in &devices[..3] {
        assert_eq!(
            wipe(&app, &grace, id, name).await.status(),
            StatusCode::ACCEPTED,
            "{name}"
        );
    }
    let (id, name) = &devices[3];
    let fourth = wipe(&app, &grace, id, name).await;
    assert_eq!(fourth.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(
        fourth.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            > 0
    );
}

/// The caller's actions in their activity, newest first.
pub async fn activity_actions(app: &TestApp, user: &reqwest::Client) -> Vec<String> {
    let (_, activity) = app.get_json(user, "/api/v1/activity").await;
    activity["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

fn listed(devices: &serde_json::Value, id: &str) -> Option<serde_json::Value> {
    devices["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == id)
        .cloned()
}

#[tokio::test]
async fn remove_device_needs_fresh_sign_in_and_the_device_leaves_the_list_once_it_has_retired_itself() {
    let app = spawn_app().await;
    let (grace, device, _) = enrolled_device(&app).await;
    let id = device.state.device_id.to_string();
    app.clock.advance(time::Duration::minutes(6));
    let remove = || grace.delete(app.url(&format!("/api/v1/devices/{id}"))).send();
    let stale = remove().await.unwrap();
    assert_eq!(stale.status(), StatusCode::FORBIDDEN);
    assert_eq!(reauthenticate(&app, &grace, PASSWORD).await, StatusCode::NO_CONTENT);
    let removing = remove().await.unwrap();
    assert_eq!(removing.status(), StatusCode::ACCEPTED);
    let retire: Command = removing.json().await.unwrap();
    assert_eq!(
        (retire.kind, retire.state),
        (CommandKind::Retire, CommandState::Requested)
    );

    // Still listed, marked, and taking nothing else meanwhile.
    let (_, devices) = app.get_json(&grace, "/api/v1/devices").await;
    assert_eq!(listed(&devices, &id).unwrap()["removal_pending"], true);
    let again = remove().await.unwrap();
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(&again.json().await.unwrap()), "removal_pending");
    assert_eq!(refused_lock(&app, &grace, &id).await, "removal_pending");

    // The device takes corporate apps and data off itself and says so.
    let mut device = device;
    device.clock_offset_seconds = 6 * 60;
    let [taken] = waiting(&device).await.try_into().unwrap();
    assert_eq!((taken.id, taken.kind), (retire.id, CommandKind::Retire));
    device.acknowledge(taken.id).await.unwrap();
    let (_, devices) = app.get_json(&grace, "/api/v1/devices").await;
    assert!(listed(&devices, &id).is_some(), "not gone before the device reports");
    let done = device.report(taken.id, CommandOutcome::Completed, None).await.unwrap();
    assert_eq!(done.state, CommandState::Completed);

    let (_, devices) = app.get_json(&grace, "/api/v1/devices").await;
    assert!(listed(&devices, &id).is_none());
    assert_eq!(
        app.get_json(&grace, &format!("/api/v1/devices/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
    let refused = device.check_in(&inventory("15"), &[]).await.unwrap_err();
    assert_eq!(refused.downcast::<portal_agent::ApiFailure>().unwrap().status, 401);

    let actions = activity_actions(&app, &grace).await;
    // Every step, the device gone or not.
    assert_eq!(
        actions[..5],
        [
            "retire_completed",
            "retire_acknowledged",
            "retire_delivered",
            "retire_requested",
            "reauthenticate"
        ]
    );
    assert!(actions.iter().any(|a| a == "device_enrolled"));
}

#[tokio::test]
async fn an_administrators_removal_stays_in_the_owners_activity_once_the_device_is_gone() {
    let app = spawn_app().await;
    let (grace, device, _) = enrolled_device(&app).await;
    let id = device.state.device_id.to_string();
    let (_, detail) = app.get_json(&grace, &format!("/api/v1/devices/{id}")).await;
    let name = detail["device"]["name"].as_str().unwrap().to_string();
    let it = app.signed_in("it@example.com").await;
    let retired = it
        .post(app.url(&format!("/api/v1/admin/devices/{id}/retire")))
        .json(&json!({ "device_name": name, "reason": "Left the company" }))
        .send()
        .await
        .unwrap();
    assert_eq!(retired.status(), StatusCode::ACCEPTED);
    let [taken] = waiting(&device).await.try_into().unwrap();
    device.acknowledge(taken.id).await.unwrap();
    device.report(taken.id, CommandOutcome::Completed, None).await.unwrap();
    let (status, _) = app.get_json(&grace, &format!("/api/v1/devices/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "removed");

    // Her Activity still says who removed it and why; the audit log still
    // finds it by its owner.
    let (_, activity) = app.get_json(&grace, "/api/v1/activity").await;
    let about: Vec<(&str, Option<&str>, Option<&str>)> = activity["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["subject"] == id.as_str())
        .map(|e| (e["action"].as_str().unwrap(), e["by"].as_str(), e["detail"].as_str()))
        .collect();
    assert!(
        about.contains(&("retire_requested", Some("IT Admin"), Some("Left the company"))),
        "{about:?}"
    );
    let log = app.audit(&it, "user=grace%40example.com").await;
    let logged: Vec<Option<&str>> = log
        .entries
        .iter()
        .filter(|e| e.subject.as_deref() == Some(id.as_str()) && e.action == "retire_requested")
        .map(|e| e.detail.as_deref())
        .collect();
    assert_eq!(logged, [Some("Left the company")], "{log:?}");
    // Nobody else's Activity gains it.
    assert!(
        !activity_actions(&app, &app.signed_in("ada@example.com").await)
            .await
            .contains(&"retire_requested".to_string())
    );
}

#[tokio::test]
async fn a_remove_device_that_fails_on_the_device_leaves_it_listed_to_be_asked_again() {
    let app = spawn_app().await;
    let (grace, device, _) = enrolled_device(&app).await;
    let id = device.state.device_id.to_string();
    let remove = || grace.delete(app.url(&format!("/api/v1/devices/{id}"))).send();
    assert_eq!(remove().await.unwrap().status(), StatusCode::ACCEPTED);
    let [taken] = waiting(&device).await.try_into().unwrap();
    let reason = Some("The work profile is in use".to_string());
    let failed = device.report(taken.id, CommandOutcome::Failed, reason).await.unwrap();
    assert_eq!(failed.state, CommandState::Failed);

    let (_, devices) = app.get_json(&grace, "/api/v1/devices").await;
    assert_eq!(listed(&devices, &id).unwrap()["removal_pending"], false);
    assert!(device.check_in(&inventory("15"), &[]).await.is_ok(), "still trusted");
    assert_eq!(remove().await.unwrap().status(), StatusCode::ACCEPTED);
}

#[tokio::test]
async fn a_reset_device_is_removed_at_once_and_a_reset_replaces_a_removal_on_its_way() {
    let app = spawn_app().await;
    let (grace, device, _) = enrolled_device(&app).await;
    let id = device.state.device_id.to_string();
    let remove = || grace.delete(app.url(&format!("/api/v1/devices/{id}"))).send();

    // Stolen after all: Reset device takes the place of the removal, even one
    // the device has taken.
    let retire: Command = remove().await.unwrap().json().await.unwrap();
    let [taken] = waiting(&device).await.try_into().unwrap();
    assert_eq!(taken.id, retire.id);
    let wipe = grace
        .post(app.url(&format!("/api/v1/devices/{id}/wipe")))
        .json(&json!({ "device_name": "New phone" }))
        .send()
        .await
        .unwrap();
    assert_eq!(wipe.status(), StatusCode::ACCEPTED);
    let replaced = timeline(&app, &grace, &device)
        .await
        .into_iter()
        .find(|c| c.id == retire.id)
        .unwrap();
    assert_eq!(replaced.state, CommandState::Cancelled);
    assert_eq!(replaced.failure_reason.as_deref(), Some("Replaced by Reset device"));
    // Her Activity says the removal ended, and by whose asking.
    assert_eq!(
        activity_actions(&app, &grace).await[..3],
        ["wipe_requested", "retire_cancelled", "retire_delivered"]
    );
    let late = device.report(retire.id, CommandOutcome::Completed, None).await;
    assert_eq!(
        late.unwrap_err().downcast::<portal_agent::ApiFailure>().unwrap().status,
        409
    );
    let [taken] = waiting(&device).await.try_into().unwrap();
    assert_eq!(taken.kind, CommandKind::Wipe);
    device.report(taken.id, CommandOutcome::Completed, None).await.unwrap();

    // Nothing is left on a reset device to take off: it goes at once.
    assert_eq!(remove().await.unwrap().status(), StatusCode::NO_CONTENT);
    let (_, devices) = app.get_json(&grace, "/api/v1/devices").await;
    assert!(listed(&devices, &id).is_none());
    assert_eq!(activity_actions(&app, &grace).await[0], "device_removed");
}

#[tokio::test]
async fn rename_changes_the_name_and_refuses_a_bad_one() {
    let app = spawn_app().await;
    let (grace, device, _) = enrolled_device(&app).await;
    let path = format!("/api/v1/devices/{}/rename", device.state.device_id);
    let rename = |name: &str| grace.post(app.url(&path)).json(&json!({ "name": name })).send();
    assert_eq!(
        rename("  Grace's Pixel 9 ").await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    let (_, detail) = app
        .get_json(&grace, &format!("/api/v1/devices/{}", device.state.device_id))
        .await;
    assert_eq!(detail["device"]["name"], "Grace's Pixel 9");
    let bad = rename(" ").await.unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = bad.json().await.unwrap();
    assert_eq!(body["fields"][0]["field"], "name");
    assert_eq!(body["fields"][0]["code"], "device_name_missing");
}
