use std::time::Duration;

use portal_agent::{ApiFailure, DeviceClient, StateDir, enroll};
use portal_types::{
    CommandKind, CommandOutcome, ComplianceState, DeviceCommand, DeviceDetail, EnrollmentCodeResponse,
    EnrollmentOptions, Inventory, ManagedApp, Platform,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code, field_names, spawn_app};

pub fn inventory(os_version: &str) -> Inventory {
    Inventory {
        os_version: os_version.into(),
        model: "Pixel 9".into(),
        encrypted: true,
        passcode_set: true,
        jailbroken: false,
        free_storage_mb: 64_000,
        serial_number: Some("R5CT40ABC1X".into()),
        onprem_id: None,
    }
}

pub async fn issue_code(app: &TestApp, client: &reqwest::Client, platform: &str, ownership: &str) -> reqwest::Response {
    client
        .post(app.url("/api/v1/enrollment-codes"))
        .json(&json!({ "platform": platform, "device_name": "New phone", "ownership": ownership, "category": "Phone" }))
        .send()
        .await
        .unwrap()
}

pub async fn code_for(app: &TestApp, client: &reqwest::Client, platform: &str) -> String {
    let response = issue_code(app, client, platform, "corporate").await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json::<EnrollmentCodeResponse>().await.unwrap().code
}

fn state_dir() -> StateDir {
    StateDir(tempfile::tempdir().unwrap().keep())
}

fn failure(error: anyhow::Error) -> ApiFailure {
    error
        .downcast::<ApiFailure>()
        .expect("the server refused with an API error")
}

async fn device_count(app: &TestApp, client: &reqwest::Client) -> usize {
    app.get_json(client, "/api/v1/devices").await.1["devices"]
        .as_array()
        .unwrap()
        .len()
}

/// The seed's required apps for Android, as a device that has them reports them.
pub fn required_on_android() -> Vec<ManagedApp> {
    portal_server::catalog::seed::apps()
        .into_iter()
        .filter(|(_, app)| app.required && app.platforms.contains(&Platform::Android))
        .map(|(app_id, app)| ManagedApp {
            app_id,
            version: app.version,
        })
        .collect()
}

/// The commands waiting for the device (which keeps the required apps
/// installed), taken at a check-in.
pub async fn waiting(device: &DeviceClient) -> Vec<DeviceCommand> {
    let answer = device.check_in(&inventory("15"), &required_on_android()).await;
    answer.unwrap().commands
}

/// Grace, with an enrolled Android device that has installed the required
/// apps queued at its enrollment, as an agent does on its first check-in.
pub async fn enrolled_device(app: &TestApp) -> (reqwest::Client, DeviceClient, StateDir) {
    let grace = app.signed_in("grace@example.com").await;
    let code = code_for(app, &grace, "android").await;
    let dir = state_dir();
    enroll(&app.address, &code, Platform::Android, inventory("15"), &dir)
        .await
        .expect("enrolls");
    let device = DeviceClient::load(&dir).unwrap();
    let required = device.check_in(&inventory("15"), &[]).await.unwrap().commands;
    assert!(
        !required.is_empty(),
        "the seed's required apps are queued at enrollment"
    );
    for command in required {
        assert_eq!(command.kind, CommandKind::Install);
        device.acknowledge(command.id).await.unwrap();
        device
            .report(command.id, CommandOutcome::Completed, None)
            .await
            .unwrap();
    }
    (grace, device, dir)
}

#[tokio::test]
async fn the_options_say_what_the_rules_allow_before_a_code_is_issued() {
    let app = spawn_app().await;
    let ada = app.signed_in("ada@example.com").await;
    let (status, body) = app.get_json(&ada, "/api/v1/enrollment/options").await;
    assert_eq!(status, StatusCode::OK);
    let options: EnrollmentOptions = serde_json::from_value(body).unwrap();
    assert_eq!((options.device_limit, options.devices_enrolled), (5, 4));
    assert_eq!(options.provisioning_mode, "standalone");
    let phone = options
        .platforms
        .iter()
        .find(|p| p.platform == Platform::WindowsPhone)
        .unwrap();
    assert!(phone.corporate_allowed && !phone.personal_allowed);
    assert!(
        !options.platforms.iter().any(|p| p.platform == Platform::Linux),
        "standalone has no Linux"
    );
}

#[tokio::test]
async fn a_code_enrolls_one_device_once_and_the_device_gets_a_certificate() {
    let app = spawn_app().await;
    let grace = app.signed_in("grace@example.com").await;
    let response = issue_code(&app, &grace, "android", "personal").await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let issued: EnrollmentCodeResponse = response.json().await.unwrap();
    let parts: Vec<&str> = issued.code.split('-').collect();
    assert!(
        parts.len() == 3 && parts.iter().all(|p| p.len() == 4),
        "{}",
        issued.code
    );
    assert!(issued.qr_svg.starts_with("<?xml") && issued.qr_svg.contains("<svg"));
    assert!(issued.command.contains(&issued.code) && issued.command.contains(&app.address));

    let dir = state_dir();
    let state = enroll(
        &app.address,
        &issued.code.to_lowercase(),
        Platform::Android,
        inventory("15"),
        &dir,
    )
    .await
    .unwrap();
    assert_eq!(device_count(&app, &grace).await, 3);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(dir.key()).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    let (status, body) = app
        .get_json(&grace, &format!("/api/v1/devices/{}", state.device_id))
        .await;
    assert_eq!(status, StatusCode::OK);
    let detail: DeviceDetail = serde_json::from_value(body).unwrap();
    assert_eq!(detail.device.name, "New phone");
    assert_eq!(detail.device.compliance, ComplianceState::CanAccess);
    let certificate = detail.certificate.expect("a certificate");
    assert_eq!(certificate.subject, format!("CN={}, O=Company Portal", state.device_id));
    assert_eq!(certificate.issuer, "CN=Company Portal Device CA, O=Company Portal");
    assert_eq!(certificate.fingerprint_sha256.split(':').count(), 32);
    assert!(certificate.revoked_at.is_none());

    let again = enroll(
        &app.address,
        &issued.code,
        Platform::Android,
        inventory("15"),
        &state_dir(),
    )
    .await
    .unwrap_err();
    let again = failure(again);
    assert_eq!((again.status, again.error.code.as_str()), (409, "code_used"));
    assert_eq!(device_count(&app, &grace).await, 3, "no second device");
}

#[tokio::test]
async fn the_certificate_chains_to_the_ca_and_carries_the_servers_subject() {
    let app = spawn_app().await;
    let (_, client, dir) = enrolled_device(&app).await;
    let pem = |path: std::path::PathBuf| {
        let text = std::fs::read_to_string(path).unwrap();
        x509_parser::pem::parse_x509_pem(text.as_bytes()).unwrap().1
    };
    let (device_pem, ca_pem) = (pem(dir.certificate()), pem(dir.ca_certificate()));
    let device = device_pem.parse_x509().unwrap();
    let ca = ca_pem.parse_x509().unwrap();
    device
        .verify_signature(Some(ca.public_key()))
        .expect("signed by the device CA");
    assert_eq!(device.issuer(), ca.subject());
    let cn = device.subject().iter_common_name().next().unwrap().as_str().unwrap();
    assert_eq!(cn, client.state.device_id.to_string());
    let san = device.subject_alternative_name().unwrap().unwrap();
    assert_eq!(
        format!("{:?}", san.value.general_names[0]),
        format!("URI(\"urn:uuid:{cn}\")")
    );
    assert!(ca.is_ca() && !device.is_ca());
    let validity = device.validity().not_after.timestamp() - device.validity().not_before.timestamp();
    assert!(
        (365 * 86_400..=366 * 86_400).contains(&validity),
        "one year: {validity}s"
    );
}

#[tokio::test]
async fn unknown_expired_and_mismatched_codes_are_refused_with_their_own_errors() {
    let app = spawn_app().await;
    let grace = app.signed_in("grace@example.com").await;
    let unknown = enroll(
        &app.address,
        "AAAA-BBBB-CCCC",
        Platform::Android,
        inventory("15"),
        &state_dir(),
    )
    .await;
    assert_eq!(failure(unknown.unwrap_err()).error.code, "code_invalid");

    let code = code_for(&app, &grace, "ios").await;
    let wrong = enroll(&app.address, &code, Platform::Android, inventory("15"), &state_dir()).await;
    assert_eq!(failure(wrong.unwrap_err()).error.code, "platform_mismatch");

    app.clock.advance(time::Duration::minutes(10));
    let expired = failure(
        enroll(&app.address, &code, Platform::Ios, inventory("18"), &state_dir())
            .await
            .unwrap_err(),
    );
    assert_eq!((expired.status, expired.error.code.as_str()), (410, "code_expired"));
    assert_eq!(device_count(&app, &grace).await, 2);
}

#[tokio::test]
async fn a_code_enrolls_for_the_user_who_asked_and_nobody_else_sees_the_device() {
    let app = spawn_app().await;
    let ada = app.signed_in("ada@example.com").await;
    let grace = app.signed_in("grace@example.com").await;
    let code = code_for(&app, &ada, "android").await;
    let state = enroll(&app.address, &code, Platform::Android, inventory("15"), &state_dir())
        .await
        .unwrap();
    assert_eq!(device_count(&app, &ada).await, 5);
    assert_eq!(device_count(&app, &grace).await, 2);
    let (status, body) = app
        .get_json(&grace, &format!("/api/v1/devices/{}", state.device_id))
        .await;
    assert_eq!((status, error_code(&body)), (StatusCode::NOT_FOUND, "not_found"));
    assert_eq!(
        app.get_json(&grace, "/api/v1/devices/not-a-uuid").await.0,
        StatusCode::NOT_FOUND
    );
}

/// The server's database file, opened beside it.
async fn database(app: &TestApp) -> sqlx::AnyPool {
    app.raw_database().await
}

/// Rows in a table, read straight from the database file.
async fn rows(app: &TestApp, table: &str) -> i64 {
    let db = database(app).await;
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&db)
        .await
        .unwrap()
}

fn tamper_signature(csr_pem: &str) -> String {
    use base64::Engine;
    let body: String = csr_pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let mut der = base64::engine::general_purpose::STANDARD.decode(body).unwrap();
    let last = der.len() - 1;
    der[last] ^= 0x01;
    format!(
        "-----BEGIN CERTIFICATE REQUEST-----\n{}\n-----END CERTIFICATE REQUEST-----\n",
        base64::engine::general_purpose::STANDARD.encode(der)
    )
}

fn csr(alg: &'static rcgen::SignatureAlgorithm) -> String {
    let key = rcgen::KeyPair::generate_for(alg).unwrap();
    rcgen::CertificateParams::default()
        .serialize_request(&key)
        .unwrap()
        .pem()
        .unwrap()
}

#[tokio::test]
async fn bad_csrs_are_refused_and_leave_the_code_usable_and_nothing_written() {
    let app = spawn_app().await;
    let grace = app.signed_in("grace@example.com").await;
    let code = code_for(&app, &grace, "android").await;
    let enroll_raw = |csr_pem: String| {
        let body = json!({ "code": code, "platform": "android", "csr_pem": csr_pem, "inventory": inventory("15") });
        reqwest::Client::new()
            .post(app.url("/api/v1/enroll"))
            .json(&body)
            .send()
    };
    for (csr_pem, expected) in [
        (
            tamper_signature(&csr(&rcgen::PKCS_ECDSA_P256_SHA256)),
            "csr_bad_signature",
        ),
        (csr(&rcgen::PKCS_ECDSA_P384_SHA384), "key_unsupported"),
        (csr(&rcgen::PKCS_ED25519), "key_unsupported"),
        (
            "-----BEGIN CERTIFICATE REQUEST-----\nnot base64\n-----END CERTIFICATE REQUEST-----".into(),
            "csr_invalid",
        ),
    ] {
        let response = enroll_raw(csr_pem).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{expected}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(error_code(&body), expected);
    }
    assert_eq!(device_count(&app, &grace).await, 2);
    enroll(&app.address, &code, Platform::Android, inventory("15"), &state_dir())
        .await
        .expect("the code still works");
}

#[tokio::test]
async fn restrictions_refuse_with_the_rule_named_before_and_at_enrollment() {
    let app = spawn_app().await;
    let ada = app.signed_in("ada@example.com").await;

    let response = issue_code(&app, &ada, "windows_phone", "personal").await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "enrollment_restricted");
    assert_eq!(body["message"], "Personal Windows Phone devices are not allowed.");
    assert_eq!(
        issue_code(&app, &ada, "linux", "corporate").await.status(),
        StatusCode::FORBIDDEN
    );

    let bad_name = ada
        .post(app.url("/api/v1/enrollment-codes"))
        .json(&json!({ "platform": "android", "device_name": " ", "ownership": "corporate", "category": "Spaceship" }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_name.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = bad_name.json().await.unwrap();
    let fields = field_names(&body);
    assert_eq!(fields, ["device_name", "category"]);

    // Too old to enroll: refused at enrollment, naming the minimum.
    let code = code_for(&app, &ada, "android").await;
    let old = failure(
        enroll(&app.address, &code, Platform::Android, inventory("9"), &state_dir())
            .await
            .unwrap_err(),
    );
    assert_eq!((old.status, old.error.code.as_str()), (403, "enrollment_restricted"));
    assert!(old.error.message.contains("update to 10"), "{}", old.error.message);

    // Ada has 4 of 5: two codes issued now, the second enrollment is over the limit.
    let first = code_for(&app, &ada, "android").await;
    enroll(&app.address, &first, Platform::Android, inventory("15"), &state_dir())
        .await
        .unwrap();
    let over = failure(
        enroll(&app.address, &code, Platform::Android, inventory("15"), &state_dir())
            .await
            .unwrap_err(),
    );
    assert_eq!((over.status, over.error.code.as_str()), (403, "enrollment_restricted"));
    assert!(over.error.message.contains("limit of 5"));
    // Written down for her and IT, once per code however often it is tried.
    let it = app.signed_in("it@example.com").await;
    let refusals = app.audit(&it, "action=enrollment_refused").await.entries;
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert_eq!(refusals[0].actor.as_deref(), Some("ada@example.com"));
    let subject = refusals[0].subject.as_deref().unwrap_or_default();
    assert!(
        subject.starts_with("New phone (android): Android 9 is too old"),
        "{refusals:?}"
    );
    let (_, activity) = app.get_json(&ada, "/api/v1/activity").await;
    assert!(
        activity["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "enrollment_refused")
    );
    assert_eq!(device_count(&app, &ada).await, 5);
    assert_eq!(
        rows(&app, "device_certificates").await,
        1,
        "only the enrolled device has a certificate"
    );
    let unused: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM enrollment_codes WHERE used_at IS NULL")
        .fetch_one(&database(&app).await)
        .await
        .unwrap();
    assert_eq!(unused, 1, "the refused enrollments left their code unused");
    let response = issue_code(&app, &ada, "android", "corporate").await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "no code past the limit");
}

#[tokio::test]
async fn a_signed_check_in_updates_compliance_with_reasons_and_a_deadline() {
    let app = spawn_app().await;
    let (grace, mut client, _) = enrolled_device(&app).await;
    let mut failing = inventory("12");
    failing.encrypted = false;
    let answer = client.check_in(&failing, &[]).await.unwrap();
    assert_eq!(answer.compliance, ComplianceState::OutOfCompliance);
    let rules: Vec<_> = answer.reasons.iter().map(|r| r.rule.as_str()).collect();
    assert_eq!(rules, ["os_version", "encryption"]);
    // The figures each sentence names, for the portal to say them in the reader's language.
    assert_eq!(answer.reasons[0].values, ["Android", "12", "13"]);
    assert!(answer.reasons[0].problem.contains("12") && answer.reasons[0].problem.contains("13"));
    assert!(answer.reasons[1].values.is_empty());

    let path = format!("/api/v1/devices/{}", client.state.device_id);
    let detail: DeviceDetail = serde_json::from_value(app.get_json(&grace, &path).await.1).unwrap();
    assert_eq!(detail.device.os_version, "12");
    assert_eq!(detail.compliance_reasons.len(), 2);
    assert!(detail.compliance_deadline.is_some());

    // Still failing after the grace period: Cannot access.
    app.clock.advance(time::Duration::days(3));
    client.clock_offset_seconds = time::Duration::days(3).whole_seconds();
    assert_eq!(
        client.check_in(&failing, &[]).await.unwrap().compliance,
        ComplianceState::CannotAccess
    );
    assert_eq!(
        client.check_in(&inventory("15"), &[]).await.unwrap().compliance,
        ComplianceState::CanAccess
    );
}

#[tokio::test]
async fn forged_replayed_stale_and_revoked_requests_are_refused() {
    let app = spawn_app().await;
    let (_, client, dir) = enrolled_device(&app).await;
    let body = json!({ "inventory": inventory("15") });

    let stranger = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let forger = DeviceClient::with_key(client.state.clone(), &stranger.serialize_pem()).unwrap();
    let forged = forger
        .signed_request(Method::POST, "/api/v1/device/check-in", Some(&body))
        .unwrap()
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&forged.json().await.unwrap()), "bad_signature");

    let signed = client
        .signed_request(Method::POST, "/api/v1/device/check-in", Some(&body))
        .unwrap();
    let replay = signed.try_clone().unwrap();
    assert_eq!(signed.send().await.unwrap().status(), StatusCode::OK);
    let replayed = replay.send().await.unwrap();
    assert_eq!(replayed.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&replayed.json().await.unwrap()), "replayed_request");

    let unsigned = reqwest::Client::new()
        .post(app.url("/api/v1/device/check-in"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), StatusCode::UNAUTHORIZED);

    app.clock.advance(time::Duration::minutes(6));
    let stale = client
        .signed_request(Method::POST, "/api/v1/device/check-in", Some(&body))
        .unwrap()
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(&stale.json().await.unwrap()), "stale_request");
    app.clock.advance(-time::Duration::minutes(6));

    // Revocation comes with removal and wipe; here it is set directly.
    let db = app.raw_database().await;
    sqlx::query(
        "UPDATE device_certificates SET revoked_at = '2026-01-01T00:00:00.000000Z' WHERE CAST(device_id AS TEXT) = $1",
    )
    .bind(client.state.device_id.to_string())
    .execute(&db)
    .await
    .unwrap();
    let revoked = failure(client.check_in(&inventory("15"), &[]).await.unwrap_err());
    assert_eq!(
        (revoked.status, revoked.error.code.as_str()),
        (401, "certificate_revoked")
    );
    drop(dir);
}

/// Reads the event stream into `received` until `needle` arrives; a second
/// without it fails the test.
pub async fn wait_for(events: &mut reqwest::Response, received: &mut String, needle: &str) {
    while !received.contains(needle) {
        let chunk = tokio::time::timeout(Duration::from_secs(1), events.chunk())
            .await
            .unwrap_or_else(|_| panic!("no {needle:?} within a second; received {received:?}"));
        received.push_str(&String::from_utf8_lossy(&chunk.unwrap().unwrap()));
    }
}

#[tokio::test]
async fn the_portal_hears_of_an_enrollment_and_a_check_in_within_a_second() {
    let app = spawn_app().await;
    let grace = app.signed_in("grace@example.com").await;
    let mut events = grace.get(app.url("/api/v1/events")).send().await.unwrap();
    assert_eq!(events.status(), StatusCode::OK);
    assert_eq!(events.headers()["content-type"], "text/event-stream");

    let code = code_for(&app, &grace, "android").await;
    let dir = state_dir();
    let started = std::time::Instant::now();
    let state = enroll(&app.address, &code, Platform::Android, inventory("15"), &dir)
        .await
        .unwrap();
    let mut received = String::new();
    wait_for(&mut events, &mut received, "device_enrolled").await;
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(received.contains(&state.device_id.to_string()), "{received}");

    DeviceClient::load(&dir)
        .unwrap()
        .check_in(&inventory("15"), &[])
        .await
        .unwrap();
    wait_for(&mut events, &mut received, "device_updated").await;

    // Ada hears nothing of Grace's devices.
    let ada = app.signed_in("ada@example.com").await;
    let mut ada_events = ada.get(app.url("/api/v1/events")).send().await.unwrap();
    // Every stream opens with an id (kept by the browser to say, when it
    // reconnects, that it may have missed some), and nothing else.
    let opening = ada_events.chunk().await.unwrap().unwrap();
    let opening = String::from_utf8_lossy(&opening);
    assert!(opening.contains("id: 0") && !opening.contains("data:"), "{opening:?}");
    DeviceClient::load(&dir)
        .unwrap()
        .check_in(&inventory("15"), &[])
        .await
        .unwrap();
    assert!(
        tokio::time::timeout(Duration::from_millis(300), ada_events.chunk())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_serial_number_is_kept_for_corporate_devices_and_never_for_personal_ones() {
    let app = spawn_app().await;
    let (grace, corporate, _) = enrolled_device(&app).await;
    let detail = |id: String| {
        let (app, grace) = (&app, &grace);
        async move {
            let (status, body) = app.get_json(grace, &format!("/api/v1/devices/{id}")).await;
            assert_eq!(status, StatusCode::OK);
            serde_json::from_value::<DeviceDetail>(body).unwrap()
        }
    };
    let id = corporate.state.device_id.to_string();
    assert_eq!(detail(id).await.serial_number.as_deref(), Some("R5CT40ABC1X"));

    let response = issue_code(&app, &grace, "android", "personal").await;
    let code = response.json::<EnrollmentCodeResponse>().await.unwrap().code;
    let dir = state_dir();
    let state = enroll(&app.address, &code, Platform::Android, inventory("15"), &dir)
        .await
        .unwrap();
    assert_eq!(
        detail(state.device_id.to_string()).await.serial_number,
        None,
        "at enrollment"
    );
    let personal = DeviceClient::load(&dir).unwrap();
    personal.check_in(&inventory("15"), &[]).await.unwrap();
    assert_eq!(
        detail(state.device_id.to_string()).await.serial_number,
        None,
        "nor at check-in"
    );
}
