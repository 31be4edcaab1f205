use std::{
    future::{Future, IntoFuture},
    net::SocketAddr,
    sync::Arc,
};

use anyhow::Context;
use axum::{Router, middleware, serve::ListenerExt};
use axum_server::{Handle, accept::NoDelayAcceptor, tls_rustls::RustlsConfig};
use tokio::{net::TcpListener, sync::watch};
use tower_http::{set_header::SetResponseHeaderLayer, trace::TraceLayer};

use crate::{
    branding::{self, BrandingInForce},
    catalog::seed,
    clock::{Clock, SystemClock},
    commands::expiry,
    config::{Config, MAX_COMMAND_TTL_HOURS},
    db::{self, Database},
    demo,
    devices::ca::DeviceCa,
    http,
    http::client_address::{self, TrustedProxies},
    http::csrf,
    http::origins::{self, Origins},
    http::security_headers,
    http::static_files,
    identity::{self, password::PasswordHasher},
    live::{Events, Stopping},
    policies::{Policies, evaluation, rules::Policy},
    rate_limit::{RateLimiter, SignInLimits},
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
    /// Loads the versions other nodes save.
    /// Each loads what another node saves (policy, branding) as it is told.
    followers: Vec<tokio::task::JoinHandle<()>>,
    /// Tells the streams the server is stopping.
    stop: watch::Sender<bool>,
    stopping: Stopping,
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
            passkeys,
            passkey_limits: Arc::new(RateLimiter::new("passkey", 100, time::Duration::minutes(1), db.clone())),
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
        let mut router = Router::new()
            .merge(http::api())
            .merge(branding::routes::assets())
            .with_state(state)
            .merge(static_files::router(&config.dist_dir, config.secure_cookies))
            .layer(middleware::from_fn_with_state(origins.clone(), csrf::protect))
            .layer(middleware::from_fn_with_state(origins, origins::check_host))
            .layer(middleware::from_fn_with_state(
                Arc::new(TrustedProxies::new(config.trusted_proxies.clone())),
                client_address::resolve,
            ));
        for (name, value) in security_headers::headers(&config.dist_dir, config.behind_tls()) {
            router = router.layer(SetResponseHeaderLayer::overriding(name, value));
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
        })
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
    /// gives requests in flight [`GRACE`] to finish, and closes the database
    /// so every committed write is on disk.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let sweeper = expiry::sweep_every(expiry::EVERY, self.db.clone(), self.clock.clone());
        let judge = evaluation::sweep_every(
            evaluation::SWEEP_EVERY,
            self.db.clone(),
            self.clock.clone(),
            self.policies.clone(),
        );
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
        // Connections still held by requests cut off after the grace do not
        // keep the process from stopping.
        if tokio::time::timeout(GRACE, self.db.close()).await.is_err() {
            tracing::warn!("database connections still in use {GRACE:?} after the stop: leaving them");
        }
        Ok(())
    }
}
