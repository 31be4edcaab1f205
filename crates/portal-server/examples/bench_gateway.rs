//! The gateway's figures for `scripts/bench.sh`, in one run over loopback:
//! requests a second and latency (p50, p99) of a small page through the
//! gateway (TLS with a device's certificate, the session, the access rule,
//! the forward) beside the same upstream reached directly, from the same
//! client, and through a bare proxy: the same TLS (asking for the client's
//! certificate) and the same forwarding client, with no session, rule or
//! header rewriting, which is what any TLS-terminating proxy costs here;
//! then how soon after a Reset device completes the device's certificate is
//! refused. Also the gateway in audit mode with each request breaking its
//! app's rule (let through, the refusal written down once an hour): what
//! an app being tried out costs. Usage (release build):
//! `bench_gateway [SECONDS] [CONNECTIONS]`, 10 and 32 by default: each of
//! the four measured for SECONDS, a second at a time in turn.

use std::{
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::Context;
use axum::{Router, body::Body, routing::get};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use portal_agent::{DeviceClient, StateDir, enroll};
use portal_server::{config::Config, startup::Application};
use portal_types::{CommandOutcome, Inventory, Platform};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, pem::PemObject};
use serde_json::json;

#[path = "../tests/api/figures.rs"]
mod figures;
use figures::{Figure, ms};

const PASSWORD: &str = "demo-password-1";
/// What the upstream answers: about the size of a small JSON answer.
const PAGE: &str = "{\"claims\":[{\"date\":\"2026-11-24\",\"what\":\"Train to the Lyon office\",\"amount\":\"86.40\"},\
{\"date\":\"2026-11-25\",\"what\":\"Team lunch\",\"amount\":\"142.00\"}],\"total\":\"228.40\",\"currency\":\"EUR\"}";

fn arg(index: usize, default: u64) -> u64 {
    std::env::args()
        .nth(index)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let seconds = Duration::from_secs(arg(1, 10));
    let connections = arg(2, 32) as usize;
    let dir = tempfile::tempdir()?;
    let upstream = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let upstream_address = upstream.local_addr()?;
    tokio::spawn(async move { axum::serve(upstream, Router::new().fallback(get(|| async { PAGE }))).await });

    let mut config = Config::for_tests(dir.path().to_path_buf());
    config.demo = true;
    config.dist_dir = dir.path().join("no-dist");
    config.gateway_bind = Some("127.0.0.1:0".parse()?);
    config.publish = vec![format!("Bench=/bench/=http://{upstream_address}")];
    let app = Application::build(config).await?;
    let portal = app.url();
    let gateway = app.gateway_url().context("the gateway is on")?.to_string();
    tokio::spawn(app.run_until_stopped(std::future::pending()));

    // Ada's enrolled phone, and her gateway session through the hand-off.
    let ada = signed_in(&portal, "ada@example.com").await?;
    let issued = post(
        &ada,
        &format!("{portal}/api/v1/enrollment-codes"),
        json!({"platform": "android", "device_name": "Bench phone", "ownership": "corporate", "category": "Phone"}),
    )
    .await?;
    let code = issued["code"].as_str().context("a code")?.to_string();
    let phone = StateDir(dir.path().join("phone"));
    let inventory = Inventory {
        os_version: "15".into(),
        model: "Pixel 9".into(),
        encrypted: true,
        passcode_set: true,
        jailbroken: false,
        free_storage_mb: 64_000,
        serial_number: None,
        onprem_id: None,
    };
    enroll(&portal, &code, Platform::Android, inventory.clone(), &phone).await?;
    let device = DeviceClient::load(&phone)?;
    device.check_in(&inventory, &[]).await?;
    let cookie = gateway_cookie(&ada, &gateway).await?;
    // The same upstream in audit mode, asking for a second factor Ada has not set up.
    let it = signed_in(&portal, "it@example.com").await?;
    let published = it
        .put(format!("{portal}/api/v1/admin/published-apps"))
        .json(&json!({
            "name": "Audited", "prefix": "/audited/", "upstream": format!("http://{upstream_address}"),
            "rule": {"signed_in": true, "registered_device": true, "compliant_device": true,
                     "second_factor": true, "device_counts_as_second_factor": false},
            "enforcement": "audit",
        }))
        .send()
        .await?;
    anyhow::ensure!(
        published.status().is_success(),
        "publishing answered {}",
        published.status()
    );
    let tls = Arc::new(tls_config(dir.path(), &phone)?);
    let gateway_address: SocketAddr = gateway.trim_start_matches("https://").parse()?;

    let (bare_address, _serving) = bare_proxy(dir.path(), upstream_address).await?;
    let target = |hop: Hop| Target {
        address: match hop {
            Hop::Direct => upstream_address,
            Hop::BareProxy => bare_address,
            Hop::Gateway | Hop::Audited => gateway_address,
        },
        path: match hop {
            Hop::Direct => "/claims",
            Hop::Audited => "/audited/claims",
            _ => "/bench/claims",
        },
        cookie: matches!(hop, Hop::Gateway | Hop::Audited).then(|| cookie.clone()),
        tls: (hop != Hop::Direct).then(|| tls.clone()),
    };
    // Each its keep-alive connections, warmed (caches, pools) by a first
    // second, then measured in turns of a second, so that whatever else the
    // machine does meanwhile weighs on all four alike.
    let hops = [Hop::Direct, Hop::BareProxy, Hop::Gateway, Hop::Audited];
    let mut opened = Vec::new();
    for hop in hops {
        let mut connections = open(&target(hop), connections).await?;
        run(&target(hop), &mut connections, Duration::from_secs(1)).await?;
        opened.push(connections);
    }
    let mut rounds: [Vec<Round>; 4] = Default::default();
    for turn in 0..seconds.as_secs().max(1) as usize {
        // Each first in its turn: none always follows another.
        for i in (0..hops.len()).map(|k| (turn + k) % hops.len()) {
            rounds[i].push(run(&target(hops[i]), &mut opened[i], Duration::from_secs(1)).await?);
        }
    }
    let [direct, bare, through, audited] = rounds.map(Figures::of);
    println!(
        "{connections} connections, {} s each in turns of a second, one client process, loopback (rates: the median turn's):",
        seconds.as_secs()
    );
    direct.print("upstream directly (HTTP/1.1)");
    bare.print("through a bare proxy (HTTPS, client certificate, forward)");
    through.print("through the gateway (HTTPS, client certificate, session, rule)");
    audited.print("through the gateway in audit mode, each request breaking the rule");
    println!(
        "gateway: {:.0}% of the direct rate, p99 {:+.2} ms; a bare proxy: {:.0}%, p99 {:+.2} ms",
        100.0 * through.rate / direct.rate,
        through.p99_ms - direct.p99_ms,
        100.0 * bare.rate / direct.rate,
        bare.p99_ms - direct.p99_ms
    );
    for (key, name, figures) in [
        ("gateway", "through the gateway", &through),
        ("gateway.bare_proxy", "through a bare TLS proxy", &bare),
        (
            "gateway.audit_mode",
            "through the gateway, audit mode, rule broken",
            &audited,
        ),
    ] {
        Figure::new(format!("{key}.rate"), format!("{name}: requests"), figures.rate, "/s")
            .against(direct.rate, "the upstream directly")
            .record();
        Figure::new(format!("{key}.p99"), format!("{name}: p99"), figures.p99_ms, "ms")
            .against(direct.p99_ms, "the upstream directly")
            .record();
    }

    // Reset the phone; once the device reports it done, its next request.
    let commands = post(
        &ada,
        &format!("{portal}/api/v1/devices/{}/wipe", device.state.device_id),
        json!({"device_name": "Bench phone"}),
    )
    .await?;
    let wipe = commands["id"].as_str().context("the reset's id")?.parse()?;
    device.check_in(&inventory, &[]).await?;
    device.acknowledge(portal_types::CommandId(wipe)).await?;
    let target = target(Hop::Gateway);
    let mut connection = target.connect().await?;
    device
        .report(portal_types::CommandId(wipe), CommandOutcome::Completed, None)
        .await?;
    let completed = Instant::now();
    let status = connection.get(&target).await?;
    let refused_after = ms(completed.elapsed());
    println!("reset completed -> its certificate refused: {refused_after:.2} ms (the very next request: {status})");
    Figure::new(
        "gateway.reset_refused",
        "gateway: a reset device refused after",
        refused_after,
        "ms",
    )
    .against(1000.0, "goal")
    .record();
    anyhow::ensure!(status == 403, "the reset device was let through");
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Hop {
    Direct,
    BareProxy,
    Gateway,
    Audited,
}

/// The reference: the gateway's listener, TLS configuration and
/// forwarding client, each request sent on as it came but for its prefix.
/// Its address, and the switch that keeps it serving.
async fn bare_proxy(
    data: &std::path::Path,
    upstream: SocketAddr,
) -> anyhow::Result<(SocketAddr, tokio::sync::watch::Sender<bool>)> {
    use portal_server::{
        gateway::{listener, proxy, tls},
        live::Stopping,
    };

    let ca = std::fs::read_to_string(data.join("device-ca.pem"))?;
    let config = tls::server_config(&tls::Identity::self_signed(data)?, &ca)?;
    let client = proxy::client(&[])?;
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = tcp.local_addr()?;
    let (switch, stopping) = Stopping::new();
    let forward = move |request: Request<Body>, _| {
        let client = client.clone();
        async move {
            let (mut parts, body) = request.into_parts();
            let rest = parts.uri.path().trim_start_matches("/bench");
            parts.uri = format!("http://{upstream}{rest}").parse().expect("a URI");
            parts.version = hyper::Version::HTTP_11;
            match client.request(Request::from_parts(parts, body)).await {
                Ok(response) => response.map(Body::new),
                Err(_) => Response::builder().status(502).body(Body::empty()).expect("a response"),
            }
        }
    };
    tokio::spawn(listener::accept(tcp, config, stopping, forward));
    Ok((address, switch))
}

struct Target {
    address: SocketAddr,
    path: &'static str,
    cookie: Option<String>,
    tls: Option<Arc<rustls::ClientConfig>>,
}

type Sender = hyper::client::conn::http1::SendRequest<Body>;

struct Connection(Sender);

impl Target {
    async fn connect(&self) -> anyhow::Result<Connection> {
        let tcp = tokio::net::TcpStream::connect(self.address).await?;
        tcp.set_nodelay(true)?;
        let sender = match &self.tls {
            Some(config) => {
                let name = ServerName::try_from("127.0.0.1")?;
                let tls = tokio_rustls::TlsConnector::from(config.clone())
                    .connect(name, tcp)
                    .await?;
                handshake(TokioIo::new(tls)).await?
            }
            None => handshake(TokioIo::new(tcp)).await?,
        };
        Ok(Connection(sender))
    }
}

async fn handshake<T>(io: T) -> anyhow::Result<Sender>
where
    T: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (sender, connection) = hyper::client::conn::http1::handshake(io).await?;
    tokio::spawn(connection);
    Ok(sender)
}

impl Connection {
    async fn get(&mut self, target: &Target) -> anyhow::Result<u16> {
        let mut request = Request::get(target.path).header("host", target.address.to_string());
        if let Some(cookie) = &target.cookie {
            request = request.header("cookie", cookie);
        }
        self.0.ready().await?;
        let response = self.0.send_request(request.body(Body::empty())?).await?;
        let status = response.status().as_u16();
        axum::body::to_bytes(Body::new(response.into_body()), usize::MAX).await?;
        Ok(status)
    }
}

/// One turn of one hop: its rate, and each request's time.
struct Round {
    rate: f64,
    latencies: Vec<Duration>,
}

struct Figures {
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
}

impl Figures {
    /// The median turn's rate; the latencies of every turn.
    fn of(mut rounds: Vec<Round>) -> Self {
        rounds.sort_by(|a, b| a.rate.total_cmp(&b.rate));
        let rate = rounds[rounds.len() / 2].rate;
        let mut latencies: Vec<Duration> = rounds.into_iter().flat_map(|round| round.latencies).collect();
        latencies.sort();
        let at = |share: f64| ms(latencies[((latencies.len() - 1) as f64 * share) as usize]);
        Figures {
            rate,
            p50_ms: at(0.50),
            p99_ms: at(0.99),
        }
    }

    fn print(&self, what: &str) {
        println!(
            "  {what}: {:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms",
            self.rate, self.p50_ms, self.p99_ms
        );
    }
}

async fn open(target: &Target, connections: usize) -> anyhow::Result<Vec<Connection>> {
    let mut opened = Vec::with_capacity(connections);
    for _ in 0..connections {
        opened.push(target.connect().await?);
    }
    Ok(opened)
}

/// Each of `connections` asking one request after another for `time`.
async fn run(target: &Target, connections: &mut Vec<Connection>, time: Duration) -> anyhow::Result<Round> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for mut connection in connections.drain(..) {
        let target = Target {
            address: target.address,
            path: target.path,
            cookie: target.cookie.clone(),
            tls: target.tls.clone(),
        };
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while started.elapsed() < time {
                let asked = Instant::now();
                let status = connection.get(&target).await?;
                anyhow::ensure!(status == 200, "answered {status}");
                latencies.push(asked.elapsed());
            }
            Ok((connection, latencies))
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        let (connection, theirs) = task.await??;
        connections.push(connection);
        latencies.extend(theirs);
    }
    Ok(Round {
        rate: latencies.len() as f64 / started.elapsed().as_secs_f64(),
        latencies,
    })
}

fn client(identity: Option<reqwest::Identity>) -> anyhow::Result<reqwest::Client> {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-requested-with", "company-portal".parse()?);
    let mut builder = reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .danger_accept_invalid_certs(true)
        .redirect(reqwest::redirect::Policy::none());
    if let Some(identity) = identity {
        builder = builder.identity(identity);
    }
    Ok(builder.build()?)
}

/// A client with `email`'s portal session.
async fn signed_in(portal: &str, email: &str) -> anyhow::Result<reqwest::Client> {
    let client = client(None)?;
    post(
        &client,
        &format!("{portal}/api/v1/auth/sign-in"),
        json!({"email": email, "password": PASSWORD}),
    )
    .await?;
    Ok(client)
}

async fn post(client: &reqwest::Client, url: &str, body: serde_json::Value) -> anyhow::Result<serde_json::Value> {
    let response = client.post(url).json(&body).send().await?;
    anyhow::ensure!(response.status().is_success(), "{url} answered {}", response.status());
    Ok(response.json().await.unwrap_or_default())
}

/// Follows the gateway's sign-in hand-off by hand: the cookie it sets.
async fn gateway_cookie(ada: &reqwest::Client, gateway: &str) -> anyhow::Result<String> {
    let location = |response: reqwest::Response| -> anyhow::Result<String> {
        Ok(response
            .headers()
            .get("location")
            .context("a redirect")?
            .to_str()?
            .to_string())
    };
    let handoff = location(ada.get(format!("{gateway}/bench/")).send().await?)?;
    let redeem = location(ada.get(&handoff).send().await?)?;
    let redeemed = ada.get(&redeem).send().await?;
    let cookie = redeemed
        .headers()
        .get("set-cookie")
        .context("the gateway's cookie")?
        .to_str()?;
    Ok(cookie.split(';').next().unwrap_or_default().to_string())
}

/// TLS trusting the gateway's own certificate, presenting the phone's.
fn tls_config(data: &std::path::Path, phone: &StateDir) -> anyhow::Result<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from_pem_file(data.join("gateway-tls.crt"))?)?;
    let chain = vec![CertificateDer::from_pem_file(phone.certificate())?];
    let key = PrivateKeyDer::from_pem_file(phone.key())?;
    Ok(
        rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_client_auth_cert(chain, key)?,
    )
}
