//! The data layer's contract: the same tests against whichever database the
//! run uses (SQLite, or PostgreSQL with `PORTAL_TEST_DATABASE`), through the
//! store traits, without HTTP. They pin down what each backend must do alike:
//! conflicts, case-insensitive email, literal search text, time order, and
//! the checks that concurrent writers must not slip past.

use std::{
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use portal_server::db::{
    AppQuery, AuditEvent, Compliance, Database, DbError, EnrollOutcome, EnrollmentCode, NewCertificate, NewCommand,
    NewDevice, NewUser, QueueOutcome, RemoveOutcome, WipeOutcome,
};
use portal_types::{
    AppInput, AppPackage, CommandKind, CommandState, ComplianceState, DeviceId, Inventory, ManagedApp, Ownership,
    Platform, Role, UserId,
};
use time::{Duration, OffsetDateTime};

use portal_server::live::Notice;

use crate::helpers::Data;

struct Store {
    db: Arc<dyn Database>,
    data: Data,
}

async fn store() -> Store {
    let data = Data::new().await;
    let db = portal_server::db::connect(&data.database.url, None).await.unwrap();
    Store { db, data }
}

/// Microseconds, as both databases keep them.
fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(now.nanosecond() / 1000 * 1000).unwrap()
}

fn audit(action: &str, at: OffsetDateTime) -> AuditEvent {
    AuditEvent::new(at, action, "ok")
}

async fn user(db: &dyn Database, email: &str) -> UserId {
    let user = NewUser {
        email: email.into(),
        display_name: "Test".into(),
        role: Role::Employee,
        password_hash: "not-a-hash".into(),
    };
    db.create_user(user, now()).await.unwrap()
}

fn inventory() -> Inventory {
    Inventory {
        os_version: "15".into(),
        model: "Pixel 9".into(),
        encrypted: true,
        passcode_set: true,
        jailbroken: false,
        free_storage_mb: 2048,
        serial_number: None,
        onprem_id: None,
    }
}

fn new_device(user_id: UserId, name: &str, at: OffsetDateTime) -> NewDevice {
    NewDevice {
        id: DeviceId(uuid::Uuid::new_v4()),
        user_id,
        name: name.into(),
        platform: Platform::Android,
        ownership: Ownership::Corporate,
        category: "Phone".into(),
        inventory: inventory(),
        compliance: Compliance {
            state: ComplianceState::CanAccess,
            reasons: vec![],
            failing_since: None,
        },
        enrolled_at: at,
        last_check_in: Some(at),
        management: portal_types::Management::Managed,
    }
}

async fn device(db: &dyn Database, user_id: UserId, name: &str) -> DeviceId {
    let device = new_device(user_id, name, now());
    let id = device.id;
    db.create_devices(&[device]).await.unwrap();
    id
}

fn app_input(name: &str, required: bool) -> AppInput {
    AppInput {
        name: name.into(),
        publisher: "Contoso".into(),
        version: "1.0".into(),
        size_bytes: 1000,
        description: "An app.".into(),
        category: "Productivity".into(),
        platforms: vec![Platform::Android, Platform::Ios],
        featured: false,
        required,
        web_url: None,
        icon_color: "#123456".into(),
    }
}

/// Saves VPN, a new app every device must have, installs kept for a week.
async fn save_required_vpn(db: &dyn Database, at: OffsetDateTime) {
    db.save_app(
        "vpn",
        &app_input("VPN", true),
        true,
        audit("app_created", at),
        Some(at + Duration::days(7)),
    )
    .await
    .unwrap()
    .expect("saved");
}

#[tokio::test]
async fn email_addresses_are_unique_whatever_their_case() {
    let store = store().await;
    let db = &*store.db;
    let id = user(db, "Ada@Example.com").await;
    let found = db
        .user_by_email("ada@EXAMPLE.com")
        .await
        .unwrap()
        .expect("found in any case");
    assert_eq!(found.id, id);
    let again = NewUser {
        email: "ADA@example.com".into(),
        display_name: "Other".into(),
        role: Role::Employee,
        password_hash: "x".into(),
    };
    assert!(matches!(db.create_user(again, now()).await, Err(DbError::Conflict)));
}

/// Polls `future` each time it wakes, and drops it at its wait number
/// `wait` (from 0): a request whose client went away at that point.
struct Abandoned<F> {
    future: Pin<Box<F>>,
    wait: usize,
}

impl<F: Future> Future for Abandoned<F> {
    type Output = Option<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.future.as_mut().poll(cx) {
            Poll::Ready(output) => Poll::Ready(Some(output)),
            Poll::Pending if self.wait == 0 => Poll::Ready(None),
            Poll::Pending => {
                self.wait -= 1;
                Poll::Pending
            }
        }
    }
}

#[tokio::test]
async fn a_write_whose_caller_goes_away_at_any_point_leaves_the_database_writable() {
    let store = store().await;
    let db = &*store.db;
    // A catalog write: it holds SQLite's write lock, or PostgreSQL's lock
    // on the catalog, which the next one needs too.
    let save = |name: String| async move {
        db.save_app(&name, &app_input(&name, false), true, audit("app_created", now()), None)
            .await
    };
    // Dropped at each of its waits in turn (its begin, the statements,
    // COMMIT) until it finishes; where each wait ends depends on
    // the database's side, so ten times over.
    for round in 0..10 {
        for wait in 0.. {
            let write = Abandoned {
                future: Box::pin(save(format!("gone-{round}-{wait}"))),
                wait,
            };
            if write.await.is_some() {
                break;
            }
            // The next writer is not refused, nor kept waiting on a lock
            // that nobody will release.
            let next =
                tokio::time::timeout(std::time::Duration::from_secs(3), save(format!("next-{round}-{wait}"))).await;
            assert!(
                matches!(next, Ok(Ok(Some(_)))),
                "after a write dropped at its wait {wait}: {next:?}"
            );
        }
    }
}

#[tokio::test]
async fn times_come_back_as_they_went_in_and_compare_as_times() {
    let store = store().await;
    let db = &*store.db;
    let user_id = user(db, "ada@example.com").await;
    let at = now();
    db.create_session(
        "hash",
        user_id,
        at,
        at + Duration::hours(12),
        false,
        audit("sign_in", at),
    )
    .await
    .unwrap();
    let (session, owner) = db.session("hash").await.unwrap().unwrap();
    assert_eq!(owner.id, user_id);
    assert_eq!(
        (session.created_at, session.expires_at, session.authenticated_at),
        (at, at + Duration::hours(12), Some(at))
    );

    // A command past its time to live expires when next read.
    let device_id = device(db, user_id, "Phone").await;
    let command = NewCommand::requested(device_id, user_id, CommandKind::Lock, at, at + Duration::seconds(1));
    db.queue_command(command, audit("lock_requested", at)).await.unwrap();
    let before = db.commands_of(device_id, at).await.unwrap();
    assert_eq!(before[0].state, CommandState::Requested);
    let after = db.commands_of(device_id, at + Duration::seconds(1)).await.unwrap();
    assert_eq!(after[0].state, CommandState::Expired);
}

#[tokio::test]
async fn a_nonce_is_accepted_once() {
    let store = store().await;
    let db = &*store.db;
    let user_id = user(db, "ada@example.com").await;
    let device_id = device(db, user_id, "Phone").await;
    let at = now();
    assert!(
        db.use_nonce(device_id, "n1", at, at - Duration::minutes(5))
            .await
            .unwrap()
    );
    assert!(
        !db.use_nonce(device_id, "n1", at, at - Duration::minutes(5))
            .await
            .unwrap()
    );
    // Forgotten once its time has passed, so the table does not grow.
    let later = at + Duration::minutes(10);
    assert!(
        db.use_nonce(device_id, "n1", later, later - Duration::minutes(5))
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn devices_sort_by_name_whatever_its_case() {
    let store = store().await;
    let db = &*store.db;
    let user_id = user(db, "ada@example.com").await;
    for name in ["beta", "Alpha", "Gamma"] {
        device(db, user_id, name).await;
    }
    let names: Vec<String> = db
        .devices_of(user_id)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.name)
        .collect();
    assert_eq!(names, ["Alpha", "beta", "Gamma"]);
}

#[tokio::test]
async fn search_text_is_literal_and_case_insensitive() {
    let store = store().await;
    let db = &*store.db;
    let apps = vec![
        ("percent".to_string(), app_input("100% Focus", false)),
        ("hundred".to_string(), app_input("1000 Focus", false)),
        ("under".to_string(), app_input("snake_case", false)),
    ];
    assert!(db.seed_catalog(&apps, now()).await.unwrap());
    assert!(!db.seed_catalog(&apps, now()).await.unwrap(), "seeded once");
    let search = |text: &str| AppQuery {
        search: Some(text.into()),
        page: 1,
        per_page: 10,
        ..AppQuery::default()
    };
    let ids = |page: portal_types::AppsPage| page.apps.into_iter().map(|a| a.id).collect::<Vec<_>>();
    assert_eq!(ids(db.apps(&search("0%")).await.unwrap()), ["percent"]);
    assert_eq!(ids(db.apps(&search("e_c")).await.unwrap()), ["under"]);
    assert_eq!(ids(db.apps(&search("FOCUS")).await.unwrap()), ["percent", "hundred"]);
    let android = AppQuery {
        platforms: vec![Platform::Windows],
        page: 1,
        per_page: 10,
        ..AppQuery::default()
    };
    assert_eq!(db.apps(&android).await.unwrap().total, 0);
    let app = db.app("percent").await.unwrap().unwrap();
    assert_eq!(app.platforms, [Platform::Android, Platform::Ios]);
}

#[tokio::test]
async fn concurrent_enrollments_stop_at_the_device_limit() {
    let store = store().await;
    let db = store.db.clone();
    let user_id = user(&*db, "ada@example.com").await;
    let at = now();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let code_hash = format!("code-{i}");
        let code = EnrollmentCode {
            code_hash: code_hash.clone(),
            user_id,
            platform: Platform::Android,
            ownership: Ownership::Corporate,
            device_name: format!("Phone {i}"),
            category: "Phone".into(),
            created_at: at,
            expires_at: at + Duration::minutes(10),
            used_at: None,
            management: portal_types::Management::Managed,
        };
        db.create_enrollment_code(code).await.unwrap();
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let device = new_device(user_id, &format!("Phone {i}"), at);
            let certificate = NewCertificate {
                serial: format!("serial-{i}"),
                subject: "CN=test".into(),
                fingerprint_sha256: "00".into(),
                public_key: vec![4; 65],
                pem: String::new(),
                issued_at: at,
                expires_at: at + Duration::days(365),
            };
            db.enroll(
                &code_hash,
                3,
                device,
                certificate,
                audit("enroll", at),
                Some(at + Duration::days(7)),
            )
            .await
            .unwrap()
        }));
    }
    let mut enrolled = 0;
    for task in tasks {
        if task.await.unwrap() == EnrollOutcome::Enrolled {
            enrolled += 1;
        }
    }
    assert_eq!(enrolled, 3);
    assert_eq!(db.count_devices(user_id).await.unwrap(), 3);
}

#[tokio::test]
async fn concurrent_resets_of_one_device_queue_one() {
    let store = store().await;
    let db = store.db.clone();
    let user_id = user(&*db, "ada@example.com").await;
    let device_id = device(&*db, user_id, "Phone").await;
    let at = now();
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move {
                let command = NewCommand::requested(device_id, user_id, CommandKind::Wipe, at, at + Duration::days(7));
                db.queue_wipe(command, audit("wipe_requested", at)).await.unwrap()
            })
        })
        .collect();
    let mut queued = 0;
    for task in tasks {
        match task.await.unwrap() {
            WipeOutcome::Queued(_) => queued += 1,
            WipeOutcome::AlreadyPending => {}
            WipeOutcome::AlreadyWiped | WipeOutcome::NotManaged => panic!("a managed device, not wiped yet"),
        }
    }
    assert_eq!(queued, 1);
}

#[tokio::test]
async fn a_completed_reset_revokes_and_marks_the_device_wiped() {
    let store = store().await;
    let db = &*store.db;
    let user_id = user(db, "ada@example.com").await;
    let device_id = device(db, user_id, "Phone").await;
    let at = now();
    let command = NewCommand::requested(device_id, user_id, CommandKind::Wipe, at, at + Duration::days(7));
    let WipeOutcome::Queued(queued) = db.queue_wipe(command, audit("wipe_requested", at)).await.unwrap() else {
        panic!("queued")
    };
    db.take_pending(device_id, at, false).await.unwrap();
    let change = portal_server::db::StateChange {
        id: queued.id,
        from: &[CommandState::Delivered, CommandState::Acknowledged],
        to: CommandState::Completed,
        reason: None,
    };
    db.advance_command(device_id, change, at, None)
        .await
        .unwrap()
        .expect("advanced");
    let devices = db.devices_of(user_id).await.unwrap();
    assert!(devices[0].wiped_at.is_some());
    // The certificate would be refused; no device credentials without one, so
    // the detail's certificate is what tells (none was issued here).
    let command = NewCommand::requested(device_id, user_id, CommandKind::Wipe, at, at + Duration::days(7));
    assert!(matches!(
        db.queue_wipe(command, audit("wipe_requested", at)).await.unwrap(),
        WipeOutcome::AlreadyWiped
    ));
}

#[tokio::test]
async fn required_apps_are_queued_and_reported_apps_tracked() {
    let store = store().await;
    let db = &*store.db;
    let user_id = user(db, "ada@example.com").await;
    let device_id = device(db, user_id, "Phone").await;
    let at = now();
    let apps = vec![("mail".to_string(), app_input("Mail", false))];
    db.seed_catalog(&apps, at).await.unwrap();
    save_required_vpn(db, at).await;
    let queued: Vec<(CommandKind, Option<String>)> = db
        .commands_of(device_id, at)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.kind, c.app_name))
        .collect();
    assert_eq!(
        queued,
        [(CommandKind::Install, Some("VPN".into()))],
        "required on the supported device"
    );

    // The device reports Mail installed and VPN not: Mail is tracked, VPN stays pending.
    let reported = [ManagedApp {
        app_id: "mail".into(),
        version: "1.0".into(),
    }];
    db.record_app_inventory(device_id, &reported, at, Some(at + Duration::days(7)))
        .await
        .unwrap();
    let states: Vec<(String, portal_types::InstallState)> = db
        .device_apps(device_id, at)
        .await
        .unwrap()
        .into_iter()
        .map(|i| (i.app_id, i.state))
        .collect();
    use portal_types::InstallState::{Installed, Pending};
    assert_eq!(states, [("mail".into(), Installed), ("vpn".into(), Pending)]);

    // Reported no more: forgotten.
    db.record_app_inventory(device_id, &[], at, Some(at + Duration::days(7)))
        .await
        .unwrap();
    let left: Vec<String> = db
        .device_apps(device_id, at)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.app_id)
        .collect();
    assert_eq!(left, ["vpn"]);

    // Installing what is installed is refused with the reason.
    db.record_app_inventory(device_id, &reported, at, Some(at + Duration::days(7)))
        .await
        .unwrap();
    let install = NewCommand {
        app: Some(AppPackage {
            app_id: "mail".into(),
            name: "Mail".into(),
            version: "1.0".into(),
        }),
        ..NewCommand::requested(device_id, user_id, CommandKind::Install, at, at + Duration::days(7))
    };
    assert!(matches!(
        db.queue_app_command(install, audit("install_requested", at))
            .await
            .unwrap(),
        QueueOutcome::AlreadyInstalled
    ));
}

/// Saving a required app queues an Install on every device it reaches in
/// one transaction: 5,000 devices bind more values than one PostgreSQL
/// statement takes, so what the transaction sends at commit is split.
#[tokio::test]
async fn a_required_app_reaches_every_one_of_thousands_of_devices() {
    let store = store().await;
    let db = &*store.db;
    let user_id = user(db, "ada@example.com").await;
    let at = now();
    let devices: Vec<NewDevice> = (0..5_000)
        .map(|n| new_device(user_id, &format!("Phone {n}"), at))
        .collect();
    db.create_devices(&devices).await.unwrap();
    save_required_vpn(db, at).await;
    for device in [&devices[0], &devices[2_500], &devices[4_999]] {
        let queued: Vec<Option<String>> = db
            .commands_of(device.id, at)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.app_name)
            .collect();
        assert_eq!(queued, [Some("VPN".to_string())], "{}", device.name);
        let installs: Vec<(String, portal_types::InstallState)> = db
            .device_apps(device.id, at)
            .await
            .unwrap()
            .into_iter()
            .map(|i| (i.app_id, i.state))
            .collect();
        assert_eq!(installs, [("vpn".to_string(), portal_types::InstallState::Pending)]);
    }
    let logged: Vec<String> = db
        .audit_events(10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(logged.iter().filter(|a| *a == "install_requested").count(), 5_000);
    assert_eq!(logged.iter().filter(|a| *a == "app_created").count(), 1);
}

#[tokio::test]
async fn the_audit_log_is_append_only() {
    let store = store().await;
    let db = &*store.db;
    let at = now();
    db.record_audit(audit("first", at)).await.unwrap();
    db.record_audit(audit("second", at)).await.unwrap();
    let newest: Vec<String> = db
        .audit_events(10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(newest, ["second", "first"]);
    let raw = crate::helpers::raw_database(&store.data.database.url).await;
    assert!(
        sqlx::query("UPDATE audit_events SET outcome = 'changed'")
            .execute(&raw)
            .await
            .is_err()
    );
    assert!(sqlx::query("DELETE FROM audit_events").execute(&raw).await.is_err());
}

#[tokio::test]
async fn reads_show_expiry_and_the_sweep_writes_it_down() {
    let store = store().await;
    let db = &*store.db;
    let user_id = user(db, "ada@example.com").await;
    let device_id = device(db, user_id, "Phone").await;
    let at = now();
    let command = NewCommand::requested(device_id, user_id, CommandKind::Lock, at, at + Duration::hours(1));
    db.queue_command(command, audit("lock_requested", at)).await.unwrap();

    let later = at + Duration::hours(2);
    let read = db.commands_of(device_id, later).await.unwrap();
    assert_eq!(read[0].state, CommandState::Expired, "shown expired on read");
    assert_eq!(
        db.commands_of(device_id, at).await.unwrap()[0].state,
        CommandState::Requested
    );
    // The read wrote nothing: the sweep still finds it, once.
    assert_eq!(db.expire_commands(later).await.unwrap(), 1);
    assert_eq!(db.expire_commands(later).await.unwrap(), 0);
    let written = db.commands_of(device_id, at).await.unwrap();
    assert_eq!(written[0].state, CommandState::Expired, "written down");
    assert!(written[0].finished_at.is_some());
    assert!(db.take_pending(device_id, later, true).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_remove_device_whose_time_runs_out_removes_the_device_all_the_same() {
    let store = store().await;
    let db = &*store.db;
    let user_id = user(db, "ada@example.com").await;
    let device_id = device(db, user_id, "Phone").await;
    let at = now();
    let retire = NewCommand::requested(device_id, user_id, CommandKind::Retire, at, at + Duration::hours(1));
    let queued = db.queue_retire(retire, audit("retire_requested", at)).await.unwrap();
    assert!(matches!(queued, RemoveOutcome::Queued(_)));
    assert!(db.devices_of(user_id).await.unwrap()[0].removal_pending);
    let lock = NewCommand::requested(device_id, user_id, CommandKind::Lock, at, at + Duration::hours(1));
    let refused = db.queue_command(lock, audit("lock_requested", at)).await.unwrap();
    assert!(matches!(refused, QueueOutcome::BeingRemoved));

    assert_eq!(db.expire_commands(at + Duration::minutes(59)).await.unwrap(), 0);
    assert_eq!(db.devices_of(user_id).await.unwrap().len(), 1);
    assert_eq!(db.expire_commands(at + Duration::hours(2)).await.unwrap(), 1);
    assert!(db.devices_of(user_id).await.unwrap().is_empty());
    let last = db.activity(user_id, 1).await.unwrap().remove(0);
    assert_eq!(
        (last.event.action.as_str(), last.event.outcome.as_str()),
        ("device_removed", "expired")
    );
}

#[tokio::test]
async fn notices_go_out_with_their_commit_and_only_then() {
    let store = store().await;
    let db = &*store.db;
    let ada = user(db, "ada@example.com").await;
    let grace = user(db, "grace@example.com").await;
    let adas = device(db, ada, "Phone").await;
    let graces = device(db, grace, "Laptop").await;
    let (sender, mut heard) = tokio::sync::mpsc::unbounded_channel();
    db.listen(Arc::new(move |notice: Option<&Notice>| {
        let _ = sender.send(notice.cloned());
    }))
    .await
    .unwrap();
    assert!(
        db.listen(Arc::new(|_: Option<&Notice>| {})).await.is_err(),
        "one listener per store"
    );

    let at = now();
    // Not Ada's device: rolled back, and nobody hears of it.
    assert!(
        !db.rename_device(ada, graces, "Mine", audit("device_renamed", at))
            .await
            .unwrap()
    );
    assert!(
        db.rename_device(ada, adas, "Work phone", audit("device_renamed", at))
            .await
            .unwrap()
    );

    let mut notices = Vec::new();
    loop {
        let notice = tokio::time::timeout(std::time::Duration::from_secs(10), heard.recv())
            .await
            .expect("the rename's notice arrives")
            .expect("still listening")
            .expect("no notices lost");
        let done = notice == Notice::device_changed(ada, adas);
        notices.push(notice);
        if done {
            break;
        }
    }
    let about_graces = notices
        .iter()
        .any(|n| matches!(n, Notice::User { user, .. } if *user == grace));
    assert!(!about_graces, "the rolled-back rename told nobody: {notices:?}");
}

#[tokio::test]
async fn what_a_listening_store_keeps_follows_its_changes() {
    let store = store().await;
    let db = &*store.db;
    db.listen(Arc::new(|_: Option<&Notice>| {})).await.unwrap();
    let ada = user(db, "ada@example.com").await;
    let phone = device(db, ada, "Phone").await;
    let at = now();
    db.create_session("hash", ada, at, at + Duration::hours(1), false, audit("sign_in", at))
        .await
        .unwrap();
    assert!(db.session("hash").await.unwrap().is_some());
    assert_eq!(db.devices_of(ada).await.unwrap()[0].name, "Phone");

    db.rename_device(ada, phone, "Work phone", audit("device_renamed", at))
        .await
        .unwrap();
    assert_eq!(db.devices_of(ada).await.unwrap()[0].name, "Work phone");
    let later = at + Duration::minutes(1);
    db.touch_session("hash", later).await.unwrap();
    assert_eq!(db.session("hash").await.unwrap().unwrap().0.last_seen_at, later);
    let retire = NewCommand::requested(phone, ada, CommandKind::Retire, at, at + Duration::hours(1));
    db.queue_retire(retire, audit("retire_requested", at)).await.unwrap();
    assert!(
        db.devices_of(ada).await.unwrap()[0].removal_pending,
        "a queued command changes the list"
    );
    assert_eq!(db.expire_commands(at + Duration::hours(2)).await.unwrap(), 1);
    assert!(db.devices_of(ada).await.unwrap().is_empty());
    db.delete_session("hash", None).await.unwrap();
    assert!(db.session("hash").await.unwrap().is_none());
}

#[tokio::test]
async fn concurrent_attempts_take_no_more_places_than_the_limit_allows() {
    let store = store().await;
    let at = now();
    let keys = |n: usize| {
        vec![
            portal_server::db::AttemptKey {
                key: "account:ada".into(),
                since: at - Duration::minutes(1),
                read: 5,
            },
            portal_server::db::AttemptKey {
                key: format!("address:{n}"),
                since: at - Duration::minutes(1),
                read: 5,
            },
        ]
    };
    let tasks: Vec<_> = (0..16)
        .map(|n| {
            let db = store.db.clone();
            let keys = keys(n);
            tokio::spawn(async move {
                let at = at + Duration::microseconds(n as i64);
                db.reserve_attempt(&keys, at, &|recent| recent.iter().all(|r| r.len() < 5))
                    .await
                    .unwrap()
                    .taken
            })
        })
        .collect();
    let mut taken = 0;
    for task in tasks {
        taken += usize::from(task.await.unwrap());
    }
    assert_eq!(taken, 5, "the shared key admits five, however many try at once");

    let admit = |recent: &[Vec<OffsetDateTime>]| recent.iter().all(|r| r.len() < 5);
    let refused = store.db.reserve_attempt(&keys(99), at, &admit).await.unwrap();
    assert!(!refused.taken);
    assert_eq!(refused.recent[0].len(), 5);
    let later = store.db.reserve_attempt(&keys(99), at, &|_| true).await.unwrap();
    assert!(
        later.recent[1].is_empty(),
        "the refused attempt took no place under its own key"
    );

    // A place given back is free again.
    let lone = |at| {
        vec![portal_server::db::AttemptKey {
            key: "lone".into(),
            since: at - Duration::minutes(1),
            read: 1,
        }]
    };
    assert!(store.db.reserve_attempt(&lone(at), at, &admit).await.unwrap().taken);
    store.db.release_attempt(&lone(at), at).await.unwrap();
    let after = store.db.reserve_attempt(&lone(at), at, &admit).await.unwrap();
    assert!(after.recent[0].is_empty(), "{after:?}");
}

#[tokio::test]
async fn confirming_an_authenticator_enables_only_the_secret_that_was_checked() {
    let store = store().await;
    let db = &*store.db;
    let user_id = user(db, "ada@example.com").await;
    db.set_pending_totp(user_id, b"secret checked").await.unwrap();
    // Another setup started meanwhile, in another tab.
    db.set_pending_totp(user_id, b"secret of a second setup").await.unwrap();
    let enabled = db
        .enable_totp(
            user_id,
            b"secret checked",
            1,
            &[],
            "no-session",
            audit("second_factor_enabled", now()),
        )
        .await
        .unwrap();
    assert!(!enabled);
    let factor = db.second_factor(user_id).await.unwrap();
    assert_eq!(factor.secret, None, "the unchecked secret did not come into force");
    assert_eq!(factor.pending.as_deref(), Some(&b"secret of a second setup"[..]));
    assert!(
        db.enable_totp(
            user_id,
            b"secret of a second setup",
            1,
            &[],
            "no-session",
            audit("second_factor_enabled", now())
        )
        .await
        .unwrap()
    );
    assert_eq!(
        db.second_factor(user_id).await.unwrap().secret.as_deref(),
        Some(&b"secret of a second setup"[..])
    );
}

#[tokio::test]
async fn the_sweep_forgets_old_attempts_and_long_expired_codes_only() {
    let store = store().await;
    let db = &*store.db;
    let user_id = user(db, "ada@example.com").await;
    let at = now();
    for (name, expires_at) in [("old", at - Duration::days(2)), ("fresh", at + Duration::minutes(10))] {
        let code = EnrollmentCode {
            code_hash: name.into(),
            user_id,
            platform: Platform::Android,
            ownership: Ownership::Corporate,
            device_name: "Phone".into(),
            category: "Phone".into(),
            created_at: expires_at - Duration::minutes(15),
            expires_at,
            used_at: None,
            management: portal_types::Management::Managed,
        };
        db.create_enrollment_code(code).await.unwrap();
    }
    let key = |name: &str| portal_server::db::AttemptKey {
        key: name.into(),
        since: at - Duration::hours(3),
        read: 10,
    };
    db.reserve_attempt(&[key("old")], at - Duration::hours(2), &|_| true)
        .await
        .unwrap();
    db.reserve_attempt(&[key("fresh")], at, &|_| true).await.unwrap();

    let forgotten = db
        .forget_stale(at - Duration::hours(1), at - Duration::days(1))
        .await
        .unwrap();
    assert_eq!(forgotten, 2);
    assert!(db.enrollment_code("old").await.unwrap().is_none());
    assert!(db.enrollment_code("fresh").await.unwrap().is_some());
    let left = db
        .reserve_attempt(&[key("old"), key("fresh")], at, &|_| false)
        .await
        .unwrap();
    assert_eq!(left.recent.iter().map(Vec::len).collect::<Vec<_>>(), [0, 1]);
}
