use std::{future::Future, net::SocketAddr, sync::Arc};

use anyhow::Context;
use axum::{Router, middleware, serve::ListenerExt};
use axum_server::{Handle, accept::NoDelayAcceptor, tls_rustls::RustlsConfig};
use tokio::net::TcpListener;
use tower_http::{set_header::SetResponseHeaderLayer, trace::TraceLayer};

use crate::{
    catalog::seed,
    clock::{Clock, SystemClock},
    commands::expiry,
    config::Config,
    db::{self, Database},
    demo,
    devices::ca::DeviceCa,
    devices::policy::Policy,
    http,
    http::csrf,
    http::security_headers,
    http::static_files,
    identity::password::PasswordHasher,
    live::Events,
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
}

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
        let db = db::connect(&config.database_url, config.database_connections).await?;
        let state = AppState {
            db: db.clone(),
            clock: clock.clone(),
            passwords: PasswordHasher::new()?,
            secure_cookies: config.behind_tls(),
            policy: Arc::new(Policy::load(config.provisioning_mode, config.policy_file.as_deref())?),
            ca: Arc::new(DeviceCa::load_or_create(&config.data_dir)?),
            events: Events::new(db.clone()).await?,
            public_url: public_url.into(),
            sign_in_limits: Arc::new(SignInLimits::new(db.clone())),
            command_ttl: time::Duration::hours(config.command_ttl_hours.into()),
            wipe_limits: Arc::new(RateLimiter::new("reset", 3, time::Duration::hours(1), db.clone())),
            secrets: Arc::new(SecretBox::load(config.secret_key.as_deref(), &config.data_dir)?),
            help_desk: Arc::new(config.help_desk()),
        };
        shared_keys::check(&*state.db, &state.ca, &state.secrets).await?;
        if state.db.seed_catalog(&seed::apps(), state.clock.now()).await? {
            tracing::info!("wrote the starting app catalog");
        }
        if config.demo {
            demo::seed(&state).await.context("seeding demo data")?;
        }
        let mut router = Router::new()
            .merge(http::api())
            .with_state(state)
            .merge(static_files::router(&config.dist_dir))
            .layer(middleware::from_fn(csrf::protect));
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

    /// Serves until `shutdown` completes, lets requests in flight finish, then
    /// closes the database so every committed write is on disk.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let sweeper = expiry::sweep_every(expiry::EVERY, self.db.clone(), self.clock.clone());
        let service = self.router.into_make_service_with_connect_info::<SocketAddr>();
        match self.tls {
            None => {
                // Pushed commands and events are small writes: send each at
                // once rather than wait for the peer's delayed ACK (Nagle).
                let listener = self.listener.tap_io(|tcp| {
                    if let Err(error) = tcp.set_nodelay(true) {
                        tracing::debug!(%error, "cannot set TCP_NODELAY");
                    }
                });
                axum::serve(listener, service).with_graceful_shutdown(shutdown).await?
            }
            Some(tls) => {
                let handle = Handle::new();
                let stopper = handle.clone();
                tokio::spawn(async move {
                    shutdown.await;
                    stopper.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
                });
                axum_server::from_tcp_rustls(self.listener.into_std()?, tls)?
                    .map(|tls| tls.acceptor(NoDelayAcceptor::new()))
                    .handle(handle)
                    .serve(service)
                    .await?;
            }
        }
        sweeper.abort();
        self.db.close().await;
        Ok(())
    }
}
