use clap::Parser;
use portal_server::{
    config::{Command, Config},
    inventory,
    startup::Application,
    telemetry,
};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    telemetry::init();
    let config = Config::parse();
    if let Some(Command::InventorySync { file, full, on_missing }) = &config.command {
        let report = inventory::cli::run(&config, file, *full, on_missing).await?;
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    let app = Application::build(config).await?;
    // Scripts and tests read these lines to learn the addresses (the gateway's first).
    if let Some(gateway) = app.gateway_url() {
        println!("Company Portal gateway listening on {gateway}");
    }
    println!("Company Portal listening on {}", app.url());
    app.run_until_stopped(shutdown_signal()).await
}

/// Ctrl-C or SIGTERM: stop accepting, finish requests in flight, close the database.
async fn shutdown_signal() {
    let ctrl_c = async {
        tokio::signal::ctrl_c().await.expect("Ctrl-C handler");
    };
    #[cfg(unix)]
    let terminate = async {
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler")
            .recv()
            .await;
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
