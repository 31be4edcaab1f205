use tracing_subscriber::{EnvFilter, fmt};

/// Logs to stderr, `info` by default, overridden by `RUST_LOG`.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}
