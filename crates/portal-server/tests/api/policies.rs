//! Policies: versions saved by administrators, and every device judged anew.

use std::sync::Arc;

use portal_server::{
    clock::{Clock, ManualClock},
    db::Database,
    policies::{
        Policies, evaluation,
        rules::{Policy, ProvisioningMode},
    },
};
use portal_types::{ComplianceState, Device, DevicesResponse, Platform, PolicyChange, PolicySettings, PolicyVersion};
use reqwest::StatusCode;
use serde_json::Value;
use time::Duration;

use crate::helpers::{Data, TestApp, another_node, error_code, field_names, spawn_app};

async fn policy(app: &TestApp, client: &reqwest::Client) -> PolicyVersion {
    let response = client.get(app.url("/api/v1/admin/policy")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn save(app: &TestApp, client: &reqwest::Client, based_on: u32, settings: &PolicySettings) -> reqwest::Response {
    client
        .put(app.url("/api/v1/admin/policy"))
        .json(&PolicyChange {
            based_on,
            settings: settings.clone(),
        })
        .send()
        .await
        .unwrap()
}

/// Asks until every device has been judged by the version in force.
async fn judged(app: &TestApp, client: &reqwest::Client) -> PolicyVersion {
    for _ in 0..200 {
        let current = policy(app, client).await;
        if current.evaluation.finished_at.is_some() {
            return current;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("devices still being judged after 200 looks");
}

async fn device(app: &TestApp, email: &str, name: &str) -> Device {
    let client = app.signed_in(email).await;
    let (_, body) = app.get_json(&client, "/api/v1/devices").await;
    let DevicesResponse { devices } = serde_json::from_value(body).unwrap();
    devices.into_iter().find(|d| d.name == name).unwrap()
}

fn with_min_android(settings: &PolicySettings, version: &str) -> PolicySettings {
    let mut settings = settings.clone();
    let android = settings
        .platforms
        .iter_mut()
        .find(|r| r.platform == Platform::Android)
        .unwrap();
    android.min_compliant_os = Some(version.into());
    settings
}

#[tokio::test]
async fn only_administrators_see_and_change_the_policies() {
    let app = spawn_app().await;
    let it = app.signed_in("it@example.com").await;
    let initial = policy(&app, &it).await;
    let ada = app.signed_in("ada@example.com").await;
    let read = ada.get(app.url("/api/v1/admin/policy")).send().await.unwrap();
    assert_eq!(read.status(), StatusCode::FORBIDDEN);
    let write = save(&app, &ada, 1, &initial.settings).await;
    assert_eq!(write.status(), StatusCode::FORBIDDEN);
    assert_eq!(policy(&app, &it).await, initial, "nothing changed");
    let anonymous = app.client().get(app.url("/api/v1/admin/policy")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_configuration_is_version_one_and_a_saved_version_judges_every_device() {
    let app = spawn_app().await;
    let it = app.signed_in("it@example.com").await;
    let initial = judged(&app, &it).await;
    assert_eq!((initial.version, initial.changed_by.as_deref()), (1, None));
    let android = initial.settings.platform(Platform::Android).unwrap();
    assert_eq!(android.min_compliant_os.as_deref(), Some("13"));
    assert_eq!(initial.settings.check_in_days, 30, "Intune's default");
    assert_eq!(
        device(&app, "ada@example.com", "Work phone").await.compliance,
        ComplianceState::CanAccess
    );

    let saved = save(&app, &it, 1, &with_min_android(&initial.settings, "16")).await;
    assert_eq!(saved.status(), StatusCode::OK);
    let saved: PolicyVersion = saved.json().await.unwrap();
    assert_eq!(saved.version, 2);
    assert!(saved.changed_by.unwrap().contains("it@example.com"));

    let done = judged(&app, &it).await;
    assert_eq!(done.version, 2);
    // Ada's Android 15 and Grace's Android 14 fall under the new minimum.
    assert_eq!(done.evaluation.changed, 2, "{:?}", done.evaluation);
    assert_eq!(done.evaluation.evaluated, done.evaluation.devices);
    let phone = device(&app, "ada@example.com", "Work phone").await;
    assert_eq!(phone.compliance, ComplianceState::OutOfCompliance);
    let ada = app.signed_in("ada@example.com").await;
    let (_, detail) = app.get_json(&ada, &format!("/api/v1/devices/{}", phone.id)).await;
    assert!(
        detail["compliance_reasons"][0]["problem"]
            .as_str()
            .unwrap()
            .contains("older than the required 16"),
        "{detail}"
    );
    assert!(detail["compliance_deadline"].is_string(), "the grace period runs");

    let audit = app.audit(&it, "action=policy_changed").await;
    assert_eq!(audit.entries.len(), 1);
    assert_eq!(audit.entries[0].subject.as_deref(), Some("policy version 2"));

    // Back as it was: the phone is compliant again, its failure forgotten.
    let back = save(&app, &it, 2, &initial.settings).await;
    assert_eq!(back.status(), StatusCode::OK);
    judged(&app, &it).await;
    let phone = device(&app, "ada@example.com", "Work phone").await;
    assert_eq!(phone.compliance, ComplianceState::CanAccess);
}

#[tokio::test]
async fn a_stale_or_bad_version_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let it = app.signed_in("it@example.com").await;
    let initial = judged(&app, &it).await;
    assert_eq!(save(&app, &it, 1, &initial.settings).await.status(), StatusCode::OK);
    // Somebody saved version 2 since this administrator opened version 1.
    let stale = save(&app, &it, 1, &with_min_android(&initial.settings, "16")).await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    let body: Value = stale.json().await.unwrap();
    assert_eq!(error_code(&body), "policy_changed");

    let mut bad = with_min_android(&initial.settings, "sixteen");
    bad.device_limit = 0;
    bad.check_in_days = 0;
    bad.platforms.push(portal_types::PlatformSettings {
        platform: Platform::Linux,
        corporate_allowed: true,
        personal_allowed: true,
        min_enroll_os: None,
        min_compliant_os: None,
    });
    let refused = save(&app, &it, 2, &bad).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = refused.json().await.unwrap();
    let fields = field_names(&body);
    for field in ["device_limit", "android.min_compliant_os", "check_in_days", "linux"] {
        assert!(fields.contains(&field), "{field}: {body}");
    }
    let current = policy(&app, &it).await;
    assert_eq!((current.version, current.settings), (2, initial.settings));
}

/// Over PostgreSQL, where several nodes share the database (SQLite is one node).
#[tokio::test]
async fn every_node_puts_a_saved_version_in_force() {
    let a = spawn_app().await;
    if !a.data.is_postgres() {
        return;
    }
    let b = another_node(&a, |_| {}).await;
    let it = a.signed_in("it@example.com").await;
    let initial = judged(&a, &it).await;
    let mut settings = initial.settings.clone();
    settings.device_limit = 4;
    assert_eq!(save(&a, &it, 1, &settings).await.status(), StatusCode::OK);
    // Node b heard of it: Ada, with four devices, may add no more there.
    let ada = b.signed_in("ada@example.com").await;
    for _ in 0..200 {
        let (_, options) = b.get_json(&ada, "/api/v1/enrollment/options").await;
        if options["device_limit"] == 4 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("node b never loaded version 2");
}

/// The node's data with the node stopped, so that its own sweeps never run
/// between the test's: the store, and the clock the test moves.
async fn alone(app: TestApp) -> (Data, Arc<dyn Database>, ManualClock) {
    let clock = app.clock.clone();
    let data = app.stop().await;
    let db = portal_server::db::connect(&data.database.url, None).await.unwrap();
    (data, db, clock)
}

/// Every device's stored state is the one `policy` gives it at `now`.
async fn states_agree_with_the_clock(db: &dyn Database, policy: &Policy, now: time::OffsetDateTime) {
    for device in db.devices_to_judge(None, 10_000).await.unwrap() {
        let judged = policy.judge_again(&device, now);
        assert_eq!(device.compliance.state, judged.state, "{}", device.id);
    }
}

#[tokio::test]
async fn time_changes_a_state_at_the_next_deadline_sweep_which_reads_only_the_devices_past_a_deadline() {
    let (_data, db, manual) = alone(spawn_app().await).await;
    let clock: Arc<dyn Clock> = Arc::new(manual.clone());
    let policies = Policies::load(db.clone(), Policy::defaults(ProvisioningMode::Standalone), clock.now())
        .await
        .unwrap();
    let policy = policies.current();
    let all = db.devices_to_judge(None, 10_000).await.unwrap().len();
    let past_deadline = || async {
        db.devices_past_deadline(policy.deadlines(clock.now()), 10_000)
            .await
            .unwrap()
    };
    assert!(
        past_deadline().await.is_empty(),
        "the demo's devices are judged as of now"
    );

    // Demo devices fail since up to two days ago (3 days' grace), and checked in minutes ago (30 days allowed).
    let (mut targeted, mut ended_grace, mut went_away) = (false, false, false);
    for step in [1, 2, 28, 2, 2] {
        manual.advance(Duration::days(step));
        let due = past_deadline().await;
        targeted |= !due.is_empty() && due.len() < all;
        ended_grace |= due
            .iter()
            .any(|d| d.compliance.state == ComplianceState::OutOfCompliance);
        went_away |= due.iter().any(|d| d.compliance.state == ComplianceState::CanAccess);
        let changed = evaluation::judge_past_deadline(&*db, &*clock, &policies, &policy)
            .await
            .unwrap();
        assert_eq!(changed, due.len() as u64, "after {step} more days");
        states_agree_with_the_clock(&*db, &policy, clock.now()).await;
        assert!(
            past_deadline().await.is_empty(),
            "each device judged leaves the deadline's range"
        );
    }
    assert!(targeted, "some steps read some of the fleet, not all of it");
    assert!(
        ended_grace && went_away,
        "both deadlines came: {ended_grace} {went_away}"
    );
}

#[tokio::test]
async fn a_device_away_longer_than_the_policy_allows_becomes_noncompliant_at_the_sweep() {
    let app = spawn_app().await;
    let phone_id = device(&app, "ada@example.com", "Work phone").await.id;
    let (_data, db, manual) = alone(app).await;
    let clock: Arc<dyn Clock> = Arc::new(manual.clone());
    let policies = Policies::load(db.clone(), Policy::defaults(ProvisioningMode::Standalone), clock.now())
        .await
        .unwrap();
    let policy = policies.current();
    let sweep = || evaluation::judge_all(&*db, &*clock, &policies, &policy, false);
    let phone = || async {
        let devices = db.devices_to_judge(None, 1000).await.unwrap();
        devices.into_iter().find(|d| d.id == phone_id).unwrap().compliance
    };
    assert_eq!(
        sweep().await.unwrap().changed,
        0,
        "the demo's devices are judged as the policy judges"
    );
    // Ada's phone checked in 12 minutes before; 30 days on, it is overdue.
    manual.advance(Duration::days(30));
    assert!(sweep().await.unwrap().changed >= 1);
    let overdue = phone().await;
    assert_eq!(overdue.state, ComplianceState::OutOfCompliance);
    assert_eq!(overdue.reasons[0].rule, "check_in");
    // Days since its check-in and the limit, as the sentence names them.
    assert_eq!(overdue.reasons[0].values, ["30", "30"]);
    assert_eq!(sweep().await.unwrap().changed, 0, "judging again changes nothing");
    // The grace period (3 days) ends without a check-in.
    manual.advance(Duration::days(3));
    assert!(sweep().await.unwrap().changed >= 1);
    assert_eq!(phone().await.state, ComplianceState::CannotAccess);
}
