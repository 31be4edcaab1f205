//! The weaknesses a security review found, each pinned down by the attack
//! that used it.

use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    commands::{reauthenticate, wipe},
    helpers::{CSRF_HEADER, PASSWORD, error_code, spawn_app},
    second_factor::{code, with_totp},
};

#[tokio::test]
async fn a_burst_of_sign_ins_at_once_gets_no_more_tries_than_the_limit() {
    let app = spawn_app().await;
    let client = app.client();
    let attempts = (0..30).map(|_| app.sign_in_with(&client, "grace@example.com", "wrong"));
    let statuses: Vec<StatusCode> = join_all(attempts).await.iter().map(|r| r.status()).collect();
    let tried = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let limited = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((tried, limited), (20, 10), "{statuses:?}");
}

#[tokio::test]
async fn wrong_codes_in_a_row_lock_the_second_factor_and_say_until_when() {
    let app = spawn_app().await;
    let (ada, secret, _) = with_totp(&app).await;
    let app = &app;
    let sign_in =
        |code: String| async move { Ok::<_, ()>(crate::second_factor::sign_in(app, &app.client(), Some(&code)).await) };
    for attempt in 1..=10 {
        let wrong: Value = sign_in(format!("{:06}", 100_000 + attempt))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(error_code(&wrong), "second_factor_invalid", "attempt {attempt}");
    }
    app.clock.advance(time::Duration::seconds(30));
    let locked = sign_in(code(app, &secret, 0)).await.unwrap();
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    let body: Value = locked.json().await.unwrap();
    assert_eq!(error_code(&body), "second_factor_locked");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("locked until") && message.contains("help desk"),
        "{message}"
    );

    let (_, activity) = app.get_json(&ada, "/api/v1/activity").await;
    let told = activity["entries"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "second_factor_locked");
    assert!(told, "her Activity says so: {activity}");

    app.clock.advance(time::Duration::minutes(15));
    let after = sign_in(code(app, &secret, 0)).await.unwrap();
    assert_eq!(
        after.status(),
        StatusCode::OK,
        "the lock ends, and a good code clears the count"
    );
}

#[tokio::test]
async fn wrong_codes_sent_at_once_get_no_more_checks_than_the_lock_allows() {
    let app = spawn_app().await;
    let (_ada, _, _) = with_totp(&app).await;
    let app = &app;
    let guesses = (0..16).map(|n| async move {
        let code = format!("{:06}", 200_000 + n);
        let response = crate::second_factor::sign_in(app, &app.client(), Some(&code)).await;
        error_code(&response.json::<Value>().await.unwrap()).to_string()
    });
    let codes = join_all(guesses).await;
    let checked = codes.iter().filter(|c| *c == "second_factor_invalid").count();
    let locked = codes.iter().filter(|c| *c == "second_factor_locked").count();
    assert_eq!((checked, locked), (10, 6), "{codes:?}");
}

#[tokio::test]
async fn turning_the_second_factor_off_is_limited_and_its_failures_audited() {
    let app = spawn_app().await;
    let (ada, secret, _) = with_totp(&app).await;
    let disable = |password: &'static str| {
        ada.post(app.url("/api/v1/security/totp/disable"))
            .json(&json!({ "password": password, "code": code(&app, &secret, 1) }))
            .send()
    };
    for attempt in 1..=10 {
        assert_eq!(
            disable("guess").await.unwrap().status(),
            StatusCode::UNAUTHORIZED,
            "{attempt}"
        );
    }
    let limited = disable(PASSWORD).await.unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.get_json(&ada, "/api/v1/security").await.1["totp_enabled"], true);

    let db = app.database().await;
    let failures = db
        .audit_events(50)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "second_factor_disabled" && e.outcome == "failure")
        .count();
    assert_eq!(failures, 10);
}

#[tokio::test]
async fn setting_up_an_authenticator_needs_a_fresh_sign_in_and_ends_the_other_sessions() {
    let app = spawn_app().await;
    let laptop = app.signed_in("ada@example.com").await;
    let phone = app.signed_in("ada@example.com").await;
    app.clock.advance(time::Duration::minutes(6));
    let stale = laptop.post(app.url("/api/v1/security/totp")).send().await.unwrap();
    assert_eq!(stale.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(&stale.json().await.unwrap()), "reauthentication_required");

    assert_eq!(reauthenticate(&app, &laptop, PASSWORD).await, StatusCode::NO_CONTENT);
    let setup: portal_types::TotpSetupResponse = laptop
        .post(app.url("/api/v1/security/totp"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = data_encoding::BASE32_NOPAD.decode(setup.secret.as_bytes()).unwrap();
    let confirmed = laptop
        .post(app.url("/api/v1/security/totp/confirm"))
        .json(&json!({ "code": code(&app, &secret, 0) }))
        .send()
        .await
        .unwrap();
    assert_eq!(confirmed.status(), StatusCode::OK);
    assert_eq!(app.get_json(&phone, "/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get_json(&laptop, "/api/v1/me").await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_strangers_failed_sign_ins_do_not_block_the_users_reauthentication() {
    let app = spawn_app().await;
    let ada = app.signed_in("ada@example.com").await;
    let stranger = app.client();
    for _ in 0..21 {
        app.sign_in_with(&stranger, "ada@example.com", "guess").await;
    }
    assert_eq!(
        app.sign_in_with(&stranger, "ada@example.com", "guess").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(reauthenticate(&app, &ada, PASSWORD).await, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn resets_pressed_at_once_pass_the_hourly_limit_no_more_than_three_times() {
    let app = spawn_app().await;
    // Her two demo devices, and two enrolled now.
    let (grace, _, _) = crate::enrollment::enrolled_device(&app).await;
    let code = crate::enrollment::code_for(&app, &grace, "android").await;
    let dir = portal_agent::StateDir(tempfile::tempdir().unwrap().keep());
    let inventory = crate::enrollment::inventory("15");
    portal_agent::enroll(&app.address, &code, portal_types::Platform::Android, inventory, &dir)
        .await
        .unwrap();
    let (_, body) = app.get_json(&grace, "/api/v1/devices").await;
    let devices: Vec<(String, String)> = body["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["id"].as_str().unwrap().into(), d["name"].as_str().unwrap().into()))
        .collect();
    assert_eq!(devices.len(), 4, "{body}");
    let resets = devices.iter().map(|(id, name)| wipe(&app, &grace, id, name));
    let statuses: Vec<StatusCode> = join_all(resets).await.iter().map(|r| r.status()).collect();
    let queued = statuses.iter().filter(|s| **s == StatusCode::ACCEPTED).count();
    assert_eq!(queued, 3, "{statuses:?}");
}

#[tokio::test]
async fn a_request_for_another_host_name_is_refused_as_a_rebound_page_would_send_it() {
    let app = spawn_app().await;
    let port = app.address.rsplit(':').next().unwrap().to_string();
    // What a page on a DNS name rebound to 127.0.0.1 sends: its own name.
    let rebound = app
        .client()
        .post(app.url("/api/v1/auth/sign-in"))
        .header(reqwest::header::HOST, format!("rebound.example:{port}"))
        .json(&json!({ "email": "ada@example.com", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(rebound.status(), StatusCode::MISDIRECTED_REQUEST);
    assert_eq!(error_code(&rebound.json().await.unwrap()), "unknown_host");
    let by_name = app
        .client()
        .get(app.url("/api/v1/health"))
        .header(reqwest::header::HOST, format!("localhost:{port}"))
        .send()
        .await
        .unwrap();
    assert_eq!(by_name.status(), StatusCode::OK, "the loopback names are this server's");
}

#[tokio::test]
async fn an_origin_of_another_scheme_is_refused() {
    let app = spawn_app().await;
    let ada = app.signed_in("ada@example.com").await;
    let other_scheme = app.address.replace("http://", "https://");
    let forged = ada
        .post(app.url("/api/v1/auth/sign-out"))
        .header(reqwest::header::ORIGIN, other_scheme)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get_json(&ada, "/api/v1/me").await.0, StatusCode::OK);
}

#[tokio::test]
async fn api_answers_are_never_cached() {
    let app = spawn_app().await;
    let ada = app.signed_in("ada@example.com").await;
    for path in ["/api/v1/security", "/api/v1/devices", "/api/v1/me", "/api/v1/nope"] {
        let response = ada.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.headers()[reqwest::header::CACHE_CONTROL], "no-store", "{path}");
    }
    let code = crate::enrollment::issue_code(&app, &ada, "android", "corporate").await;
    assert_eq!(code.headers()[reqwest::header::CACHE_CONTROL], "no-store");
}

/// The timestamp a signed device request carries.
fn stamped(request: &reqwest::Request) -> i64 {
    request.headers()[portal_types::device_auth::TIMESTAMP]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn a_device_request_cannot_be_replayed_while_its_timestamp_is_still_accepted() {
    let app = spawn_app().await;
    let (_, device, _dir) = crate::enrollment::enrolled_device(&app).await;
    let body = json!({ "inventory": crate::enrollment::inventory("15") });
    let request = device
        .signed_request(reqwest::Method::POST, "/api/v1/device/check-in", Some(&body))
        .unwrap()
        .build()
        .unwrap();
    let replay = request.try_clone().unwrap();
    let skew = time::Duration::seconds(portal_types::device_auth::MAX_SKEW_SECONDS);
    // First seen as early as its timestamp allows, on the whole second...
    let timestamp = time::OffsetDateTime::from_unix_timestamp(stamped(&request)).unwrap();
    app.clock
        .advance(timestamp - skew - portal_server::clock::Clock::now(&app.clock));
    let http = reqwest::Client::new();
    assert_eq!(http.execute(request).await.unwrap().status(), StatusCode::OK);
    // ...and again as late as it allows, half a second before it no longer is.
    app.clock.advance(skew * 2 + time::Duration::milliseconds(500));
    let replayed = http.execute(replay).await.unwrap();
    assert_eq!(replayed.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&replayed.json().await.unwrap()), "replayed_request");
}

#[tokio::test]
async fn a_timestamp_at_the_end_of_the_number_range_is_stale_not_a_crash() {
    let app = spawn_app().await;
    let (_, device, _dir) = crate::enrollment::enrolled_device(&app).await;
    use portal_types::device_auth::{DEVICE_ID, NONCE, SIGNATURE, TIMESTAMP};
    for timestamp in [i64::MIN, i64::MAX] {
        let response = reqwest::Client::new()
            .post(app.url("/api/v1/device/check-in"))
            .header(DEVICE_ID, device.state.device_id.to_string())
            .header(TIMESTAMP, timestamp.to_string())
            .header(NONCE, "nonce")
            .header(SIGNATURE, "AAAA")
            .send()
            .await
            .expect("an answer, not a dropped connection");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(error_code(&response.json().await.unwrap()), "stale_request");
    }
}

#[tokio::test]
async fn a_time_to_live_that_would_overflow_a_date_is_refused_at_start() {
    use clap::Parser;
    let parsed = portal_server::config::Config::try_parse_from(["portal-server", "--command-ttl-hours", "4294967295"]);
    assert!(parsed.is_err());
    let data = crate::helpers::Data::new().await;
    let mut config = data.config();
    config.command_ttl_hours = u32::MAX;
    let error = portal_server::startup::Application::build(config)
        .await
        .err()
        .expect("refused");
    assert!(error.to_string().contains("--command-ttl-hours"), "{error}");
}

#[tokio::test]
async fn an_app_name_without_a_letter_or_digit_is_refused_since_its_address_would_be_empty() {
    let app = spawn_app().await;
    let admin = app.signed_in("it@example.com").await;
    let response = admin
        .post(app.url("/api/v1/admin/apps"))
        .json(&{
            let mut app = crate::catalog::new_app(false);
            app["name"] = json!("日本語 ★");
            app
        })
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(crate::helpers::field_names(&response.json().await.unwrap()), ["name"]);
}

#[tokio::test]
async fn an_idempotency_key_stands_for_one_action_on_one_device_and_retries_at_once_queue_one() {
    let app = spawn_app().await;
    let (grace, device, _dir) = crate::enrollment::enrolled_device(&app).await;
    let (_, body) = app.get_json(&grace, "/api/v1/devices").await;
    let other = body["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_string())
        .find(|id| *id != device.state.device_id.to_string())
        .unwrap();
    let lock = |device: String| {
        grace
            .post(app.url(&format!("/api/v1/devices/{device}/lock")))
            .header("idempotency-key", "retry-1")
            .json(&json!({}))
            .send()
    };
    let id = device.state.device_id.to_string();
    let retries: Vec<reqwest::Response> = join_all((0..6).map(|_| lock(id.clone())))
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let mut ids = Vec::new();
    for response in retries {
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        let command: Value = response.json().await.unwrap();
        ids.push(command["id"].as_str().unwrap().to_string());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "one command for all the retries");

    let elsewhere = lock(other).await.unwrap();
    assert_eq!(elsewhere.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(&elsewhere.json().await.unwrap()), "idempotency_key_reused");
}

#[tokio::test]
async fn a_reset_device_takes_no_more_commands() {
    let app = spawn_app().await;
    let (grace, device, _dir) = crate::enrollment::enrolled_device(&app).await;
    let id = device.state.device_id.to_string();
    let reset: portal_types::Command = wipe(&app, &grace, &id, "New phone").await.json().await.unwrap();
    let reset_id = reset.id;
    assert_eq!(crate::enrollment::waiting(&device).await.len(), 1);
    device.acknowledge(reset_id).await.unwrap();
    device
        .report(reset_id, portal_types::CommandOutcome::Completed, None)
        .await
        .unwrap();

    assert_eq!(crate::commands::refused_lock(&app, &grace, &id).await, "already_wiped");
}

#[tokio::test]
async fn a_device_with_a_reset_on_its_way_cannot_be_removed_so_the_reset_still_reaches_it() {
    let app = spawn_app().await;
    let (grace, device, _dir) = crate::enrollment::enrolled_device(&app).await;
    let id = device.state.device_id.to_string();
    assert_eq!(
        wipe(&app, &grace, &id, "New phone").await.status(),
        StatusCode::ACCEPTED
    );
    let removed = grace
        .delete(app.url(&format!("/api/v1/devices/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(&removed.json().await.unwrap()), "wipe_pending");
    let waiting = crate::enrollment::waiting(&device).await;
    assert_eq!(waiting.len(), 1, "the stolen phone still gets its reset");
    assert_eq!(waiting[0].kind, portal_types::CommandKind::Wipe);
}

/// Reads `events` to its end; a stream still open after two seconds fails the test.
async fn ends(mut events: reqwest::Response) -> String {
    let mut received = String::new();
    loop {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(2), events.chunk())
            .await
            .unwrap_or_else(|_| panic!("the stream is still open, having sent: {received:?}"));
        match chunk {
            Ok(Some(bytes)) => received.push_str(&String::from_utf8_lossy(&bytes)),
            Ok(None) | Err(_) => return received,
        }
    }
}

#[tokio::test]
async fn live_events_end_with_the_session_on_sign_out_sign_out_everywhere_and_expiry() {
    let app = spawn_app().await;
    let laptop = app.signed_in("ada@example.com").await;
    let events = laptop.get(app.url("/api/v1/events")).send().await.unwrap();
    assert_eq!(events.status(), StatusCode::OK);
    laptop.post(app.url("/api/v1/auth/sign-out")).send().await.unwrap();
    ends(events).await;

    let phone = app.signed_in("ada@example.com").await;
    let events = phone.get(app.url("/api/v1/events")).send().await.unwrap();
    let laptop = app.signed_in("ada@example.com").await;
    laptop
        .post(app.url("/api/v1/auth/sign-out-everywhere"))
        .send()
        .await
        .unwrap();
    ends(events).await;

    // Twelve hours after sign-in, whatever happens next is not sent.
    let phone = app.signed_in("ada@example.com").await;
    let events = phone.get(app.url("/api/v1/events")).send().await.unwrap();
    app.clock.advance(time::Duration::hours(12));
    let laptop = app.signed_in("ada@example.com").await;
    let (_, body) = app.get_json(&laptop, "/api/v1/devices").await;
    let device = body["devices"][0]["id"].as_str().unwrap().to_string();
    let renamed = laptop
        .post(app.url(&format!("/api/v1/devices/{device}/rename")))
        .json(&json!({ "name": "Renamed" }))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), StatusCode::NO_CONTENT);
    let sent = ends(events).await;
    assert!(!sent.contains("device_updated"), "{sent}");
}

#[tokio::test]
async fn a_device_command_stream_ends_when_its_certificate_is_revoked() {
    let app = spawn_app().await;
    let (grace, device, _dir) = crate::enrollment::enrolled_device(&app).await;
    let mut stream = device.command_stream().await.unwrap();
    let id = device.state.device_id.to_string();
    let removed = grace
        .delete(app.url(&format!("/api/v1/devices/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), StatusCode::ACCEPTED);
    // The device takes the removal over the stream and carries it out; then its certificate is revoked.
    let retire = tokio::time::timeout(std::time::Duration::from_secs(2), stream.next_command())
        .await
        .expect("the removal arrives")
        .unwrap()
        .unwrap();
    assert_eq!(retire.kind, portal_types::CommandKind::Retire);
    device
        .report(retire.id, portal_types::CommandOutcome::Completed, None)
        .await
        .unwrap();
    let next = tokio::time::timeout(std::time::Duration::from_secs(2), stream.next_command())
        .await
        .expect("the stream ends within two seconds");
    assert!(matches!(next, Ok(None) | Err(_)), "{next:?}");
}

#[tokio::test]
async fn the_server_stops_while_devices_and_portals_hold_streams_open() {
    let app = spawn_app().await;
    let (grace, device, _dir) = crate::enrollment::enrolled_device(&app).await;
    let mut commands = device.command_stream().await.unwrap();
    let events = grace.get(app.url("/api/v1/events")).send().await.unwrap();
    assert_eq!(events.status(), StatusCode::OK);
    tokio::time::timeout(std::time::Duration::from_secs(5), app.stop())
        .await
        .expect("stopped within five seconds, streams and all");
    ends(events).await;
    let next = tokio::time::timeout(std::time::Duration::from_secs(2), commands.next_command())
        .await
        .expect("the command stream ended");
    assert!(matches!(next, Ok(None) | Err(_)), "{next:?}");
}

#[tokio::test]
async fn recovery_codes_are_kept_keyed_and_the_database_file_is_the_servers_alone() {
    let app = spawn_app().await;
    let (_, _, codes) = with_totp(&app).await;
    let db = app.raw_database().await;
    let kept: Vec<String> = sqlx::query_scalar("SELECT code_hash FROM recovery_codes")
        .fetch_all(&db)
        .await
        .unwrap();
    assert_eq!(kept.len(), 10);
    for code in &codes {
        let normalized: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        let bare = portal_server::digest::sha256_hex(&normalized);
        assert!(
            !kept.contains(&bare),
            "a bare SHA-256 of {code} is guessable from a copied database"
        );
    }
    if !app.data.is_postgres() {
        use std::os::unix::fs::PermissionsExt;
        let file = app.data.dir.path().join("portal.db");
        let mode = std::fs::metadata(file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[tokio::test]
async fn an_install_the_device_took_but_never_reported_expires_and_the_app_stops_installing() {
    let app = spawn_app().await;
    let (grace, device, _dir) = crate::enrollment::enrolled_device(&app).await;
    let id = device.state.device_id.to_string();
    let install = grace
        .post(app.url(&format!("/api/v1/devices/{id}/apps/sentry-vpn/install")))
        .send()
        .await
        .unwrap();
    assert_eq!(install.status(), StatusCode::ACCEPTED);
    let [taken] = crate::enrollment::waiting(&device).await.try_into().unwrap();
    device.acknowledge(taken.id).await.unwrap();

    app.clock.advance(time::Duration::days(8));
    let grace = app.signed_in("grace@example.com").await;
    let (_, apps) = app.get_json(&grace, &format!("/api/v1/devices/{id}/apps")).await;
    let vpn = apps["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["app_id"] == "sentry-vpn")
        .unwrap_or_else(|| panic!("{apps}"))
        .clone();
    assert_eq!(vpn["state"], "failed", "{vpn}");
    let (_, commands) = app.get_json(&grace, &format!("/api/v1/devices/{id}/commands")).await;
    let states: Vec<&str> = commands["commands"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "install" && c["app_name"] == "Sentry VPN")
        .map(|c| c["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["expired"]);
}

#[tokio::test]
async fn device_reports_are_bounded_in_size() {
    let app = spawn_app().await;
    let (_, device, _dir) = crate::enrollment::enrolled_device(&app).await;
    let mut inventory = crate::enrollment::inventory("15");
    inventory.model = "M".repeat(10_000);
    let refused = device.check_in(&inventory, &[]).await.unwrap_err();
    let refused = refused.downcast::<portal_agent::ApiFailure>().unwrap();
    assert_eq!((refused.status, refused.error.code.as_str()), (422, "invalid_input"));

    let many: Vec<portal_types::ManagedApp> = (0..501)
        .map(|i| portal_types::ManagedApp {
            app_id: format!("app-{i}"),
            version: "1".into(),
        })
        .collect();
    let refused = device
        .check_in(&crate::enrollment::inventory("15"), &many)
        .await
        .unwrap_err();
    assert_eq!(refused.downcast::<portal_agent::ApiFailure>().unwrap().status, 422);

    let grace = app.signed_in("grace@example.com").await;
    let lock_id = crate::commands::queue_lock(&app, &grace, &device).await.id;
    assert_eq!(crate::enrollment::waiting(&device).await.len(), 1);
    let long = device
        .report(lock_id, portal_types::CommandOutcome::Failed, Some("x".repeat(100_000)))
        .await
        .unwrap_err();
    assert_eq!(long.downcast::<portal_agent::ApiFailure>().unwrap().status, 422);
}

#[tokio::test]
async fn a_flood_of_refused_sign_ins_writes_one_audit_entry_a_minute() {
    let app = spawn_app().await;
    let client = app.client();
    for _ in 0..20 {
        app.sign_in_with(&client, "grace@example.com", "wrong").await;
    }
    for _ in 0..30 {
        let refused = app.sign_in_with(&client, "grace@example.com", "wrong").await;
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    }
    let db = app.database().await;
    let limited = db
        .audit_events(200)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.outcome == "rate_limited")
        .count();
    assert_eq!(limited, 1);
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_sign_in_limit_and_audit_address() {
    let app = crate::helpers::spawn_with(|config| config.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
    let from = |address: &'static str, email: String| {
        app.client()
            .post(app.url("/api/v1/auth/sign-in"))
            .header("x-forwarded-for", format!("203.0.113.250, {address}"))
            .json(&json!({ "email": email, "password": "wrong" }))
            .send()
    };
    // 100 failures from one client, over five accounts (20 each).
    let failures = (0..100).map(|i| from("198.51.100.1", format!("user{}@example.com", i % 5)));
    for response in join_all(failures).await {
        assert_eq!(response.unwrap().status(), StatusCode::UNAUTHORIZED);
    }
    let limited = from("198.51.100.1", "someone@example.com".into()).await.unwrap();
    assert_eq!(
        limited.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "that client is out of attempts"
    );
    let other = from("198.51.100.2", "someone@example.com".into()).await.unwrap();
    assert_eq!(
        other.status(),
        StatusCode::UNAUTHORIZED,
        "another client behind the same proxy is not"
    );

    let db = app.database().await;
    let sources: std::collections::BTreeSet<String> = db
        .audit_events(300)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|e| e.source)
        .collect();
    assert_eq!(
        sources.into_iter().collect::<Vec<_>>(),
        ["198.51.100.1", "198.51.100.2"],
        "the client's address, never the proxy's or a forged one"
    );
}

#[tokio::test]
async fn live_events_outlast_a_reauthentication_and_a_reconnected_stream_says_resync_first() {
    let app = spawn_app().await;
    let ada = app.signed_in("ada@example.com").await;
    let mut events = ada.get(app.url("/api/v1/events")).send().await.unwrap();
    assert_eq!(reauthenticate(&app, &ada, PASSWORD).await, StatusCode::NO_CONTENT);
    let (_, body) = app.get_json(&ada, "/api/v1/devices").await;
    let device = body["devices"][0]["id"].as_str().unwrap().to_string();
    let renamed = ada
        .post(app.url(&format!("/api/v1/devices/{device}/rename")))
        .json(&json!({ "name": "Renamed" }))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), StatusCode::NO_CONTENT);
    let mut received = String::new();
    while !received.contains("device_updated") {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(2), events.chunk())
            .await
            .expect("the same session's stream goes on after re-authentication")
            .unwrap()
            .expect("still open");
        received.push_str(&String::from_utf8_lossy(&chunk));
    }

    let mut again = ada
        .get(app.url("/api/v1/events"))
        .header("last-event-id", "0")
        .send()
        .await
        .unwrap();
    let first = again.chunk().await.unwrap().unwrap();
    let first = String::from_utf8_lossy(&first);
    // A browser dispatches only an event that has a data line.
    assert!(first.contains("event: resync\ndata: "), "{first:?}");
}

#[tokio::test]
async fn a_device_calling_without_pause_is_throttled_and_then_let_through_again() {
    let app = spawn_app().await;
    let (_, device, _dir) = crate::enrollment::enrolled_device(&app).await;
    let ack = || async {
        let path = format!("/api/v1/device/commands/{}/ack", uuid::Uuid::new_v4());
        let request = device
            .signed_request(reqwest::Method::POST, &path, None::<&()>)
            .unwrap();
        request.send().await.unwrap()
    };
    let mut statuses = Vec::new();
    for _ in 0..portal_server::devices::throttle::BURST as usize {
        statuses.push(ack().await.status());
    }
    let first_throttled = statuses.iter().position(|s| *s == StatusCode::TOO_MANY_REQUESTS);
    // Its enrollment's check-in and reports spent a few of the hundred.
    assert!(first_throttled.is_some_and(|n| n > 80), "{statuses:?}");
    let throttled = ack().await;
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(throttled.headers().contains_key(reqwest::header::RETRY_AFTER));

    app.clock.advance(time::Duration::seconds(1));
    assert_ne!(ack().await.status(), StatusCode::TOO_MANY_REQUESTS, "refilled");
}

#[tokio::test]
async fn the_health_check_answers_whatever_name_a_load_balancer_uses() {
    let app = spawn_app().await;
    let health = app
        .client()
        .get(app.url("/api/v1/health"))
        .header(reqwest::header::HOST, "10.0.3.7:8080")
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_idempotency_key_used_for_one_app_is_refused_for_another() {
    let app = spawn_app().await;
    let (grace, device, _dir) = crate::enrollment::enrolled_device(&app).await;
    let id = device.state.device_id.to_string();
    let install = |app_id: &'static str| {
        grace
            .post(app.url(&format!("/api/v1/devices/{id}/apps/{app_id}/install")))
            .header("idempotency-key", "install-1")
            .send()
    };
    assert_eq!(install("sentry-vpn").await.unwrap().status(), StatusCode::ACCEPTED);
    assert_eq!(
        install("sentry-vpn").await.unwrap().status(),
        StatusCode::ACCEPTED,
        "a retry"
    );
    let other = install("quillmark-docs").await.unwrap();
    assert_eq!(other.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(&other.json().await.unwrap()), "idempotency_key_reused");
}

#[tokio::test]
async fn live_events_end_once_the_session_has_gone_idle() {
    let app = spawn_app().await;
    let phone = app.signed_in("ada@example.com").await;
    let events = phone.get(app.url("/api/v1/events")).send().await.unwrap();
    app.clock.advance(time::Duration::minutes(31));
    // Another of her sessions ending makes every stream of hers look again.
    let laptop = app.signed_in("ada@example.com").await;
    laptop.post(app.url("/api/v1/auth/sign-out")).send().await.unwrap();
    ends(events).await;
}

#[tokio::test]
async fn a_guess_whose_client_hangs_up_before_the_answer_is_still_in_the_audit_log() {
    use tokio::io::AsyncWriteExt as _;

    let app = spawn_app().await;
    let host = app.address.trim_start_matches("http://").to_string();
    let body = json!({ "email": "grace@example.com", "password": "wrong" }).to_string();
    let request = format!(
        "POST /api/v1/auth/sign-in HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         {CSRF_HEADER}: company-portal\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut guesser = tokio::net::TcpStream::connect(&host).await.unwrap();
    guesser.write_all(request.as_bytes()).await.unwrap();
    // Gone before the password is checked, as a guesser hiding its guesses would be.
    drop(guesser);

    let db = app.database().await;
    let recorded = async {
        loop {
            let events = db.audit_events(10).await.unwrap();
            if let Some(event) = events.iter().find(|e| e.action == "sign_in") {
                break (event.outcome.clone(), event.subject.clone());
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    };
    let recorded = tokio::time::timeout(std::time::Duration::from_secs(10), recorded).await;
    assert_eq!(
        recorded,
        Ok(("failure".to_string(), Some("grace@example.com".to_string()))),
        "the guess is recorded"
    );
}
