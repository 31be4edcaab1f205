//! Register beside Enroll: a registered device has a certificate and an
//! owner but takes no remote action but Remove device, no apps and no app
//! inventory; enrolled later, it keeps its id and its certificate.

use portal_agent::{ApiFailure, DeviceClient, StateDir, add, enroll};
use portal_types::{CommandKind, DeviceDetail, EnrollmentCodeResponse, Management, Platform};
use reqwest::StatusCode;
use serde_json::json;

use crate::{
    commands::{reauthenticate, refused_lock, wipe},
    enrollment::{code_for, inventory, issue_code, required_on_android, wait_for},
    helpers::{PASSWORD, TestApp, error_code, spawn_app},
};

async fn registration_code(
    app: &TestApp,
    user: &reqwest::Client,
    platform: &str,
    ownership: &str,
) -> reqwest::Response {
    user.post(app.url("/api/v1/enrollment-codes"))
        .json(
            &json!({ "platform": platform, "device_name": "Own phone", "ownership": ownership,
                       "category": "Phone", "management": "registered" }),
        )
        .send()
        .await
        .unwrap()
}

/// Grace's personal Android phone, registered.
pub async fn registered_phone(app: &TestApp) -> (reqwest::Client, DeviceClient, StateDir) {
    let grace = app.signed_in("grace@example.com").await;
    let response = registration_code(app, &grace, "android", "personal").await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let issued: EnrollmentCodeResponse = response.json().await.unwrap();
    let dir = StateDir(tempfile::tempdir().unwrap().keep());
    add(
        &app.address,
        &issued.code,
        Platform::Android,
        inventory("15"),
        &dir,
        Management::Registered,
    )
    .await
    .expect("registers");
    (grace, DeviceClient::load(&dir).unwrap(), dir)
}

async fn detail(app: &TestApp, user: &reqwest::Client, device: &DeviceClient) -> DeviceDetail {
    let (status, body) = app
        .get_json(user, &format!("/api/v1/devices/{}", device.state.device_id))
        .await;
    assert_eq!(status, StatusCode::OK);
    serde_json::from_value(body).unwrap()
}

fn failure(error: anyhow::Error) -> ApiFailure {
    error.downcast::<ApiFailure>().expect("an API error")
}

#[tokio::test]
async fn a_personal_device_the_rules_will_not_enroll_is_registered_and_gets_a_certificate() {
    let app = spawn_app().await;
    let grace = app.signed_in("grace@example.com").await;
    // The default rules take corporate Windows Phones only.
    let enrolling = grace
        .post(app.url("/api/v1/enrollment-codes"))
        .json(
            &json!({ "platform": "windows_phone", "device_name": "Own phone", "ownership": "personal",
                       "category": "Phone" }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(enrolling.status(), StatusCode::FORBIDDEN);
    let response = registration_code(&app, &grace, "windows_phone", "personal").await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let issued: EnrollmentCodeResponse = response.json().await.unwrap();
    assert!(
        issued.command.starts_with("portal-agent register "),
        "{}",
        issued.command
    );

    // The code is for registering: enrolling with it is refused, and leaves it unused.
    let dir = StateDir(tempfile::tempdir().unwrap().keep());
    let refused = enroll(
        &app.address,
        &issued.code,
        Platform::WindowsPhone,
        inventory("10"),
        &dir,
    )
    .await;
    let refused = failure(refused.unwrap_err());
    assert_eq!(
        (refused.status, refused.error.code.as_str()),
        (422, "management_mismatch")
    );
    add(
        &app.address,
        &issued.code,
        Platform::WindowsPhone,
        inventory("10"),
        &dir,
        Management::Registered,
    )
    .await
    .expect("registers");

    let device = DeviceClient::load(&dir).unwrap();
    assert_eq!(device.state.management, Management::Registered);
    let shown = detail(&app, &grace, &device).await;
    assert_eq!(shown.device.management, Management::Registered);
    assert!(shown.certificate.is_some_and(|c| c.revoked_at.is_none()));
    assert_eq!(shown.serial_number, None, "a personal device keeps no serial number");
    let (_, listed) = app.get_json(&grace, "/api/v1/devices").await;
    let management: Vec<_> = listed["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["management"].as_str().unwrap().to_string())
        .collect();
    assert!(management.contains(&"registered".to_string()), "{management:?}");

    let it = app.signed_in("it@example.com").await;
    let audit = app.audit(&it, "action=device_registered").await;
    assert_eq!(audit.entries[0].subject, Some(device.state.device_id.to_string()));
}

#[tokio::test]
async fn a_registered_device_gets_no_apps_and_no_command_and_is_removed_at_once() {
    let app = spawn_app().await;
    let (grace, device, _) = registered_phone(&app).await;
    let id = device.state.device_id.to_string();

    // No required app reaches it, and the apps it reports are not kept.
    let answer = device.check_in(&inventory("15"), &required_on_android()).await.unwrap();
    assert!(answer.commands.is_empty(), "{:?}", answer.commands);
    let (_, apps) = app.get_json(&grace, &format!("/api/v1/devices/{id}/apps")).await;
    assert_eq!(apps["apps"].as_array().map(Vec::len), Some(0), "{apps}");

    assert_eq!(refused_lock(&app, &grace, &id).await, "not_managed");
    let sync = grace
        .post(app.url(&format!("/api/v1/devices/{id}/sync")))
        .send()
        .await
        .unwrap();
    assert_eq!(sync.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(&sync.json().await.unwrap()), "not_managed");
    let install = grace
        .post(app.url(&format!("/api/v1/devices/{id}/apps/sentry-vpn/install")))
        .send()
        .await
        .unwrap();
    assert_eq!(install.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(&install.json().await.unwrap()), "not_managed");
    let reset = wipe(&app, &grace, &id, "Own phone").await;
    assert_eq!(reset.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(&reset.json().await.unwrap()), "not_managed");
    let renamed = grace
        .post(app.url(&format!("/api/v1/devices/{id}/rename")))
        .json(&json!({ "name": "Grace's own phone" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        renamed.status(),
        StatusCode::NO_CONTENT,
        "renaming is the portal's, not the device's"
    );

    // Nothing on the device to take off: removed at once, its certificate refused.
    app.clock.advance(time::Duration::minutes(6));
    assert_eq!(reauthenticate(&app, &grace, PASSWORD).await, StatusCode::NO_CONTENT);
    let removed = grace
        .delete(app.url(&format!("/api/v1/devices/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let (status, _) = app.get_json(&grace, &format!("/api/v1/devices/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let refused = failure(device.check_in(&inventory("15"), &[]).await.unwrap_err());
    assert_eq!(refused.status, 401);
}

#[tokio::test]
async fn a_registered_device_is_enrolled_later_keeping_its_id_and_certificate() {
    let app = spawn_app().await;
    let (grace, mut device, dir) = registered_phone(&app).await;
    let before = detail(&app, &grace, &device).await.certificate.unwrap();

    // A code for registering does not enroll it; somebody else's code neither.
    let response = registration_code(&app, &grace, "android", "personal").await;
    let registering: EnrollmentCodeResponse = response.json().await.unwrap();
    let refused = device.enroll_registered(&registering.code, inventory("15"), &dir).await;
    assert_eq!(failure(refused.unwrap_err()).error.code, "management_mismatch");
    let ada = app.signed_in("ada@example.com").await;
    let adas = code_for(&app, &ada, "android").await;
    let refused = device.enroll_registered(&adas, inventory("15"), &dir).await;
    assert_eq!(failure(refused.unwrap_err()).error.code, "code_invalid");

    let code = code_for(&app, &grace, "android").await;
    let mut events = grace.get(app.url("/api/v1/events")).send().await.unwrap();
    device
        .enroll_registered(&code, inventory("15"), &dir)
        .await
        .expect("enrolls");
    // The portal, showing the code, hears that a device enrolled with it.
    let mut received = String::new();
    wait_for(&mut events, &mut received, "device_enrolled").await;
    assert!(received.contains(&device.state.device_id.to_string()), "{received}");
    assert_eq!(DeviceClient::load(&dir).unwrap().state.management, Management::Managed);
    let after = detail(&app, &grace, &device).await;
    assert_eq!(after.device.management, Management::Managed);
    assert_eq!(
        after.device.ownership,
        portal_types::Ownership::Corporate,
        "the code's ownership"
    );
    assert_eq!(after.certificate.unwrap(), before, "the same certificate");

    // Managed now: the required apps are on their way, and it takes commands.
    let waiting = device.check_in(&inventory("15"), &[]).await.unwrap().commands;
    assert!(!waiting.is_empty() && waiting.iter().all(|c| c.kind == CommandKind::Install));
    let lock = grace
        .post(app.url(&format!("/api/v1/devices/{}/lock", device.state.device_id)))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(lock.status(), StatusCode::ACCEPTED);

    let again = code_for(&app, &grace, "android").await;
    let twice = device.enroll_registered(&again, inventory("15"), &dir).await;
    let twice = failure(twice.unwrap_err());
    assert_eq!((twice.status, twice.error.code.as_str()), (409, "already_managed"));
}

#[tokio::test]
async fn at_the_device_limit_only_a_registered_device_can_still_be_enrolled() {
    let app = spawn_app().await;
    let (grace, mut device, dir) = registered_phone(&app).await;
    let (_, options) = app.get_json(&grace, "/api/v1/enrollment/options").await;
    let enrolled = options["devices_enrolled"].clone();
    // IT lowers the limit to what she has.
    let it = app.signed_in("it@example.com").await;
    let (_, policy) = app.get_json(&it, "/api/v1/admin/policy").await;
    let mut settings = policy["settings"].clone();
    settings["device_limit"] = enrolled;
    let saved = it
        .put(app.url("/api/v1/admin/policy"))
        .json(&json!({ "based_on": policy["version"], "settings": settings }))
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::OK);
    let (_, options) = app.get_json(&grace, "/api/v1/enrollment/options").await;
    assert_eq!(options["device_limit"], options["devices_enrolled"]);
    assert_eq!(options["registered_platforms"], json!(["android"]));

    // No code for a device of another platform, nor to register one more.
    let ios = issue_code(&app, &grace, "ios", "corporate").await;
    assert_eq!(ios.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(&ios.json().await.unwrap()), "enrollment_restricted");
    let registering = registration_code(&app, &grace, "android", "personal").await;
    assert_eq!(registering.status(), StatusCode::FORBIDDEN);

    // A code to enroll an Android device: a new one meets the limit with it...
    let code = code_for(&app, &grace, "android").await;
    let newcomer = StateDir(tempfile::tempdir().unwrap().keep());
    let refused = enroll(&app.address, &code, Platform::Android, inventory("15"), &newcomer).await;
    let refused = failure(refused.unwrap_err());
    assert_eq!(
        (refused.status, refused.error.code.as_str()),
        (403, "enrollment_restricted")
    );
    // ...and the registered one is enrolled by it, at the limit still.
    device
        .enroll_registered(&code, inventory("15"), &dir)
        .await
        .expect("enrolls");
    let enrolled = detail(&app, &grace, &device).await.device;
    assert_eq!(
        (enrolled.management, enrolled.name.as_str()),
        (Management::Managed, "New phone"),
        "the code's name"
    );
    let (_, options) = app.get_json(&grace, "/api/v1/enrollment/options").await;
    assert_eq!(options["device_limit"], options["devices_enrolled"]);
    assert_eq!(options["registered_platforms"], json!([]));
}
