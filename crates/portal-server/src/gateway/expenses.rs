//! Expenses: the demo's sample corporate web app. It listens on loopback
//! only, so the gateway is the one way to it, and shows what the gateway
//! told it about the visitor.

use std::net::SocketAddr;

use axum::{
    Router,
    http::{HeaderMap, header},
    response::IntoResponse,
    routing::get,
};
use tokio::{net::TcpListener, task::JoinHandle};

use super::{
    proxy::{COMPLIANCE, DEVICE, USER},
    refusal::escape,
};

/// The app's address, and the task serving it.
pub async fn start() -> anyhow::Result<(SocketAddr, JoinHandle<()>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let app = Router::new().fallback(get(page));
    let task = tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::warn!(%error, "the Expenses sample app stopped");
        }
    });
    Ok((address, task))
}

async fn page(headers: HeaderMap) -> impl IntoResponse {
    let told = |name: &str| escape(headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("none"));
    let html = format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Expenses</title><style>body{{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:0 auto;padding:1rem}}table{{border-collapse:collapse;width:100%}}td,th{{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #ccc}}</style></head><body><h1>Expenses</h1><p>Signed in as <strong id="user">{user}</strong> on device <strong id="device">{device}</strong> ({compliance}).</p><table><caption>Your claims</caption><thead><tr><th>Date</th><th>What</th><th>Amount</th></tr></thead><tbody><tr><td>2026-11-24</td><td>Train to the Lyon office</td><td>€86.40</td></tr><tr><td>2026-11-25</td><td>Team lunch</td><td>€142.00</td></tr></tbody></table></body></html>"#,
        user = told(USER),
        device = told(DEVICE),
        compliance = told(COMPLIANCE),
    );
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html)
}
