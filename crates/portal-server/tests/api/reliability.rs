//! The reliability suite, each part bounded: the release server killed with
//! SIGKILL at random moments under load loses nothing it acknowledged and
//! starts every time; a load of enrollments and check-ins completes without
//! an error. `CRASH_CYCLES` (5) and `LOAD_DEVICES` (10,000) say how much;
//! `scripts/soak.sh` runs more. Both run in a release build.

use std::{
    collections::HashSet,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use portal_agent::{DeviceClient, StateDir};
use portal_types::{CommandId, DeviceId, Platform};
use rand::Rng;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::{
    enrollment::{code_for, inventory},
    helpers::{PASSWORD, browser, json_at, spawn_running},
};

fn from_env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A policy without a device limit worth the name.
fn unlimited_policy(dir: &Path) -> PathBuf {
    let policy = dir.join("policy.toml");
    std::fs::write(&policy, "device_limit = 1000000").unwrap();
    policy
}

/// The release server as a process of its own, over `data`.
struct Server {
    child: tokio::process::Child,
    address: String,
}

impl Server {
    async fn start(data: &Path) -> Self {
        let binary = std::env::var("PORTAL_SERVER_BIN").unwrap_or_else(|_| "../../target/release/portal-server".into());
        let mut child = tokio::process::Command::new(&binary)
            .args(["--bind", "127.0.0.1:0", "--demo"])
            .arg("--data-dir")
            .arg(data)
            .arg("--database-url")
            .arg(format!("sqlite://{}", data.join("portal.db").display()))
            .arg("--policy-file")
            .arg(unlimited_policy(data))
            .arg("--dist-dir")
            .arg(data.join("no-dist"))
            .env("RUST_LOG", "error")
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {binary}: {e}"));
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let listening = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some(address) = line.strip_prefix("Company Portal listening on ") {
                    return address.to_string();
                }
            }
            panic!("the server ended before it listened");
        })
        .await
        .expect("the server listens within 30 seconds");
        Self {
            child,
            address: listening,
        }
    }
}

/// Grace, signed in; None once the server is gone.
async fn sign_in(address: &str) -> Option<reqwest::Client> {
    let grace = browser();
    let response = grace
        .post(format!("{address}/api/v1/auth/sign-in"))
        .json(&json!({ "email": "grace@example.com", "password": PASSWORD }))
        .send()
        .await
        .ok()?;
    assert_eq!(response.status(), StatusCode::OK);
    Some(grace)
}

/// What the server answered with a 2xx before it was killed.
#[derive(Default)]
struct Acknowledged {
    devices: Vec<DeviceId>,
    commands: Vec<(DeviceId, CommandId)>,
}

/// Enrolls devices and locks them as `grace`, as fast as it can, until the server is gone.
async fn load(grace: reqwest::Client, address: String, dirs: PathBuf, acknowledged: Arc<Mutex<Acknowledged>>) {
    loop {
        let Ok(response) = grace
            .post(format!("{address}/api/v1/enrollment-codes"))
            .json(&json!({ "platform": "android", "device_name": "Crash test", "ownership": "corporate", "category": "Phone" }))
            .send()
            .await
        else {
            return;
        };
        let Ok(Value::Object(code)) = response.json::<Value>().await else {
            return;
        };
        let code = code["code"].as_str().unwrap_or_default().to_string();
        let dir = StateDir(dirs.join(uuid::Uuid::new_v4().to_string()));
        let Ok(state) = portal_agent::enroll(&address, &code, Platform::Android, inventory("15"), &dir).await else {
            return;
        };
        acknowledged.lock().unwrap().devices.push(state.device_id);
        let lock = grace
            .post(format!("{address}/api/v1/devices/{}/lock", state.device_id))
            .json(&json!({}))
            .send()
            .await;
        let Ok(lock) = lock else { return };
        if lock.status() != StatusCode::ACCEPTED {
            return;
        }
        let Ok(command) = lock.json::<Value>().await else {
            return;
        };
        let id = command["id"].as_str().unwrap().parse().map(CommandId).unwrap();
        acknowledged.lock().unwrap().commands.push((state.device_id, id));
    }
}

/// Ada's and Grace's devices in the demo data, seeded without certificates.
const DEMO_DEVICES: i64 = 6;

/// Every device and command acknowledged is there; nothing is half-written.
async fn check(server: &Server, data: &Path, acknowledged: &Acknowledged) {
    let grace = sign_in(&server.address).await.expect("the restarted server answers");
    let devices = json_at(&grace, &format!("{}/api/v1/devices", server.address)).await;
    let known: HashSet<String> = devices["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect();
    for device in &acknowledged.devices {
        assert!(
            known.contains(&device.to_string()),
            "acknowledged device {device} is gone"
        );
    }
    for (device, command) in &acknowledged.commands {
        let commands = json_at(&grace, &format!("{}/api/v1/devices/{device}/commands", server.address)).await;
        let found = commands["commands"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == command.to_string());
        assert!(found, "acknowledged command {command} is gone");
    }
    let db = crate::helpers::raw_database(&format!("sqlite://{}", data.join("portal.db").display())).await;
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(integrity, "ok");
    let uncertified: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM devices d WHERE NOT EXISTS (SELECT 1 FROM device_certificates c WHERE c.device_id = d.id)",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    // The demo's devices were never enrolled; every enrolled one has its certificate.
    assert_eq!(uncertified, DEMO_DEVICES, "every enrolled device has its certificate");
    let inconsistent: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM commands WHERE
            (state IN ('completed', 'failed', 'cancelled', 'expired') AND finished_at IS NULL)
         OR (state IN ('delivered', 'acknowledged') AND delivered_at IS NULL)
         OR (state = 'acknowledged' AND acknowledged_at IS NULL)
         OR state NOT IN ('requested', 'delivered', 'acknowledged', 'completed', 'failed', 'cancelled', 'expired')",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(inconsistent, 0, "every command in a consistent state");
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the reliability suite: a release server, in a release build"]
async fn killed_at_random_moments_under_load_the_server_loses_nothing_it_acknowledged() {
    let cycles = from_env("CRASH_CYCLES", 5);
    let data = tempfile::tempdir().unwrap();
    let dirs = tempfile::tempdir().unwrap();
    let mut acknowledged_in_all = (0, 0);
    for cycle in 1..=cycles {
        let mut server = Server::start(data.path()).await;
        let acknowledged = Arc::new(Mutex::new(Acknowledged::default()));
        // Signed in before the clock starts: a sign-in cut off by the kill
        // would keep its place under the sign-in limit, as a failure would.
        let clients = futures_util::future::join_all((0..16).map(|_| sign_in(&server.address))).await;
        let workers: Vec<_> = clients
            .into_iter()
            .map(|grace| {
                tokio::spawn(load(
                    grace.expect("the server is up"),
                    server.address.clone(),
                    dirs.path().to_path_buf(),
                    acknowledged.clone(),
                ))
            })
            .collect();
        let after = Duration::from_millis(rand::thread_rng().gen_range(300..1500));
        tokio::time::sleep(after).await;
        server.child.start_kill().unwrap();
        server.child.wait().await.unwrap();
        for worker in workers {
            worker.await.unwrap();
        }
        let acknowledged = std::mem::take(&mut *acknowledged.lock().unwrap());
        let restarted = Server::start(data.path()).await;
        check(&restarted, data.path(), &acknowledged).await;
        acknowledged_in_all.0 += acknowledged.devices.len();
        acknowledged_in_all.1 += acknowledged.commands.len();
        println!(
            "cycle {cycle}: killed after {after:?}, {} enrollments and {} commands acknowledged, all there after the restart",
            acknowledged.devices.len(),
            acknowledged.commands.len()
        );
        drop(restarted);
    }
    println!(
        "{cycles} crash cycles: {} enrollments and {} commands acknowledged, none lost",
        acknowledged_in_all.0, acknowledged_in_all.1
    );
}

/// `LOAD_DEVICES` enrollments, then a check-in from each, from 500
/// concurrent connections to one server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the reliability suite: a release server, in a release build"]
async fn enrollments_and_check_ins_from_500_connections_without_an_error() {
    const CONNECTIONS: usize = 500;
    let devices = from_env("LOAD_DEVICES", 10_000);
    let dir = tempfile::tempdir().unwrap();
    // Its agents sign with the real time: the server's must run too.
    let app = spawn_running(|config| config.policy_file = Some(unlimited_policy(dir.path()))).await;
    let app = Arc::new(app);
    let grace = app.signed_in("grace@example.com").await;
    let started = Instant::now();
    let workers: Vec<_> = (0..CONNECTIONS)
        .map(|worker| {
            let (app, grace) = (app.clone(), grace.clone());
            let dirs = dir.path().to_path_buf();
            tokio::spawn(async move {
                let mut times = (Vec::new(), Vec::new());
                for n in (worker..devices).step_by(CONNECTIONS) {
                    let code = code_for(&app, &grace, "android").await;
                    let state_dir = StateDir(dirs.join(n.to_string()));
                    let sent = Instant::now();
                    portal_agent::enroll(&app.address, &code, Platform::Android, inventory("15"), &state_dir)
                        .await
                        .expect("enrolled");
                    times.0.push(sent.elapsed());
                    let device = DeviceClient::load(&state_dir).unwrap();
                    let sent = Instant::now();
                    device.check_in(&inventory("15"), &[]).await.expect("checked in");
                    times.1.push(sent.elapsed());
                }
                times
            })
        })
        .collect();
    let (mut enrollments, mut check_ins) = (Vec::new(), Vec::new());
    for worker in workers {
        let (e, c) = worker.await.expect("no errors");
        enrollments.extend(e);
        check_ins.extend(c);
    }
    let elapsed = started.elapsed();
    enrollments.sort();
    check_ins.sort();
    let db = app.raw_database().await;
    let (certificates, serials): (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), COUNT(DISTINCT serial) FROM device_certificates")
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(certificates as usize, devices);
    assert_eq!(serials, certificates, "no duplicate certificate serials");
    println!(
        "{devices} enrollments and {devices} check-ins from {CONNECTIONS} connections in {elapsed:?}: \
         enrollment p50 {:?} p99 {:?}, check-in p50 {:?} p99 {:?}, 0 errors, {serials} distinct serials",
        enrollments[enrollments.len() / 2],
        enrollments[enrollments.len() * 99 / 100],
        check_ins[check_ins.len() / 2],
        check_ins[check_ins.len() * 99 / 100],
    );
}
