use std::{net::SocketAddr, path::PathBuf};

use clap::Parser;

/// Flags, each also readable from the environment.
#[derive(Debug, Clone, Parser)]
#[command(name = "portal-server", version, about = "Company Portal enrollment API")]
pub struct Config {
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, env = "PORTAL_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// `sqlite://PATH` (created on first start).
    #[arg(long, env = "PORTAL_DATABASE_URL", default_value = "sqlite://data/portal.db")]
    pub database_url: String,

    /// The built portal (trunk's output) to serve.
    #[arg(long, env = "PORTAL_DIST_DIR", default_value = "dist")]
    pub dist_dir: PathBuf,

    /// Seed demo users and devices. Refused unless listening on loopback.
    #[arg(long, env = "PORTAL_DEMO")]
    pub demo: bool,

    /// Mark the session cookie Secure: set when a TLS proxy fronts the server.
    #[arg(long, env = "PORTAL_SECURE_COOKIES")]
    pub secure_cookies: bool,
}

impl Config {
    /// A configuration for tests: loopback, a free port, the given database.
    pub fn for_tests(database_url: String) -> Self {
        Self {
            bind: "127.0.0.1:0".parse().unwrap(),
            database_url,
            dist_dir: PathBuf::from("dist"),
            demo: false,
            secure_cookies: false,
        }
    }
}
