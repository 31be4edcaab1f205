use std::{
    future::{Future, IntoFuture},
    net::SocketAddr,
    sync::Arc,
};

use anyhow::Context;
use axum::{Router, http::header, middleware, serve::ListenerExt};
use axum_server::{Handle, accept::NoDelayAcceptor, tls_rustls::RustlsConfig};
use tokio::{net::TcpListener, sync::watch};
use tokio_util::task::TaskTracker;
use tower_http::{set_header::SetResponseHeaderLayer, trace::TraceLayer};

use crate::{
    admin,
    branding::{self, BrandingInForce},
    catalog::seed,
    clock::{Clock, SystemClock},
    commands::expiry,
    config::{Config, MAX_COMMAND_TTL_HOURS},
    db::{self, Database},
    demo,
    devices::ca::DeviceCa,
    gateway::{self, Gateway, published, tls::Identity},
    http,
    http::client_address::{self, TrustedProxies},
    http::completion,
    http::csrf,
    http::origins::{self, Origins},
    http::static_files,
    http::{security_headers, sign_in_page::SignInPages},
    identity::{self, password::PasswordHasher},
    languages,
    live::{Events, Stopping},
    policies::{Policies, evaluation, rules::Policy},
    rate_limit::{FirstInWindow, RateLimiter, SignInLimits},
    secrets::SecretBox,
    shared_keys,
    state::AppState,
};

/// A bound, ready server: tests build it on port 0 and read `port()`.
pub struct Application {
    listener: TcpListener,
    router: Router,
    db: Arc<dyn Database>,
    clock: Arc<dyn Clock>,
    tls: Option<RustlsConfig>,
    policies: Arc<Policies>,
    /// Each loads what another node saves (policy, branding) as it is told.
    followers: Vec<tokio::task::JoinHandle<()>>,
    /// Tells the streams the server is stopping.
    stop: watch::Sender<bool>,
    stopping: Stopping,
    gateway: Option<GatewayServer>,
    /// The state-changing requests, which run on when their client leaves.
    requests: TaskTracker,
}

/// The gateway's listener, ready to serve.
struct GatewayServer {
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    gateway: Arc<Gateway>,
    url: String,
    /// The demo's sample app (Expenses), served on loopback.
    sample: Option<tokio::task::JoinHandle<()>>,
}

/// How long requests in flight get to finish once the server stops.
const GRACE: std::time::Duration = std::time::Duration::from_secs(10);

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        Self::build_with_clock(config, Arc::new(SystemClock)).await
    }

    pub async fn build_with_clock(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        if config.demo && !config.bind.ip().is_loopback() {
            anyhow::bail!(
                "demo mode serves well-known passwords: it listens on loopback only, not {}",
                config.bind
            );
        }
        anyhow::ensure!(
            (1..=MAX_COMMAND_TTL_HOURS).contains(&config.command_ttl_hours),
            "--command-ttl-hours must be between 1 and {MAX_COMMAND_TTL_HOURS}, not {}",
            config.command_ttl_hours
        );
        let listener = TcpListener::bind(config.bind)
            .await
            .with_context(|| format!("binding {}", config.bind))?;
        let tls = match (&config.tls_cert, &config.tls_key) {
            (Some(cert), Some(key)) => {
                // One process-wide TLS crypto provider: ring, as the rest of the server uses.
                let _ = rustls::crypto::ring::default_provider().install_default();
                Some(
                    RustlsConfig::from_pem_file(cert, key)
                        .await
                        .context("loading the TLS certificate and key")?,
                )
            }
            _ => None,
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        let public_url = match &config.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("{scheme}://{}", listener.local_addr()?),
        };
        let origins = Arc::new(Origins::new(
            config.public_url.as_deref(),
            listener.local_addr()?,
            scheme,
        ));
        if !origins.checked() {
            tracing::warn!("no --public-url on a wildcard address: the Host of requests is not checked");
        }
        let gateway_listener = match config.gateway_bind {
            Some(bind) => Some(
                TcpListener::bind(bind)
                    .await
                    .with_context(|| format!("binding the gateway to {bind}"))?,
            ),
            None => None,
        };
        let gateway_url = match (&gateway_listener, &config.gateway_public_url) {
            (Some(_), Some(url)) => Some(Arc::<str>::from(url.trim_end_matches('/'))),
            (Some(listener), None) => Some(format!("https://{}", listener.local_addr()?).into()),
            (None, _) => None,
        };
        let passkeys = identity::passkeys::relying_party(&public_url)?.map(Arc::new);
        if passkeys.is_none() {
            tracing::warn!(
                "passkeys are off: browsers offer them only to a domain name, and --public-url {public_url} has none"
            );
        }
        let db = db::connect(&config.database_url, config.database_connections).await?;
        let events = Events::new(db.clone()).await?;
        let initial = Policy::load(config.provisioning_mode, config.policy_file.as_deref())?;
        let policies = Arc::new(Policies::load(db.clone(), initial, clock.now()).await?);
        let branding = Arc::new(BrandingInForce::load(db.clone(), config.help_desk()).await?);
        let followers = vec![policies.follow(&events), branding.follow(&events)];
        let (stop, stopping) = Stopping::new();
        let state = AppState {
            db: db.clone(),
            clock: clock.clone(),
            passwords: PasswordHasher::new()?,
            secure_cookies: config.behind_tls(),
            policies: policies.clone(),
            ca: Arc::new(DeviceCa::load_or_create(&config.data_dir)?),
            events,
            stopping: stopping.clone(),
            device_throttle: Arc::default(),
            public_url: public_url.into(),
            sign_in_limits: Arc::new(SignInLimits::new(db.clone())),
            confirm_limits: Arc::new(RateLimiter::new("confirm", 10, time::Duration::minutes(15), db.clone())),
            command_ttl: time::Duration::hours(config.command_ttl_hours.into()),
            wipe_limits: Arc::new(RateLimiter::new("reset", 3, time::Duration::hours(1), db.clone())),
            secrets: Arc::new(SecretBox::load(config.secret_key.as_deref(), &config.data_dir)?),
            branding,
            gateway_url: gateway_url.clone(),
            certificate_proxies: Arc::new(TrustedProxies::new(config.certificate_proxies.clone())),
            passkeys,
            passkey_limits: Arc::new(RateLimiter::new("passkey", 100, time::Duration::minutes(1), db.clone())),
            refusals_written: Arc::new(FirstInWindow::new(
                "refusal_written",
                time::Duration::hours(1),
                db.clone(),
            )),
        };
        shared_keys::check(&*state.db, &state.ca, &state.secrets).await?;
        if state.db.seed_catalog(&seed::apps(), state.clock.now()).await? {
            tracing::info!("wrote the starting app catalog");
        }
        if config.demo {
            demo::seed(&state).await.context("seeding demo data")?;
            demo::seed_fleet(&state, config.demo_fleet)
                .await
                .context("seeding the demo fleet")?;
        }
        let gateway = match (gateway_listener, gateway_url) {
            (Some(listener), Some(url)) => Some(start_gateway(&config, &state, listener, url).await?),
            _ => None,
        };
        let policy = security_headers::policy(&config.dist_dir);
        let requests = TaskTracker::new();
        let branding_in_force = state.branding.clone();
        let mut router = Router::new()
            .merge(http::api().layer(middleware::from_fn_with_state(state.clone(), admin::audit_refused)))
            .merge(branding::routes::assets())
            .merge(languages::routes())
            .with_state(state)
            .merge(static_files::router(
                &config.dist_dir,
                config.secure_cookies,
                SignInPages::load(&config.dist_dir, branding_in_force, policy.clone()),
            ))
            .layer(middleware::from_fn_with_state(requests.clone(), completion::run_to_end))
            .layer(middleware::from_fn_with_state(origins.clone(), csrf::protect))
            .layer(middleware::from_fn_with_state(origins, origins::check_host))
            .layer(middleware::from_fn_with_state(
                Arc::new(TrustedProxies::new(config.trusted_proxies.clone())),
                client_address::resolve,
            ));
        for (name, value) in security_headers::headers(&policy, config.behind_tls()) {
            // Sign in's page extends the policy for the branding written into it.
            router = router.layer(if name == header::CONTENT_SECURITY_POLICY {
                SetResponseHeaderLayer::if_not_present(name, value)
            } else {
                SetResponseHeaderLayer::overriding(name, value)
            });
        }
        let router = router.layer(TraceLayer::new_for_http());
        Ok(Self {
            listener,
            router,
            db,
            clock,
            tls,
            policies,
            followers,
            stop,
            stopping,
            gateway,
            requests,
        })
    }

    /// Where browsers reach the gateway, when it is on.
    pub fn gateway_url(&self) -> Option<&str> {
        self.gateway.as_ref().map(|gateway| gateway.url.as_str())
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("bound listener has an address")
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    /// `http://…` or `https://…`, as clients reach it.
    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.local_addr())
    }

    /// Serves until `shutdown` completes; then ends the endless streams,
    /// gives requests in flight [`GRACE`] to finish (and as long again to
    /// changes still running, whose clients may have left), and closes the
    /// database so every committed write is on disk.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let sweeper = expiry::sweep_every(expiry::EVERY, self.db.clone(), self.clock.clone());
        let judge = evaluation::sweep(self.db.clone(), self.clock.clone(), self.policies.clone());
        let gateway = self.gateway.map(|server| {
            let serving = tokio::spawn(gateway::listener::serve(
                server.listener,
                server.tls,
                server.gateway,
                self.stopping.clone(),
            ));
            (serving, server.sample)
        });
        let service = self.router.into_make_service_with_connect_info::<SocketAddr>();
        let stop = self.stop;
        let stopped = async move {
            shutdown.await;
            let _ = stop.send(true);
        };
        let mut stopping = self.stopping;
        let grace_over = async move {
            stopping.wait().await;
            tokio::time::sleep(GRACE).await;
        };
        match self.tls {
            None => {
                // Pushed commands and events are small writes: send each at
                // once rather than wait for the peer's delayed ACK (Nagle).
                let listener = self.listener.tap_io(|tcp| {
                    if let Err(error) = tcp.set_nodelay(true) {
                        tracing::debug!(%error, "cannot set TCP_NODELAY");
                    }
                });
                let server = axum::serve(listener, service).with_graceful_shutdown(stopped);
                tokio::select! {
                    served = server.into_future() => served?,
                    () = grace_over => tracing::warn!("requests still running {GRACE:?} after the stop: ending them"),
                }
            }
            Some(tls) => {
                let handle = Handle::new();
                let stopper = handle.clone();
                tokio::spawn(async move {
                    stopped.await;
                    stopper.graceful_shutdown(Some(GRACE));
                });
                drop(grace_over);
                axum_server::from_tcp_rustls(self.listener.into_std()?, tls)?
                    .map(|tls| tls.acceptor(NoDelayAcceptor::new()))
                    .handle(handle)
                    .serve(service)
                    .await?;
            }
        }
        sweeper.abort();
        judge.abort();
        for follower in &self.followers {
            follower.abort();
        }
        if let Some((serving, sample)) = gateway {
            serving.abort();
            if let Some(sample) = sample {
                sample.abort();
            }
        }
        // Changes still running, their clients gone, are not cut off halfway.
        self.requests.close();
        if tokio::time::timeout(GRACE, self.requests.wait()).await.is_err() {
            tracing::warn!("changes still running {GRACE:?} after their server stopped: ending them");
        }
        // Connections still held by requests cut off after the grace do not
        // keep the process from stopping.
        if tokio::time::timeout(GRACE, self.db.close()).await.is_err() {
            tracing::warn!("database connections still in use {GRACE:?} after the stop: leaving them");
        }
        Ok(())
    }
}

/// The gateway's TLS (the server's certificate, or on loopback one of its
/// own) and its apps: those of `--publish`, and in the demo the sample
/// Expenses app.
async fn start_gateway(
    config: &Config,
    state: &AppState,
    listener: TcpListener,
    url: Arc<str>,
) -> anyhow::Result<GatewayServer> {
    let identity = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => Identity::from_files(cert, key)?,
        _ if listener.local_addr()?.ip().is_loopback() => Identity::self_signed(&config.data_dir)?,
        _ => anyhow::bail!(
            "the gateway serves HTTPS only: give --tls-cert and --tls-key, or bind it to loopback for a self-signed certificate"
        ),
    };
    let tls = gateway::tls::server_config(&identity, state.ca.certificate_pem())?;
    let mut apps = config
        .publish
        .iter()
        .map(|flag| published::from_flag(flag).map_err(anyhow::Error::msg))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut sample = None;
    if config.demo {
        let (address, task) = gateway::expenses::start().await?;
        apps.push(published::from_flag(&format!("Expenses=/expenses/=http://{address}")).map_err(anyhow::Error::msg)?);
        sample = Some(task);
    }
    for app in &apps {
        anyhow::ensure!(
            state.db.publish_app(app, state.clock.now(), None).await?,
            "--publish {}: another app is published at {}",
            app.name,
            app.prefix
        );
    }
    Ok(GatewayServer {
        listener,
        tls,
        gateway: Arc::new(Gateway::new(
            state.clone(),
            url.clone(),
            gateway::proxy::client(&config.upstream_cas)?,
        )),
        url: url.to_string(),
        sample,
    })
}
