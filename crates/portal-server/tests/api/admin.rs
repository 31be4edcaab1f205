//! All devices, for IT administrators.

use std::collections::HashSet;

use portal_server::db::{Compliance, NewDevice};
use portal_types::{
    Command, CommandKind, CommandState, ComplianceCount, ComplianceState, DeviceId, DevicesResponse, FleetDevice,
    FleetPage, FleetSort, Inventory, ManagedBy, Overview, Ownership, Platform, PlatformCount,
};
use reqwest::StatusCode;
use time::{Duration, OffsetDateTime, format_description::well_known::Rfc3339};

use crate::helpers::{TestApp, error_code, field_names, spawn_app};

async fn fleet(app: &TestApp, client: &reqwest::Client, query: &str) -> FleetPage {
    app.get_ok(client, &format!("/api/v1/admin/devices?{query}")).await
}

async fn own_devices(app: &TestApp, email: &str) -> HashSet<DeviceId> {
    let client = app.signed_in(email).await;
    let response = client.get(app.url("/api/v1/devices")).send().await.unwrap();
    let DevicesResponse { devices } = response.json().await.unwrap();
    devices.into_iter().map(|d| d.id).collect()
}

/// Adds a device of the user's straight to the database.
async fn add_device(app: &TestApp, email: &str, name: &str, platform: Platform, last_seen: OffsetDateTime) -> DeviceId {
    let db = app.database().await;
    let user = db.user_by_email(email).await.unwrap().unwrap();
    let id = DeviceId(uuid::Uuid::new_v4());
    let device = NewDevice {
        id,
        user_id: user.id,
        name: name.into(),
        platform,
        ownership: if name.len().is_multiple_of(2) {
            Ownership::Corporate
        } else {
            Ownership::Personal
        },
        category: "Phone".into(),
        inventory: Inventory {
            os_version: format!("{}", 10 + name.len() % 7),
            model: format!("Model {name}"),
            encrypted: true,
            passcode_set: true,
            jailbroken: false,
            free_storage_mb: 1024,
            serial_number: Some(format!("SN-{name}")),
            onprem_id: None,
        },
        compliance: Compliance {
            state: if name.len().is_multiple_of(3) {
                ComplianceState::OutOfCompliance
            } else {
                ComplianceState::CanAccess
            },
            reasons: vec![],
            failing_since: None,
        },
        enrolled_at: last_seen - Duration::days(1),
        last_check_in: Some(last_seen),
        management: portal_types::Management::Managed,
    };
    db.create_devices(&[device]).await.unwrap();
    id
}

#[tokio::test]
async fn only_administrators_see_all_devices() {
    let app = spawn_app().await;
    let anonymous = app.client().get(app.url("/api/v1/admin/devices")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let ada = app.signed_in("ada@example.com").await;
    let refused = ada.get(app.url("/api/v1/admin/devices")).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(&refused.json().await.unwrap()), "admin_only");

    // Written down, once an hour however often she tries.
    for _ in 0..3 {
        let again = ada.get(app.url("/api/v1/admin/audit")).send().await.unwrap();
        assert_eq!(again.status(), StatusCode::FORBIDDEN);
    }
    let it = app.signed_in("it@example.com").await;
    let log = app.audit(&it, "action=admin_access_refused").await;
    let refusals: Vec<(Option<&str>, Option<&str>, &str)> = log
        .entries
        .iter()
        .map(|e| (e.actor.as_deref(), e.subject.as_deref(), e.outcome.as_str()))
        .collect();
    assert_eq!(
        refusals,
        [(Some("ada@example.com"), Some("/api/v1/admin/devices"), "refused")]
    );
    // Trying on for over an hour (each try keeps her session alive): once more.
    for _ in 0..3 {
        app.clock.advance(Duration::minutes(22));
        let later = ada.get(app.url("/api/v1/admin/devices")).send().await.unwrap();
        assert_eq!(later.status(), StatusCode::FORBIDDEN);
    }
    let it = app.signed_in("it@example.com").await;
    let log = app.audit(&it, "action=admin_access_refused").await;
    assert_eq!(log.entries.len(), 2, "an hour on, once more");
}

#[tokio::test]
async fn all_devices_holds_every_users_devices_and_their_count() {
    let app = spawn_app().await;
    let it = app.signed_in("it@example.com").await;
    let page = fleet(&app, &it, "").await;
    let listed: HashSet<DeviceId> = page.devices.iter().map(|d| d.id).collect();
    let mut everyone = own_devices(&app, "ada@example.com").await;
    everyone.extend(own_devices(&app, "grace@example.com").await);
    assert_eq!(listed, everyone);
    assert_eq!(page.total, everyone.len() as u64);
    assert_eq!(page.next, None);
    for device in &page.devices {
        assert!(device.user_email.ends_with("@example.com") && !device.user_name.is_empty());
        assert_eq!(device.managed_by, ManagedBy::Portal);
        OffsetDateTime::parse(&device.last_seen, &Rfc3339).unwrap();
    }
}

#[tokio::test]
async fn search_and_filters_narrow_the_rows_and_the_count() {
    let app = spawn_app().await;
    let now = OffsetDateTime::now_utc();
    let quiet = add_device(
        &app,
        "grace@example.com",
        "Old laptop",
        Platform::Windows,
        now - Duration::days(40),
    )
    .await;
    add_device(&app, "grace@example.com", "New phone", Platform::Android, now).await;
    let it = app.signed_in("it@example.com").await;

    let graces = fleet(&app, &it, "q=GRACE%40example").await;
    assert_eq!(
        graces.devices.iter().map(|d| d.id).collect::<HashSet<_>>().len() as u64,
        graces.total
    );
    assert!(graces.devices.iter().all(|d| d.user_email == "grace@example.com"));
    assert_eq!(
        graces.total as usize,
        own_devices(&app, "grace@example.com").await.len()
    );

    let by_serial = fleet(&app, &it, "q=sn-old").await;
    assert_eq!(by_serial.devices.iter().map(|d| d.id).collect::<Vec<_>>(), vec![quiet]);
    // The user's `%` is a character, not a wildcard.
    assert_eq!(fleet(&app, &it, "q=%25").await.total, 0);

    let check = |page: &FleetPage, keep: &dyn Fn(&FleetDevice) -> bool| {
        assert!(!page.devices.is_empty());
        assert!(page.devices.iter().all(keep));
        assert_eq!(page.devices.len() as u64, page.total);
    };
    let everything = fleet(&app, &it, "").await;
    let android = fleet(&app, &it, "platform=android").await;
    check(&android, &|d| d.platform == Platform::Android);
    let mobile = fleet(&app, &it, "platform=android,ios").await;
    check(&mobile, &|d| matches!(d.platform, Platform::Android | Platform::Ios));
    assert!(mobile.total > android.total && mobile.total < everything.total);
    let failing = fleet(&app, &it, "compliance=out_of_compliance,cannot_access").await;
    check(&failing, &|d| d.compliance != ComplianceState::CanAccess);
    let corporate = fleet(&app, &it, "ownership=corporate").await;
    check(&corporate, &|d| d.ownership == Ownership::Corporate);
    let gone_quiet = fleet(&app, &it, "not_seen_days=30").await;
    assert!(gone_quiet.devices.iter().any(|d| d.id == quiet));
    check(&gone_quiet, &|d| {
        OffsetDateTime::parse(&d.last_seen, &Rfc3339).unwrap() < now - Duration::days(30)
    });
    let noncompliant_android = fleet(&app, &it, "platform=android&compliance=out_of_compliance").await;
    assert!(noncompliant_android.total <= android.total.min(failing.total));
}

/// The row's value in the column, as the list orders it.
fn key(device: &FleetDevice, sort: FleetSort) -> String {
    match sort {
        FleetSort::Name => device.name.to_lowercase(),
        FleetSort::User => device.user_email.to_lowercase(),
        FleetSort::Platform => device.platform.as_str().into(),
        FleetSort::OsVersion => device.os_version.clone(),
        FleetSort::Ownership => device.ownership.as_str().into(),
        FleetSort::Compliance => device.compliance.as_str().into(),
        FleetSort::LastSeen => {
            let at = OffsetDateTime::parse(&device.last_seen, &Rfc3339).unwrap();
            format!("{:020}", at.unix_timestamp_nanos())
        }
    }
}

#[tokio::test]
async fn pages_cover_every_device_once_in_every_order() {
    let app = spawn_app().await;
    let now = OffsetDateTime::now_utc();
    // Names and times that repeat, so that rows tie on the sort column.
    for n in 0..23 {
        let name = format!("Device {}", n % 5);
        let platform = Platform::ALL[n % 3];
        add_device(
            &app,
            "grace@example.com",
            &name,
            platform,
            now - Duration::hours((n % 4) as i64),
        )
        .await;
    }
    let it = app.signed_in("it@example.com").await;
    let total = fleet(&app, &it, "").await.total;
    assert!(total >= 29);
    for sort in FleetSort::ALL {
        for order in ["asc", "desc"] {
            let mut seen = Vec::new();
            let mut after: Option<String> = None;
            loop {
                let mut query = format!("sort={}&order={order}&per_page=4", sort.as_str());
                if let Some(cursor) = &after {
                    query.push_str(&format!("&after={cursor}"));
                }
                let page = fleet(&app, &it, &query).await;
                assert_eq!(page.total, total);
                assert!(page.devices.len() <= 4);
                seen.extend(page.devices);
                match page.next {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            let ids: HashSet<DeviceId> = seen.iter().map(|d| d.id).collect();
            assert_eq!(
                (seen.len() as u64, ids.len() as u64),
                (total, total),
                "{sort:?} {order}"
            );
            // Page by page as in one page.
            let whole = fleet(&app, &it, &format!("sort={}&order={order}&per_page=200", sort.as_str())).await;
            assert_eq!(whole.devices, seen, "{sort:?} {order}");
            let keys: Vec<String> = seen.iter().map(|d| key(d, sort)).collect();
            if matches!(sort, FleetSort::Name | FleetSort::User) {
                // Text in the database's collation: rows of one value together.
                let mut runs = keys.clone();
                runs.dedup();
                let distinct: HashSet<&String> = keys.iter().collect();
                assert_eq!(runs.len(), distinct.len(), "{sort:?} {order}: {keys:?}");
            } else {
                let mut sorted = keys.clone();
                sorted.sort();
                if order == "desc" {
                    sorted.reverse();
                }
                assert_eq!(keys, sorted, "{sort:?} {order}");
            }
        }
    }
}

#[tokio::test]
async fn a_bad_query_is_refused_field_by_field() {
    let app = spawn_app().await;
    let it = app.signed_in("it@example.com").await;
    let page = fleet(&app, &it, "sort=name&per_page=1").await;
    let cursor = page.next.expect("more than one device");
    let response = it
        .get(app.url(&format!(
            "/api/v1/admin/devices?sort=user&after={cursor}&platform=amiga&per_page=0"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = response.json().await.unwrap();
    assert_eq!(field_names(&body), vec!["platform", "per_page", "after"]);
}

#[tokio::test]
async fn the_export_holds_every_matching_device_over_many_batches() {
    let app = spawn_app().await;
    let now = OffsetDateTime::now_utc();
    // More than one of the export's batches (a thousand rows).
    let db = app.database().await;
    let grace = db.user_by_email("grace@example.com").await.unwrap().unwrap();
    let mut many = Vec::new();
    for n in 0..1_205 {
        many.push(NewDevice {
            id: DeviceId(uuid::Uuid::new_v4()),
            user_id: grace.id,
            name: if n == 7 {
                "=HYPERLINK(\"x\"), phone".into()
            } else {
                format!("Tablet {n:04}")
            },
            platform: Platform::Android,
            ownership: Ownership::Corporate,
            category: "Tablet".into(),
            inventory: Inventory {
                os_version: "15".into(),
                model: if n == 7 { "Pixel 9" } else { "Tab S9" }.into(),
                encrypted: true,
                passcode_set: true,
                jailbroken: false,
                free_storage_mb: 1024,
                serial_number: None,
                onprem_id: None,
            },
            compliance: Compliance {
                state: ComplianceState::CanAccess,
                reasons: vec![],
                failing_since: None,
            },
            enrolled_at: now,
            last_check_in: Some(now),
            management: portal_types::Management::Managed,
        });
    }
    db.create_devices(&many).await.unwrap();

    let ada = app.signed_in("ada@example.com").await;
    let refused = ada.get(app.url("/api/v1/admin/devices.csv")).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    let it = app.signed_in("it@example.com").await;
    let query = "q=tab&platform=android&sort=name&order=desc";
    let response = it
        .get(app.url(&format!("/api/v1/admin/devices.csv?{query}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let text = response.text().await.unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(lines[0].starts_with("Name,User,User name,Platform,OS version,Model,"));
    let names: Vec<&str> = lines[1..].iter().map(|l| l.split(',').next().unwrap()).collect();
    // Every tablet once, in the order asked for, and nothing the filter leaves out.
    assert_eq!(names.len() as u64, fleet(&app, &it, query).await.total);
    assert_eq!(names.len(), 1_204);
    let mut sorted = names.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(names, sorted);
    assert!(names.iter().all(|n| n.starts_with("Tablet ")));
    // A name that looks like a formula is kept as text, quoted for its comma.
    let all = it
        .get(app.url("/api/v1/admin/devices.csv?q=hyperlink"))
        .send()
        .await
        .unwrap();
    assert!(all.text().await.unwrap().contains("\"'=HYPERLINK(\"\"x\"\"), phone\""));
}

#[tokio::test]
async fn the_overview_counts_what_all_devices_lists() {
    let app = spawn_app().await;
    let now = OffsetDateTime::now_utc();
    add_device(
        &app,
        "grace@example.com",
        "Old laptop",
        Platform::Windows,
        now - Duration::days(40),
    )
    .await;
    let ada = app.signed_in("ada@example.com").await;
    let refused = ada.get(app.url("/api/v1/admin/overview")).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    let it = app.signed_in("it@example.com").await;
    let overview: Overview = it
        .get(app.url("/api/v1/admin/overview"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(overview.mode.id, "standalone");
    assert!(!overview.mode.offers.is_empty());
    assert_eq!(overview.total, fleet(&app, &it, "").await.total);
    assert_eq!(
        overview.compliance.iter().map(|c| c.state).collect::<Vec<_>>(),
        ComplianceState::ALL
    );
    for ComplianceCount { state, count } in &overview.compliance {
        let listed = fleet(&app, &it, &format!("compliance={}", state.as_str())).await.total;
        assert_eq!(*count, listed, "{state:?}");
    }
    assert!(overview.platforms.iter().all(|p| p.count > 0));
    for PlatformCount { platform, count } in &overview.platforms {
        assert_eq!(
            *count,
            fleet(&app, &it, &format!("platform={}", platform.as_str())).await.total
        );
    }
    assert_eq!(overview.platforms.iter().map(|p| p.count).sum::<u64>(), overview.total);
    let not_seen = fleet(&app, &it, "not_seen_days=30").await.total;
    assert!(not_seen >= 1);
    assert_eq!(overview.not_seen, not_seen);
}

#[tokio::test]
async fn the_audit_log_filters_pages_and_exports_without_changing() {
    let app = spawn_app().await;
    let ada = app.signed_in("ada@example.com").await;
    let grace = app.signed_in("grace@example.com").await;
    let adas_device = *own_devices(&app, "ada@example.com").await.iter().next().unwrap();
    for name in ["Renamed once", "Renamed twice"] {
        let renamed = ada
            .post(app.url(&format!("/api/v1/devices/{adas_device}/rename")))
            .json(&serde_json::json!({ "name": name }))
            .send()
            .await
            .unwrap();
        assert!(renamed.status().is_success());
    }
    let refused = grace.get(app.url("/api/v1/admin/audit")).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let it = app.signed_in("it@example.com").await;

    // Pages of two cover the log once, newest first.
    let mut all = Vec::new();
    let mut query = "per_page=2".to_string();
    loop {
        let page = app.audit(&it, &query).await;
        assert!(page.entries.len() <= 2);
        all.extend(page.entries);
        match page.next {
            Some(before) => query = format!("per_page=2&before={before}"),
            None => break,
        }
    }
    assert!(all.len() >= 6, "three sign-ins and two renames at least");
    assert!(all.windows(2).all(|w| w[0].id > w[1].id));
    assert_eq!(all, app.audit(&it, "per_page=200").await.entries);

    // Each filter keeps what it names, and only that.
    let by_ada = app.audit(&it, "actor=ADA@example.com").await.entries;
    assert!(!by_ada.is_empty() && by_ada.iter().all(|e| e.actor.as_deref() == Some("ada@example.com")));
    assert_eq!(
        by_ada.len(),
        all.iter()
            .filter(|e| e.actor.as_deref() == Some("ada@example.com"))
            .count()
    );
    let renames = app.audit(&it, "action=device_renamed").await.entries;
    assert_eq!(renames.len(), 2);
    let about_device = app.audit(&it, &format!("device={adas_device}")).await.entries;
    assert_eq!(about_device, renames);
    let about_ada = app.audit(&it, "user=ada@example.com").await.entries;
    assert!(about_ada.iter().any(|e| e.action == "sign_in"));
    assert!(about_ada.iter().any(|e| e.action == "device_renamed"));
    assert!(
        about_ada
            .iter()
            .all(|e| e.actor.as_deref() != Some("grace@example.com"))
    );
    let today = OffsetDateTime::now_utc().date();
    assert_eq!(
        app.audit(&it, &format!("from={today}&to={today}")).await.entries.len(),
        all.len()
    );
    assert!(
        app.audit(&it, &format!("to={}", today.previous_day().unwrap()))
            .await
            .entries
            .is_empty()
    );

    let bad = it
        .get(app.url("/api/v1/admin/audit?device=x&from=soon"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_names(&bad.json().await.unwrap()), ["device", "from"]);

    // The export holds the same entries; reading wrote nothing.
    let csv = it
        .get(app.url("/api/v1/admin/audit.csv"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], "Entry,Time,Actor,Action,Subject,Source,Outcome,Reason");
    assert_eq!(lines.len() - 1, all.len());
    assert_eq!(app.audit(&it, "per_page=200").await.entries, all);
}

#[tokio::test]
async fn an_administrator_resets_and_retires_with_the_owners_guards_and_a_reason_the_owner_reads() {
    let app = spawn_app().await;
    let ada = app.signed_in("ada@example.com").await;
    let grace = app.signed_in("grace@example.com").await;
    let (_, devices) = app.get_json(&ada, "/api/v1/devices").await;
    let phone = &devices["devices"][0];
    let (phone_id, phone_name) = (phone["id"].as_str().unwrap(), phone["name"].as_str().unwrap());
    let (_, graces) = app.get_json(&grace, "/api/v1/devices").await;
    let laptop = &graces["devices"][0];
    let (laptop_id, laptop_name) = (laptop["id"].as_str().unwrap(), laptop["name"].as_str().unwrap());
    let act = |client: &reqwest::Client, device: &str, action: &str, name: &str, reason: &str| {
        client
            .post(app.url(&format!("/api/v1/admin/devices/{device}/{action}")))
            .json(&serde_json::json!({ "device_name": name, "reason": reason }))
            .send()
    };

    // An employee is refused everything here, and nothing changes.
    let (status, _) = app.get_json(&grace, &format!("/api/v1/admin/devices/{phone_id}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for action in ["wipe", "retire"] {
        let refused = act(&grace, phone_id, action, phone_name, "Mine now").await.unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{action}");
    }
    let (_, commands) = app
        .get_json(&ada, &format!("/api/v1/devices/{phone_id}/commands"))
        .await;
    assert_eq!(commands["commands"].as_array().unwrap().len(), 0);

    let it = app.signed_in("it@example.com").await;
    let (status, page) = app.get_json(&it, &format!("/api/v1/admin/devices/{phone_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["owner_email"], "ada@example.com");
    assert_eq!(page["detail"]["device"]["name"], phone_name);
    let (status, _) = app
        .get_json(&it, &format!("/api/v1/admin/devices/{}", uuid::Uuid::new_v4()))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The owner's guards: the name typed again, a reason, a fresh sign-in.
    let mistyped = act(&it, phone_id, "wipe", "someone's phone", "Reported stolen")
        .await
        .unwrap();
    assert_eq!(mistyped.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let no_reason = act(&it, phone_id, "wipe", phone_name, "  ").await.unwrap();
    assert_eq!(no_reason.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_names(&no_reason.json().await.unwrap()), ["reason"]);
    app.clock.advance(Duration::minutes(6));
    let stale = act(&it, phone_id, "wipe", phone_name, "Reported stolen").await.unwrap();
    assert_eq!(stale.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(&stale.json().await.unwrap()), "reauthentication_required");
    let again = it
        .post(app.url("/api/v1/auth/reauthenticate"))
        .json(&serde_json::json!({ "password": crate::helpers::PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NO_CONTENT);

    let queued = act(&it, phone_id, "wipe", phone_name, "Reported stolen").await.unwrap();
    assert_eq!(queued.status(), StatusCode::ACCEPTED);
    let reset: Command = queued.json().await.unwrap();
    assert_eq!(reset.kind, CommandKind::Wipe);
    assert_eq!(reset.requested_by.as_deref(), Some("IT Admin"));
    assert_eq!(reset.reason.as_deref(), Some("Reported stolen"));

    // A personal device is its owner's to reset, not the organisation's.
    let personal = devices["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["ownership"] == "personal")
        .unwrap();
    let (id, name) = (personal["id"].as_str().unwrap(), personal["name"].as_str().unwrap());
    let refused = act(&it, id, "wipe", name, "Left the company").await.unwrap();
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(&refused.json().await.unwrap()), "personal_device");
    let (_, commands) = app.get_json(&ada, &format!("/api/v1/devices/{id}/commands")).await;
    assert_eq!(commands["commands"].as_array().unwrap().len(), 0);

    // The owner sees who and why on the timeline, and in Activity.
    let (_, commands) = app
        .get_json(&ada, &format!("/api/v1/devices/{phone_id}/commands"))
        .await;
    assert_eq!(commands["commands"][0]["requested_by"], "IT Admin");
    assert_eq!(commands["commands"][0]["reason"], "Reported stolen");
    let (_, activity) = app.get_json(&ada, "/api/v1/activity").await;
    let entry = &activity["entries"][0];
    assert_eq!(
        (entry["action"].as_str(), entry["by"].as_str(), entry["detail"].as_str()),
        (Some("wipe_requested"), Some("IT Admin"), Some("Reported stolen"))
    );
    let cancel = ada
        .post(app.url(&format!("/api/v1/devices/{phone_id}/commands/{}/cancel", reset.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(cancel.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(&cancel.json().await.unwrap()), "requested_by_admin");
    let (_, graces_activity) = app.get_json(&grace, "/api/v1/activity").await;
    assert!(
        graces_activity["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["action"] != "wipe_requested")
    );

    // Retire: the device takes corporate data off, then leaves.
    let retired = act(&it, laptop_id, "retire", laptop_name, "Left the company")
        .await
        .unwrap();
    assert_eq!(retired.status(), StatusCode::ACCEPTED);
    let (_, graces) = app.get_json(&grace, "/api/v1/devices").await;
    let laptop = graces["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == laptop_id)
        .unwrap()
        .clone();
    assert_eq!(laptop["removal_pending"], true);

    // The device's page and the audit log name the administrator.
    let (_, page) = app.get_json(&it, &format!("/api/v1/admin/devices/{phone_id}")).await;
    assert_eq!(page["commands"][0]["reason"], "Reported stolen");
    assert_eq!(page["audit"][0]["action"], "wipe_requested");
    assert_eq!(page["audit"][0]["actor"], "it@example.com");
    assert_eq!(page["audit"][0]["detail"], "Reported stolen");

    // The administrator takes their Reset back before the device takes it;
    // nobody else can.
    let cancel = format!("/api/v1/admin/devices/{phone_id}/commands/{}/cancel", reset.id);
    let refused = grace.post(app.url(&cancel)).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let cancelled = it.post(app.url(&cancel)).send().await.unwrap();
    assert_eq!(cancelled.status(), StatusCode::OK);
    let cancelled: Command = cancelled.json().await.unwrap();
    assert_eq!(cancelled.state, CommandState::Cancelled);
}

#[tokio::test]
async fn search_follows_renames_and_takes_any_text() {
    let app = spawn_app().await;
    let now = OffsetDateTime::now_utc();
    let id = add_device(
        &app,
        "grace@example.com",
        "Quarterly \"Kiosk\" tablet",
        Platform::Android,
        now,
    )
    .await;
    let it = app.signed_in("it@example.com").await;
    let found = |query: &'static str| {
        let (app, it) = (&app, &it);
        async move {
            fleet(app, it, query)
                .await
                .devices
                .into_iter()
                .map(|d| d.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(found("q=%22kiosk%22").await, vec![id], "quotes are text");
    assert_eq!(found("q=QUARTERLY").await, vec![id], "any case");
    assert_eq!(found("q=ly%20%22Ki").await, vec![id], "across words");
    assert_eq!(found("q=sn-quarterly").await, vec![id], "the serial number");

    let grace = app.signed_in("grace@example.com").await;
    for name in ["Front desk tablet", "Lobby tablet"] {
        let renamed = grace
            .post(app.url(&format!("/api/v1/devices/{id}/rename")))
            .json(&serde_json::json!({ "name": name }))
            .send()
            .await
            .unwrap();
        assert!(renamed.status().is_success());
    }
    assert_eq!(found("q=lobby").await, vec![id]);
    assert!(
        found("q=front%20desk").await.is_empty(),
        "the name it had no longer finds it"
    );
    assert_eq!(found("q=sn-quarterly").await, vec![id], "the serial number stays");
}

#[tokio::test]
async fn an_office365_portal_offers_no_lock_nor_installs_and_says_so() {
    let app = crate::helpers::spawn_with(|config| {
        config.provisioning_mode = portal_server::policies::rules::ProvisioningMode::Office365;
    })
    .await;
    let ada = app.signed_in("ada@example.com").await;
    let device = *own_devices(&app, "ada@example.com").await.iter().next().unwrap();
    let lock = ada
        .post(app.url(&format!("/api/v1/devices/{device}/lock")))
        .json(&serde_json::json!({ "message": "Found it? Call me" }))
        .send()
        .await
        .unwrap();
    assert_eq!(lock.status(), StatusCode::FORBIDDEN);
    let body: serde_json::Value = lock.json().await.unwrap();
    assert_eq!(error_code(&body), "not_in_plan");
    assert!(body["message"].as_str().unwrap().contains("does not include Lock"));
    let (_, commands) = app.get_json(&ada, &format!("/api/v1/devices/{device}/commands")).await;
    assert_eq!(commands["commands"].as_array().unwrap().len(), 0, "nothing queued");
    // The device's page says so before anyone tries; a standalone one has no such note.
    let (_, detail) = app.get_json(&ada, &format!("/api/v1/devices/{device}")).await;
    assert!(detail["lock_not_offered"].as_str().unwrap().contains("Office 365"));
    // The catalog is the tenant's web apps, and says why; nothing is installed.
    let (_, catalog) = app.get_json(&ada, "/api/v1/apps?per_page=100").await;
    let apps = catalog["apps"].as_array().unwrap();
    assert!(
        !apps.is_empty() && apps.iter().all(|a| a["web_url"].is_string()),
        "{catalog}"
    );
    assert!(catalog["not_offered"].as_str().unwrap().contains("web apps only"));
    let install = ada
        .post(app.url(&format!("/api/v1/devices/{device}/apps/microsoft-teams/install")))
        .send()
        .await
        .unwrap();
    assert_eq!(install.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(&install.json().await.unwrap()), "not_in_plan");
    // A required app is not pushed either.
    let it = app.signed_in("it@example.com").await;
    crate::helpers::add_required_app(&app, &it, "Field Notes", &Platform::ALL).await;
    let (_, commands) = app.get_json(&ada, &format!("/api/v1/devices/{device}/commands")).await;
    assert_eq!(commands["commands"].as_array().unwrap().len(), 0, "nothing queued");
    let standalone = spawn_app().await;
    let ada = standalone.signed_in("ada@example.com").await;
    let device = *own_devices(&standalone, "ada@example.com").await.iter().next().unwrap();
    let (_, detail) = standalone.get_json(&ada, &format!("/api/v1/devices/{device}")).await;
    assert!(detail["lock_not_offered"].is_null());
    let (_, catalog) = standalone.get_json(&ada, "/api/v1/apps?per_page=100").await;
    assert!(catalog["not_offered"].is_null());
    assert!(
        catalog["apps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["web_url"].is_null())
    );
}

#[tokio::test]
async fn the_apps_editor_tells_how_many_devices_a_required_app_would_reach() {
    let app = spawn_app().await;
    let it = app.signed_in("it@example.com").await;
    let reach = |query: &'static str| {
        let it = it.clone();
        let url = app.url(&format!("/api/v1/admin/required-reach?{query}"));
        async move { it.get(url).send().await.unwrap() }
    };
    let devices = |response: reqwest::Response| async move {
        assert_eq!(response.status(), StatusCode::OK);
        response.json::<portal_types::RequiredReach>().await.unwrap().devices
    };
    // Ada's and Grace's Android phones; with iOS, Ada's iPhone too.
    assert_eq!(devices(reach("platforms=android").await).await, 2);
    assert_eq!(devices(reach("platforms=android,ios").await).await, 3);
    assert_eq!(devices(reach("platforms=").await).await, 0);
    assert_eq!(reach("platforms=beos").await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let ada = app.signed_in("ada@example.com").await;
    let refused = ada
        .get(app.url("/api/v1/admin/required-reach?platforms=android"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    // Once required, it is on its way to both: it reaches no more.
    crate::helpers::add_required_app(&app, &it, "Field Notes", &[Platform::Android]).await;
    assert_eq!(devices(reach("app=field-notes&platforms=android").await).await, 0);
    assert_eq!(
        devices(reach("platforms=android").await).await,
        2,
        "a new app still would"
    );
}
