//! The yardstick for `scripts/bench.sh`: a bare axum handler that answers
//! `GET /api/v1/devices` with the same JSON bytes from memory, nothing else.
//! Usage: bare_json FILE ADDRESS

use axum::{Router, http::header, routing::get};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(file), Some(address)) = (args.next(), args.next()) else {
        anyhow::bail!("usage: bare_json FILE ADDRESS");
    };
    let body: &'static [u8] = std::fs::read(file)?.leak();
    let app = Router::new().route(
        "/api/v1/devices",
        get(move || async move { ([(header::CONTENT_TYPE, "application/json")], body) }),
    );
    let listener = tokio::net::TcpListener::bind(&address).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
