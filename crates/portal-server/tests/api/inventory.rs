//! Hybrid mode's on-premises inventory sync.

use portal_server::{clock::Clock, db::NewUser, policies::rules::ProvisioningMode};
use portal_types::{Device, DevicesResponse, FleetPage, ManagedBy, Platform, Role, SyncReport, SyncToken};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, add_required_app, error_code, spawn_with};

async fn hybrid() -> TestApp {
    spawn_with(|config| config.provisioning_mode = ProvisioningMode::Hybrid).await
}

async fn token(app: &TestApp) -> String {
    let it = app.signed_in("it@example.com").await;
    let response = it.post(app.url("/api/v1/admin/sync-tokens")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json::<SyncToken>().await.unwrap().token
}

/// A token, with the demo's on-premises estate taken away by an empty full
/// snapshot: its devices known on premises only go, its co-managed laptop
/// stays the portal's.
async fn emptied(app: &TestApp) -> String {
    let token = token(app).await;
    let empty = json!({ "snapshot": "full", "on_missing": "remove", "devices": [] });
    let report = applied(send_json(app, &token, &empty).await).await;
    assert_eq!(report.removed, 7, "{report:?}");
    token
}

async fn send_json(app: &TestApp, token: &str, body: &Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url("/api/v1/admin/inventory-sync"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn send_csv(app: &TestApp, token: &str, query: &str, csv: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url(&format!("/api/v1/admin/inventory-sync?{query}")))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv.to_string())
        .send()
        .await
        .unwrap()
}

async fn applied(response: reqwest::Response) -> SyncReport {
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn devices_of(app: &TestApp, email: &str) -> Vec<Device> {
    let client = app.signed_in(email).await;
    let (_, body) = app.get_json(&client, "/api/v1/devices").await;
    serde_json::from_value::<DevicesResponse>(body).unwrap().devices
}

async fn fleet(app: &TestApp, query: &str) -> FleetPage {
    let it = app.signed_in("it@example.com").await;
    let (status, body) = app.get_json(&it, &format!("/api/v1/admin/devices?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value(body).unwrap()
}

fn record(id: &str, name: &str, os: &str, build: &str, user: Option<&str>, serial: Option<&str>) -> Value {
    json!({
        "onprem_id": id, "name": name, "os": os, "os_build": build, "primary_user": user,
        "model": "OptiPlex 7010", "manufacturer": "Dell Inc.", "serial_number": serial, "domain": "corp.example.com",
    })
}

#[tokio::test]
async fn the_sync_takes_a_token_an_administrator_made_in_the_hybrid_plan() {
    let app = hybrid().await;
    let body = json!({ "snapshot": "partial", "devices": [] });
    let none = reqwest::Client::new()
        .post(app.url("/api/v1/admin/inventory-sync"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    let forged = send_json(&app, "not-a-token", &body).await;
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
    let ada = app.signed_in("ada@example.com").await;
    let refused = ada.post(app.url("/api/v1/admin/sync-tokens")).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let report = applied(send_json(&app, &token(&app).await, &body).await).await;
    assert_eq!(report, SyncReport::default());

    let standalone = spawn_with(|_| {}).await;
    let it = standalone.signed_in("it@example.com").await;
    let response = it
        .post(standalone.url("/api/v1/admin/sync-tokens"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "not_in_plan");
}

#[tokio::test]
async fn a_desktop_joins_its_users_devices_and_a_phone_with_its_serial_becomes_co_managed_once() {
    let app = hybrid().await;
    let token = emptied(&app).await;
    let before = fleet(&app, "").await.total;
    let snapshot = json!({ "snapshot": "partial", "devices": [
        record("16777220", "ADA-DESKTOP", "Microsoft Windows 11 Enterprise", "10.0.22631", Some("Ada@Example.com"), Some("PF3A1B2C")),
        // Ada's enrolled Work phone, as the on-premises manager knows it.
        record("16777221", "ADA-PIXEL", "Android 15", "15", Some("ada@example.com"), Some("R5CW21XK4PM")),
        record("16777222", "BUILD-01", "Microsoft Windows Server 2022 Datacenter", "10.0.20348", None, None),
    ]});
    let report = applied(send_json(&app, &token, &snapshot).await).await;
    assert_eq!(
        (report.received, report.created, report.co_managed),
        (3, 2, 1),
        "{report:?}"
    );

    let ada = devices_of(&app, "ada@example.com").await;
    assert_eq!(
        ada.len(),
        5,
        "four enrolled and the desktop: never two rows for the phone"
    );
    let desktop = ada.iter().find(|d| d.name == "ADA-DESKTOP").unwrap();
    assert_eq!(
        (desktop.platform, desktop.managed_by),
        (Platform::Windows, ManagedBy::OnPremises)
    );
    let phone = ada.iter().find(|d| d.name == "Work phone").unwrap();
    assert_eq!(phone.managed_by, ManagedBy::CoManaged, "the portal's name stays");
    let page = fleet(&app, "managed_by=on_premises").await;
    assert_eq!(page.total, 2);
    let server = page.devices.iter().find(|d| d.name == "BUILD-01").unwrap();
    assert_eq!(
        (server.platform, server.user_email.as_str()),
        (Platform::WindowsServer, "")
    );
    // Its admin page has no owner, and no action.
    let it = app.signed_in("it@example.com").await;
    let (status, admin_page) = app.get_json(&it, &format!("/api/v1/admin/devices/{}", server.id)).await;
    assert_eq!(status, StatusCode::OK, "{admin_page}");
    assert_eq!(admin_page["owner_email"], "");
    assert_eq!(admin_page["detail"]["device"]["managed_by"], "on_premises");
    let retire = it
        .post(app.url(&format!("/api/v1/admin/devices/{}/retire", server.id)))
        .json(&json!({ "device_name": "BUILD-01", "reason": "Decommissioned" }))
        .send()
        .await
        .unwrap();
    assert_eq!(retire.status(), StatusCode::CONFLICT);
    assert_eq!(fleet(&app, "").await.total, before + 2);

    // The portal cannot carry out an action on premises; the device limit counts enrolled devices only.
    let client = app.signed_in("ada@example.com").await;
    let lock = client
        .post(app.url(&format!("/api/v1/devices/{}/lock", desktop.id)))
        .json(&json!({ "message": "Found?" }))
        .send()
        .await
        .unwrap();
    assert_eq!(lock.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(&lock.json().await.unwrap()), "managed_on_premises");
    let (_, options) = app.get_json(&client, "/api/v1/enrollment/options").await;
    assert_eq!(options["devices_enrolled"], 4);
    let wipe = it
        .post(app.url(&format!("/api/v1/admin/devices/{}/wipe", desktop.id)))
        .json(&json!({ "device_name": "ADA-DESKTOP", "reason": "Left the company" }))
        .send()
        .await
        .unwrap();
    assert_eq!(wipe.status(), StatusCode::CONFLICT, "nor an administrator's");

    // A newly required app reaches enrolled devices only.
    add_required_app(&app, &it, "Server Agent", &[Platform::Windows, Platform::WindowsServer]).await;
    let (_, commands) = app
        .get_json(&client, &format!("/api/v1/devices/{}/commands", desktop.id))
        .await;
    assert_eq!(commands["commands"].as_array().unwrap().len(), 0);

    // The same snapshot again changes nothing.
    let again = applied(send_json(&app, &token, &snapshot).await).await;
    assert_eq!(
        (again.unchanged, again.created, again.updated, again.co_managed),
        (3, 0, 0, 0)
    );
    assert_eq!(fleet(&app, "").await.total, before + 2);

    // The audit log has each sync.
    let log = app.audit(&it, "action=inventory_synced").await;
    assert_eq!(log.entries.len(), 4, "the demo's, the emptying and these two");
}

#[tokio::test]
async fn a_devices_user_without_an_account_is_kept_by_email_and_linked_when_they_appear() {
    let app = hybrid().await;
    let token = emptied(&app).await;
    let snapshot = json!({ "snapshot": "partial", "devices": [
        record("300", "NEWHIRE-LAPTOP", "Microsoft Windows 11 Pro", "10.0.26100", Some("newhire@example.com"), None),
    ]});
    applied(send_json(&app, &token, &snapshot).await).await;
    let page = fleet(&app, "q=newhire").await;
    assert_eq!(page.total, 1);
    assert_eq!(page.devices[0].user_email, "newhire@example.com");
    let db = app.database().await;
    db.create_user(
        NewUser {
            email: "NewHire@example.com".into(),
            display_name: "New Hire".into(),
            role: Role::Employee,
            password_hash: db
                .user_by_email("ada@example.com")
                .await
                .unwrap()
                .unwrap()
                .password_hash,
        },
        app.clock.now(),
    )
    .await
    .unwrap();
    let user = db.user_by_email("newhire@example.com").await.unwrap().unwrap();
    let theirs = db.devices_of(user.id).await.unwrap();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].name, "NEWHIRE-LAPTOP");
}

#[tokio::test]
async fn a_full_snapshot_with_a_bad_record_changes_nothing_and_a_partial_one_applies_the_rest() {
    let app = hybrid().await;
    let token = emptied(&app).await;
    let before = fleet(&app, "").await.total;
    let full = json!({ "snapshot": "full", "devices": [
        record("1", "DESK-1", "Microsoft Windows 10 Enterprise", "10.0.19045", None, None),
        record("2", "", "Microsoft Windows 10 Enterprise", "10.0.19045", None, None),
        record("3", "DESK-3", "OS/2 Warp", "4", None, None),
    ]});
    let refused = send_json(&app, &token, &full).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = refused.json().await.unwrap();
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["2.name", "3.os"]);
    assert_eq!(fleet(&app, "").await.total, before, "nothing changed");

    let csv = "onprem_id,name,os,os_build,primary_user\n\
               10,DESK-10,Microsoft Windows 11 Enterprise,10.0.22631,grace@example.com\n\
               11,DESK-11,Microsoft Windows 11 Enterprise,eleven,\n\
               12,LINUX-12,Ubuntu 24.04 LTS,6.8,\n";
    let report = applied(send_csv(&app, &token, "snapshot=partial", csv).await).await;
    assert_eq!(report.created, 2);
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(
        (report.rejected[0].line, report.rejected[0].field.as_str()),
        (3, "os_build")
    );
    assert!(
        devices_of(&app, "grace@example.com")
            .await
            .iter()
            .any(|d| d.name == "DESK-10")
    );
    assert_eq!(fleet(&app, "").await.total, before + 2);
    let unsaid = send_csv(&app, &token, "", csv).await;
    assert_eq!(
        unsaid.status(),
        StatusCode::BAD_REQUEST,
        "a CSV says whether it is full"
    );
}

#[tokio::test]
async fn a_full_snapshot_marks_what_it_no_longer_holds_stale_or_removes_it() {
    let app = hybrid().await;
    let token = emptied(&app).await;
    let before = fleet(&app, "").await.total;
    let desk = record(
        "1",
        "DESK-1",
        "Microsoft Windows 10 Enterprise",
        "10.0.19045",
        None,
        None,
    );
    let other = record(
        "2",
        "DESK-2",
        "Microsoft Windows 10 Enterprise",
        "10.0.19045",
        None,
        None,
    );
    let phone = record(
        "3",
        "ADA-PIXEL",
        "Android 15",
        "15",
        Some("ada@example.com"),
        Some("R5CW21XK4PM"),
    );
    let all = json!({ "snapshot": "full", "devices": [desk, other, phone] });
    let first = applied(send_json(&app, &token, &all).await).await;
    assert_eq!((first.created, first.co_managed), (2, 1));

    let fewer = json!({ "snapshot": "full", "on_missing": "stale", "devices": [desk] });
    let stale = applied(send_json(&app, &token, &fewer).await).await;
    assert_eq!((stale.stale, stale.removed, stale.unchanged), (2, 0, 1));
    assert_eq!(fleet(&app, "").await.total, before + 2, "stale devices stay");
    let again = applied(send_json(&app, &token, &fewer).await).await;
    assert_eq!(again.stale, 0, "already stale");
    let missing = fleet(&app, "q=DESK-2").await.devices[0].id;
    let it = app.signed_in("it@example.com").await;
    let (_, page) = app.get_json(&it, &format!("/api/v1/admin/devices/{missing}")).await;
    assert!(page["detail"]["onprem_stale_since"].is_string(), "{page}");
    let held = fleet(&app, "q=DESK-1").await.devices[0].id;
    let (_, page) = app.get_json(&it, &format!("/api/v1/admin/devices/{held}")).await;
    assert!(page["detail"]["onprem_stale_since"].is_null(), "still held");

    let removing = json!({ "snapshot": "full", "on_missing": "remove", "devices": [desk] });
    let removed = applied(send_json(&app, &token, &removing).await).await;
    assert_eq!(removed.removed, 2);
    assert_eq!(
        fleet(&app, "").await.total,
        before + 1,
        "the co-managed phone stays, the portal's"
    );
    let ada = devices_of(&app, "ada@example.com").await;
    let phone = ada.iter().find(|d| d.name == "Work phone").unwrap();
    assert_eq!(phone.managed_by, ManagedBy::Portal);
}

#[tokio::test]
async fn a_device_and_its_record_are_one_by_the_on_premises_id_the_device_reports() {
    let app = hybrid().await;
    let token = emptied(&app).await;
    let grace = app.signed_in("grace@example.com").await;
    let enroll_reporting = |id: &'static str| {
        let (app, grace) = (&app, &grace);
        async move {
            let code = crate::enrollment::code_for(app, grace, "windows").await;
            let mut inventory = crate::enrollment::inventory("10.0.22631");
            inventory.serial_number = None;
            inventory.onprem_id = Some(id.into());
            let dir = portal_agent::StateDir(tempfile::tempdir().unwrap().keep());
            portal_agent::enroll(&app.address, &code, Platform::Windows, inventory, &dir)
                .await
                .expect("enrolls");
        }
    };
    // The record first, then the device enrolls reporting its id.
    let laptop = json!({ "snapshot": "partial", "devices": [
        record("777", "GRACE-LAPTOP", "Microsoft Windows 11 Enterprise", "10.0.22631", Some("grace@example.com"), None),
    ]});
    assert_eq!(applied(send_json(&app, &token, &laptop).await).await.created, 1);
    let before = fleet(&app, "").await.total;
    enroll_reporting("777").await;
    assert_eq!(fleet(&app, "").await.total, before, "one device, not two");
    assert_eq!(fleet(&app, "managed_by=co_managed").await.total, 1);

    // The device first, then its record comes.
    enroll_reporting("888").await;
    assert_eq!(fleet(&app, "managed_by=co_managed").await.total, 1, "no record yet");
    let desk = json!({ "snapshot": "partial", "devices": [
        record("888", "GRACE-DESK", "Microsoft Windows 11 Enterprise", "10.0.22631", Some("grace@example.com"), None),
    ]});
    let report = applied(send_json(&app, &token, &desk).await).await;
    assert_eq!((report.created, report.co_managed), (0, 1));
    assert_eq!(fleet(&app, "").await.total, before + 1);
    assert_eq!(fleet(&app, "managed_by=co_managed").await.total, 2);
    // A full snapshot without them leaves the portal's devices be.
    let empty = json!({ "snapshot": "full", "on_missing": "remove", "devices": [] });
    assert_eq!(applied(send_json(&app, &token, &empty).await).await.removed, 2);
    assert_eq!(fleet(&app, "").await.total, before + 1);
    assert_eq!(
        fleet(&app, "managed_by=portal").await.total,
        fleet(&app, "").await.total
    );
}

#[tokio::test]
async fn a_device_cannot_take_another_users_record_by_reporting_its_id_or_serial() {
    let app = hybrid().await;
    let token = emptied(&app).await;
    let grace = app.signed_in("grace@example.com").await;
    let enroll_reporting = |serial: Option<&'static str>, id: Option<&'static str>| {
        let (app, grace) = (&app, &grace);
        async move {
            let code = crate::enrollment::code_for(app, grace, "windows").await;
            let dir = portal_agent::StateDir(tempfile::tempdir().unwrap().keep());
            portal_agent::enroll(&app.address, &code, Platform::Windows, reporting(serial, id), &dir)
                .await
                .expect("enrolls");
            portal_agent::DeviceClient::load(&dir).unwrap()
        }
    };
    let sync = |records: Vec<Value>| {
        let (app, token) = (&app, &token);
        async move { applied(send_json(app, token, &json!({ "snapshot": "partial", "devices": records })).await).await }
    };
    let windows = |id: &str, name: &str, user: Option<&str>, serial: Option<&str>| {
        record(id, name, "Microsoft Windows 11 Enterprise", "10.0.22631", user, serial)
    };
    let graces_joined = || async {
        devices_of(&app, "grace@example.com")
            .await
            .into_iter()
            .filter(|d| d.managed_by != ManagedBy::Portal)
            .map(|d| d.name)
            .collect::<Vec<_>>()
    };
    let report = sync(vec![
        windows("501", "ADA-DESKTOP", Some("ada@example.com"), Some("PF-ADA-1")),
        windows("502", "BUILD-02", None, None),
    ])
    .await;
    assert_eq!(report.created, 2);

    // A record is there first: Grace's devices report Ada's record's id, its
    // serial number, and the id of a record nobody owns. None of them joins.
    let first = enroll_reporting(None, Some("501")).await;
    enroll_reporting(Some("PF-ADA-1"), None).await;
    first.check_in(&reporting(None, Some("502")), &[]).await.unwrap();
    let adas = devices_of(&app, "ada@example.com").await;
    let desktop = adas
        .iter()
        .find(|d| d.name == "ADA-DESKTOP")
        .expect("Ada's record stays hers");
    assert_eq!(desktop.managed_by, ManagedBy::OnPremises);
    assert_eq!(
        fleet(&app, "q=BUILD-02").await.devices[0].managed_by,
        ManagedBy::OnPremises
    );
    assert_eq!(graces_joined().await, Vec::<String>::new());

    // The device is there first: Grace's device reports an id and a serial
    // number before their records come, which turn out to be Ada's, or
    // nobody's. They become records of their own.
    enroll_reporting(Some("PF-ADA-2"), Some("503")).await;
    let report = sync(vec![
        windows("503", "ADA-LAPTOP", Some("ada@example.com"), None),
        windows("504", "ADA-TABLET", Some("ada@example.com"), Some("PF-ADA-2")),
    ])
    .await;
    assert_eq!((report.created, report.co_managed), (2, 0), "{report:?}");
    first.check_in(&reporting(None, Some("505")), &[]).await.unwrap();
    let report = sync(vec![windows("505", "BUILD-03", None, None)]).await;
    assert_eq!((report.created, report.co_managed), (1, 0), "{report:?}");
    let adas = devices_of(&app, "ada@example.com").await;
    for name in ["ADA-LAPTOP", "ADA-TABLET"] {
        let record = adas.iter().find(|d| d.name == name).expect("Ada's record is hers");
        assert_eq!(record.managed_by, ManagedBy::OnPremises, "{name}");
    }
    assert_eq!(graces_joined().await, Vec::<String>::new());

    // The same records again find themselves where they now are.
    let again = sync(vec![
        windows("503", "ADA-LAPTOP", Some("ada@example.com"), None),
        windows("505", "BUILD-03", None, None),
    ])
    .await;
    assert_eq!(again.unchanged, 2, "{again:?}");
}

/// What a Windows device reports: its serial number and on-premises id as given.
fn reporting(serial: Option<&str>, id: Option<&str>) -> portal_types::Inventory {
    let mut inventory = crate::enrollment::inventory("10.0.22631");
    inventory.serial_number = serial.map(Into::into);
    inventory.onprem_id = id.map(Into::into);
    inventory
}
