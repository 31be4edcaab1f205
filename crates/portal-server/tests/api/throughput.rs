//! Measurements, not checks: each prints figures. `scripts/bench.sh` runs
//! them in a release build, on SQLite and on PostgreSQL.

use std::time::{Duration, Instant};

use portal_types::{EnrollRequest, Platform};
use rcgen::{CertificateParams, KeyPair, PKCS_ECDSA_P256_SHA256};

use crate::{
    commands::roomy_policy,
    enrollment::{code_for, inventory},
    helpers::{TestApp, another_node, spawn_with},
};

const ENROLLMENTS: usize = 1000;
const AGENTS: usize = 50;

/// 1,000 enrollments (code claim, CSR verify, sign, insert) from 50
/// concurrent agents; over PostgreSQL, spread over two nodes.
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
    // Codes and keys beforehand: the agents' side is not what is measured.
    let grace = nodes[0].signed_in("grace@example.com").await;
    let mut requests = Vec::with_capacity(ENROLLMENTS);
    for _ in 0..ENROLLMENTS {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        requests.push(EnrollRequest {
            code: code_for(&nodes[0], &grace, "android").await,
            platform: Platform::Android,
            csr_pem: CertificateParams::default()
                .serialize_request(&key)
                .unwrap()
                .pem()
                .unwrap(),
            inventory: inventory("15"),
        });
    }
    let addresses: Vec<String> = nodes.iter().map(|n| n.address.clone()).collect();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(AGENTS)
        .build()
        .unwrap();
    let queue = std::sync::Arc::new(tokio::sync::Mutex::new(requests));
    let started = Instant::now();
    let agents: Vec<_> = (0..AGENTS)
        .map(|agent| {
            let http = http.clone();
            let queue = queue.clone();
            let server = addresses[agent % addresses.len()].clone();
            tokio::spawn(async move {
                let mut times = Vec::new();
                loop {
                    // Taken apart from the loop's body, so the lock is not held over the request.
                    let next = queue.lock().await.pop();
                    let Some(request) = next else { break };
                    let sent = Instant::now();
                    let response = http
                        .post(format!("{server}/api/v1/enroll"))
                        .json(&request)
                        .send()
                        .await
                        .unwrap();
                    assert!(response.status().is_success(), "{}", response.text().await.unwrap());
                    times.push(sent.elapsed());
                }
                times
            })
        })
        .collect();
    let mut times: Vec<Duration> = Vec::new();
    for agent in agents {
        times.extend(agent.await.unwrap());
    }
    let elapsed = started.elapsed();
    times.sort();
    println!(
        "{ENROLLMENTS} enrollments, {AGENTS} agents, {} node(s), {}: {:.0}/s, p50 {:?}, p99 {:?}",
        nodes.len(),
        if nodes[0].data.is_postgres() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        ENROLLMENTS as f64 / elapsed.as_secs_f64(),
        times[times.len() / 2],
        times[times.len() * 99 / 100],
    );
}
