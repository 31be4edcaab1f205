//! Measurements, not checks: each prints figures. `scripts/bench.sh` runs
//! them in a release build, on SQLite and on PostgreSQL.

use std::time::{Duration, Instant};

use portal_server::db::NewUser;
use portal_types::{EnrollRequest, Platform, Role};
use rcgen::{CertificateParams, KeyPair, PKCS_ECDSA_P256_SHA256};

use crate::{
    commands::roomy_policy,
    enrollment::{code_for, inventory},
    figures::{Figure, ms},
    helpers::{TestApp, another_node, spawn_with},
};

const ENROLLMENTS: usize = 1000;
const AGENTS: usize = 50;
/// Enrollments of each agent's before the measured ones.
const WARM_UP: usize = 2;

/// 1,000 enrollments (code claim, CSR verify, sign, insert) from 50
/// concurrent agents, each a different person's; over PostgreSQL, spread
/// over two nodes.
// The servers and the agents share the machine's two cores, as they would on one host.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a check: prints figures"]
async fn enrollments_per_second() {
    let policy = roomy_policy();
    let a = spawn_with(|config| config.policy_file = Some(policy.clone())).await;
    let nodes: Vec<TestApp> = if a.data.is_postgres() {
        let b = another_node(&a, |config| config.policy_file = Some(policy)).await;
        vec![a, b]
    } else {
        vec![a]
    };
    // People, codes and keys beforehand: the agents' side is not what is
    // measured. Each agent enrolls devices of its own person's (one person's
    // enrollments take turns, as their device limit is checked and written).
    let db = nodes[0].database().await;
    let password_hash = db
        .user_by_email("grace@example.com")
        .await
        .unwrap()
        .unwrap()
        .password_hash;
    let mut batches = Vec::with_capacity(AGENTS);
    for agent in 0..AGENTS {
        let email = format!("agent-{agent}@example.com");
        let person = NewUser {
            email: email.clone(),
            display_name: format!("Agent {agent}"),
            role: Role::Employee,
            password_hash: password_hash.clone(),
        };
        db.create_user(person, time::OffsetDateTime::now_utc()).await.unwrap();
        let node = &nodes[agent % nodes.len()];
        let person = node.signed_in(&email).await;
        let mut batch = Vec::with_capacity(ENROLLMENTS / AGENTS + WARM_UP);
        for _ in 0..ENROLLMENTS / AGENTS + WARM_UP {
            let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
            batch.push(EnrollRequest {
                code: code_for(node, &person, "android").await,
                platform: Platform::Android,
                csr_pem: CertificateParams::default()
                    .serialize_request(&key)
                    .unwrap()
                    .pem()
                    .unwrap(),
                inventory: inventory("15"),
                management: portal_types::Management::Managed,
            });
        }
        batches.push(batch);
    }
    let addresses: Vec<String> = nodes.iter().map(|n| n.address.clone()).collect();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(AGENTS)
        .build()
        .unwrap();
    // Every agent's first enrollments open the pools' connections and
    // prepare their statements; the clock starts when all of them are done.
    let warmed = std::sync::Arc::new(tokio::sync::Barrier::new(AGENTS + 1));
    let agents: Vec<_> = batches
        .into_iter()
        .enumerate()
        .map(|(agent, batch)| {
            let http = http.clone();
            let warmed = warmed.clone();
            let server = addresses[agent % addresses.len()].clone();
            tokio::spawn(async move {
                let mut times = Vec::new();
                for (n, request) in batch.into_iter().enumerate() {
                    if n == WARM_UP {
                        warmed.wait().await;
                    }
                    let sent = Instant::now();
                    let response = http
                        .post(format!("{server}/api/v1/enroll"))
                        .json(&request)
                        .send()
                        .await
                        .unwrap();
                    assert!(response.status().is_success(), "{}", response.text().await.unwrap());
                    if n >= WARM_UP {
                        times.push(sent.elapsed());
                    }
                }
                times
            })
        })
        .collect();
    warmed.wait().await;
    let busy_before = machine_busy();
    let started = Instant::now();
    let mut times: Vec<Duration> = Vec::new();
    for agent in agents {
        times.extend(agent.await.unwrap());
    }
    let elapsed = started.elapsed();
    let busy = machine_busy().zip(busy_before).map(|(after, before)| after - before);
    times.sort();
    let postgres = nodes[0].data.is_postgres();
    let database = nodes[0].data.database_name();
    let key = database.to_lowercase();
    let rate = ENROLLMENTS as f64 / elapsed.as_secs_f64();
    let p99 = times[times.len() * 99 / 100];
    // Steadier than the rate where the machine's cores are shared with
    // other guests: what every process spent, not how long it took.
    let cpu = busy.map(|busy| ms(busy) / ENROLLMENTS as f64);
    println!(
        "{ENROLLMENTS} enrollments, {AGENTS} agents, {} node(s), {database}: {rate:.0}/s, p50 {:?}, p99 {p99:?}{}",
        nodes.len(),
        times[times.len() / 2],
        cpu.map_or(String::new(), |cpu| format!(", machine CPU {cpu:.2} ms an enrollment")),
    );
    let nodes = if postgres { ", two nodes" } else { "" };
    let goal = if postgres { 1000.0 } else { 500.0 };
    Figure::new(
        format!("enrollments.{key}.rate"),
        format!("enrollments, {database}{nodes}"),
        rate,
        "/s",
    )
    .against(goal, "goal")
    .record();
    Figure::new(
        format!("enrollments.{key}.p99"),
        format!("enrollment p99, {database}{nodes}"),
        ms(p99),
        "ms",
    )
    .record();
    if let Some(cpu) = cpu {
        Figure::new(
            format!("enrollments.{key}.cpu"),
            format!("machine CPU an enrollment, {database}{nodes}"),
            cpu,
            "ms",
        )
        .record();
    }
}

/// CPU time every process on the machine has spent (user, nice, system,
/// interrupts), from `/proc/stat`; `None` where there is none.
fn machine_busy() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let ticks: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .map_while(|n| n.parse().ok())
        .collect();
    // user, nice, system, (idle, iowait), irq, softirq; in USER_HZ, 100 a second on Linux.
    let busy = [0, 1, 2, 5, 6].iter().filter_map(|&i| ticks.get(i)).sum::<u64>();
    Some(Duration::from_millis(busy * 10))
}

/// All devices at an organisation's size: the demo fleet of each size in
/// `PORTAL_FLEET_SIZES` (default 10,000 and 100,000 devices), then the API
/// time of each kind of page an administrator asks for, 40 times each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a check: prints figures"]
async fn all_devices_at_scale() {
    let sizes = std::env::var("PORTAL_FLEET_SIZES").unwrap_or_else(|_| "10000,100000".into());
    for size in sizes
        .split(',')
        .map(|n| n.trim().parse::<usize>().expect("a number of devices"))
    {
        let seeding = Instant::now();
        let app = spawn_with(|config| config.demo_fleet = size).await;
        let seeded = seeding.elapsed();
        let database = app.data.database_name();
        println!(
            "All devices, {size} devices, {database}: seeded in {:.1} s ({:.0} devices/s)",
            seeded.as_secs_f64(),
            size as f64 / seeded.as_secs_f64()
        );
        let admin = app.signed_in("it@example.com").await;
        let first: serde_json::Value = admin
            .get(app.url("/api/v1/admin/devices"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(first["total"].as_u64().unwrap() >= size as u64);
        let next = first["next"].as_str().expect("more than a page").to_owned();
        let pages = [
            ("first page", String::new()),
            ("second page", format!("after={next}")),
            (
                "noncompliant Android",
                "platform=android&compliance=out_of_compliance,cannot_access".into(),
            ),
            (
                "not seen for 30 days, by last seen",
                "not_seen_days=30&sort=last_seen&order=desc".into(),
            ),
            ("sorted by user", "sort=user".into()),
            ("search \"galaxy s24 0012\"", "q=galaxy%20s24%200012".into()),
            ("search a user \"fleet-00042\"", "q=fleet-00042".into()),
        ];
        for (what, query) in pages {
            let mut times = Vec::new();
            for _ in 0..40 {
                let sent = Instant::now();
                let response = admin
                    .get(app.url(&format!("/api/v1/admin/devices?{query}")))
                    .send()
                    .await
                    .unwrap();
                assert!(response.status().is_success(), "{what}");
                response.bytes().await.unwrap();
                times.push(sent.elapsed());
            }
            times.sort();
            let (p50, p95) = (ms(times[times.len() / 2]), ms(times[times.len() * 95 / 100]));
            println!("  {what}: p50 {p50:.1} ms, p95 {p95:.1} ms");
            Figure::new(
                format!("fleet.api.{}.{size}.{what}.p95", database.to_lowercase()),
                format!("All devices API, {size} devices, {database}, {what}: p95"),
                p95,
                "ms",
            )
            .record();
        }
        app.stop().await;
    }
}

/// The on-premises inventory sync at an estate's size: a full snapshot of
/// `PORTAL_SYNC_ROWS` records (default 100,000) sent as CSV to the API, then
/// the same snapshot again (nothing to change), in rows per second.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a check: prints figures"]
async fn inventory_sync_at_scale() {
    use portal_server::{inventory::sample::estate, policies::rules::ProvisioningMode};
    let rows: usize = std::env::var("PORTAL_SYNC_ROWS").map_or(100_000, |n| n.parse().expect("a number of rows"));
    let app = spawn_with(|config| config.provisioning_mode = ProvisioningMode::Hybrid).await;
    let database = app.data.database_name();
    let admin = app.signed_in("it@example.com").await;
    let token: serde_json::Value = admin
        .post(app.url("/api/v1/admin/sync-tokens"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["token"].as_str().unwrap().to_owned();
    let mut csv = String::from("onprem_id,name,os,os_build,primary_user,model,manufacturer,serial_number,domain\n");
    for r in estate(rows) {
        let field = |v: Option<String>| v.unwrap_or_default();
        csv.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\n",
            r.onprem_id,
            r.name,
            r.os,
            r.os_build,
            field(r.primary_user),
            field(r.model),
            field(r.manufacturer),
            field(r.serial_number),
            field(r.domain)
        ));
    }
    for pass in ["first", "again"] {
        let started = Instant::now();
        let response = reqwest::Client::new()
            .post(app.url("/api/v1/admin/inventory-sync?snapshot=full&on_missing=stale"))
            .bearer_auth(&token)
            .header("content-type", "text/csv")
            .body(csv.clone())
            .timeout(Duration::from_secs(1800))
            .send()
            .await
            .unwrap();
        let took = started.elapsed();
        assert_eq!(response.status(), reqwest::StatusCode::OK);
        let report: portal_types::SyncReport = response.json().await.unwrap();
        assert!(report.rejected.is_empty());
        let rate = rows as f64 / took.as_secs_f64();
        println!(
            "Inventory sync, {rows} rows, {database}, {pass}: {:.1} s, {rate:.0} rows/s ({} new, {} unchanged)",
            took.as_secs_f64(),
            report.created,
            report.unchanged
        );
        Figure::new(
            format!("inventory_sync.{}.{rows}.{pass}", database.to_lowercase()),
            format!("inventory sync, {rows} rows, {database}, {pass}"),
            rate,
            "rows/s",
        )
        .record();
    }
}

/// A policy change at an organisation's size: the demo fleet of
/// `PORTAL_POLICY_FLEET` devices (default 100,000), the minimum Android
/// version raised, and the time until every device is judged by it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a check: prints figures"]
async fn policy_change_at_scale() {
    let size: usize = std::env::var("PORTAL_POLICY_FLEET").map_or(100_000, |n| n.parse().expect("a number of devices"));
    let app = spawn_with(|config| config.demo_fleet = size).await;
    let database = app.data.database_name();
    let admin = app.signed_in("it@example.com").await;
    let current: portal_types::PolicyVersion = admin
        .get(app.url("/api/v1/admin/policy"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut settings = current.settings.clone();
    for rule in &mut settings.platforms {
        if rule.platform == Platform::Android {
            rule.min_compliant_os = Some("15".into());
        }
    }
    let started = Instant::now();
    let saved = admin
        .put(app.url("/api/v1/admin/policy"))
        .json(&portal_types::PolicyChange {
            based_on: current.version,
            settings,
        })
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), reqwest::StatusCode::OK);
    let answered = started.elapsed();
    let done = loop {
        let now: portal_types::PolicyVersion = admin
            .get(app.url("/api/v1/admin/policy"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if now.evaluation.finished_at.is_some() {
            break now;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let took = started.elapsed();
    let rate = done.evaluation.evaluated as f64 / took.as_secs_f64();
    println!(
        "Policy change, {size} devices, {database}: saved in {:.0} ms, every device judged in {:.1} s ({rate:.0} devices/s, {} changed state)",
        ms(answered),
        took.as_secs_f64(),
        done.evaluation.changed
    );
    Figure::new(
        format!("policy_change.{}.{size}", database.to_lowercase()),
        format!("policy change, {size} devices, {database}: devices judged"),
        rate,
        "devices/s",
    )
    .record();
}
