use std::{net::SocketAddr, path::PathBuf};

use clap::Parser;

use crate::policies::rules::ProvisioningMode;

/// The longest a remote action may wait for its device: a year, far from
/// where adding it to a date could overflow.
pub const MAX_COMMAND_TTL_HOURS: u32 = 365 * 24;

/// Flags, each also readable from the environment.
#[derive(Debug, Clone, Parser)]
#[command(name = "portal-server", version, about = "Company Portal enrollment API")]
pub struct Config {
    /// Instead of serving, do this and exit.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Address to listen on; port 0 picks a free one.
    #[arg(long, env = "PORTAL_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// `sqlite://PATH` (created on first start).
    #[arg(long, env = "PORTAL_DATABASE_URL", default_value = "sqlite://data/portal.db")]
    pub database_url: String,

    /// PostgreSQL connections this node opens at most; by default twice its
    /// cores and two (more only queue on the database's cores: measured).
    #[arg(long, env = "PORTAL_DATABASE_CONNECTIONS")]
    pub database_connections: Option<u32>,

    /// Where the device CA's key and certificate live (created on first start).
    #[arg(long, env = "PORTAL_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// 32 bytes, base64: seals secrets kept at rest. Without it, a key file is
    /// created in the data directory.
    #[arg(long, env = "PORTAL_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,

    /// How the organisation runs device management; decides the platforms offered.
    #[arg(long, env = "PORTAL_PROVISIONING_MODE", value_enum, default_value = "standalone")]
    pub provisioning_mode: ProvisioningMode,

    /// A TOML file overriding the enrollment restrictions and compliance policy.
    #[arg(long, env = "PORTAL_POLICY_FILE")]
    pub policy_file: Option<PathBuf>,

    /// The address devices use to reach this server, shown in the enrollment
    /// command; defaults to the listening address.
    #[arg(long, env = "PORTAL_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// How long a remote action waits for its device before it expires (at most a year).
    #[arg(long, env = "PORTAL_COMMAND_TTL_HOURS", default_value_t = 7 * 24,
          value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_COMMAND_TTL_HOURS)))]
    pub command_ttl_hours: u32,

    /// The built portal (trunk's output) to serve.
    #[arg(long, env = "PORTAL_DIST_DIR", default_value = "dist")]
    pub dist_dir: PathBuf,

    /// Seed demo users and devices. Refused unless listening on loopback.
    #[arg(long, env = "PORTAL_DEMO")]
    pub demo: bool,

    /// With --demo: this many more devices, over users fleet-NNNNN@example.com,
    /// to see All devices at an organisation's size.
    #[arg(long, env = "PORTAL_DEMO_FLEET", requires = "demo", default_value_t = 0)]
    pub demo_fleet: usize,

    /// Serve HTTPS with this certificate chain (PEM); needs --tls-key.
    #[arg(long, env = "PORTAL_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// The private key (PEM) of --tls-cert.
    #[arg(long, env = "PORTAL_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Serve the gateway to published apps here (HTTPS, with --tls-cert, or
    /// on loopback a self-signed certificate kept in the data directory).
    #[arg(long, env = "PORTAL_GATEWAY_BIND")]
    pub gateway_bind: Option<SocketAddr>,

    /// The gateway's address as browsers reach it; defaults to https:// and
    /// its listening address.
    #[arg(long, env = "PORTAL_GATEWAY_PUBLIC_URL", requires = "gateway_bind")]
    pub gateway_public_url: Option<String>,

    /// Publish an app through the gateway at start, NAME=PREFIX=URL (as
    /// Expenses=/expenses/=http://10.0.0.5:8000), reached by a registered,
    /// compliant device of a signed-in user; repeat for several.
    #[arg(
        long = "publish",
        env = "PORTAL_PUBLISH",
        value_delimiter = ',',
        requires = "gateway_bind"
    )]
    pub publish: Vec<String>,

    /// A CA certificate (PEM) that https:// upstreams' certificates may
    /// chain to, besides the public roots: the organisation's own; repeat
    /// for several.
    #[arg(
        long = "upstream-ca",
        env = "PORTAL_UPSTREAM_CAS",
        value_delimiter = ',',
        requires = "gateway_bind"
    )]
    pub upstream_cas: Vec<PathBuf>,

    /// A proxy (an address or a network, e.g. 10.0.0.0/8; repeat the flag
    /// for several) whose X-Forwarded-For names the client: sign-in limits
    /// and the audit log then count the client's address, not the proxy's.
    #[arg(long = "trusted-proxy", env = "PORTAL_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<crate::http::client_address::Network>,

    /// A proxy (an address or a network; repeat the flag for several) that
    /// checks browsers' client certificates and passes the one it verified
    /// in `X-Client-Certificate`, always replacing whatever the browser sent:
    /// `GET /api/v1/access/check` believes that header from these alone.
    #[arg(
        long = "certificate-proxy",
        env = "PORTAL_CERTIFICATE_PROXIES",
        value_delimiter = ','
    )]
    pub certificate_proxies: Vec<crate::http::client_address::Network>,

    /// Mark the session cookie Secure (and `__Host-`): implied by --tls-cert;
    /// set it when a TLS proxy fronts the server.
    #[arg(long, env = "PORTAL_SECURE_COOKIES")]
    pub secure_cookies: bool,

    /// The IT help desk, as the Help page shows it.
    #[arg(long, env = "PORTAL_HELP_DESK_NAME", default_value = "IT help desk")]
    pub help_desk_name: String,
    #[arg(long, env = "PORTAL_HELP_DESK_PHONE")]
    pub help_desk_phone: Option<String>,
    #[arg(long, env = "PORTAL_HELP_DESK_EMAIL")]
    pub help_desk_email: Option<String>,
    /// An https:// address.
    #[arg(long, env = "PORTAL_HELP_DESK_WEBSITE")]
    pub help_desk_website: Option<String>,
    /// Opening hours, or anything else users should know.
    #[arg(long, env = "PORTAL_HELP_DESK_NOTE")]
    pub help_desk_note: Option<String>,
}

/// What the server does instead of serving.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Applies a snapshot of the on-premises inventory (JSON, or CSV when
    /// the name ends in .csv) to the database, printing progress, then the
    /// report as JSON. Over SQLite, stop the server first (or send the
    /// snapshot to POST /api/v1/admin/inventory-sync): SQLite is one node.
    InventorySync {
        file: PathBuf,
        /// A CSV file holds every device of the on-premises manager (JSON says so itself).
        #[arg(long)]
        full: bool,
        /// What a full CSV snapshot does to devices it no longer holds.
        #[arg(long, default_value = "stale", value_parser = ["stale", "remove"])]
        on_missing: String,
    },
}

impl Config {
    /// A configuration for tests: loopback, a free port, everything in `data_dir`.
    pub fn for_tests(data_dir: PathBuf) -> Self {
        Self {
            command: None,
            bind: "127.0.0.1:0".parse().unwrap(),
            database_url: format!("sqlite://{}", data_dir.join("portal.db").display()),
            database_connections: None,
            data_dir,
            secret_key: None,
            command_ttl_hours: 7 * 24,
            provisioning_mode: ProvisioningMode::Standalone,
            policy_file: None,
            public_url: None,
            dist_dir: PathBuf::from("dist"),
            demo: false,
            demo_fleet: 0,
            secure_cookies: false,
            trusted_proxies: Vec::new(),
            certificate_proxies: Vec::new(),
            tls_cert: None,
            tls_key: None,
            gateway_bind: None,
            gateway_public_url: None,
            publish: Vec::new(),
            upstream_cas: Vec::new(),
            help_desk_name: "IT help desk".into(),
            help_desk_phone: None,
            help_desk_email: None,
            help_desk_website: None,
            help_desk_note: None,
        }
    }

    pub fn help_desk(&self) -> portal_types::HelpDesk {
        portal_types::HelpDesk {
            name: self.help_desk_name.clone(),
            phone: self.help_desk_phone.clone(),
            email: self.help_desk_email.clone(),
            website: self.help_desk_website.clone(),
            note: self.help_desk_note.clone(),
        }
    }
}

impl Config {
    /// Whether browsers reach the server over TLS, here or at a proxy.
    pub fn behind_tls(&self) -> bool {
        self.secure_cookies || self.tls_cert.is_some()
    }
}
