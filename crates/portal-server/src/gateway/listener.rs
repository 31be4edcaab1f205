//! The gateway's listener: TLS with the client's certificate kept per
//! connection, then HTTP/1.1 or HTTP/2 (and HTTP/1.1 upgrades) by hyper.

use std::{convert::Infallible, net::SocketAddr, sync::Arc, time::Duration};

use axum::body::Body;
use hyper::{Request, Response, body::Incoming, service::service_fn};
use hyper_util::{
    rt::{TokioExecutor, TokioIo},
    server::conn::auto,
};
use rustls::ServerConfig;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use super::Gateway;
use crate::{devices::ca::fingerprint, live::Stopping};

/// After a failed accept, how long before the next.
const ACCEPT_RETRY_AFTER: Duration = Duration::from_millis(100);

/// A client that has not finished its handshake by then is dropped.
const HANDSHAKE_WITHIN: Duration = Duration::from_secs(10);

/// What one connection brings to each of its requests.
pub struct Connection {
    pub peer: SocketAddr,
    /// SHA-256 of the client certificate the handshake verified, colon hex
    /// as the device certificates are stored.
    pub fingerprint: Option<String>,
}

/// Accepts connections until the server stops.
pub async fn serve(listener: TcpListener, tls: Arc<ServerConfig>, gateway: Arc<Gateway>, stopping: Stopping) {
    accept(listener, tls, stopping, move |request, connection| {
        let gateway = gateway.clone();
        async move { gateway.handle(request, &connection).await }
    })
    .await;
}

/// Accepts TLS connections until the server stops, each request answered by
/// `handle` with what its connection brought. Public for the benchmark's
/// bare proxy, which measures this path without the gateway's work.
pub async fn accept<H, F>(listener: TcpListener, tls: Arc<ServerConfig>, mut stopping: Stopping, handle: H)
where
    H: Fn(Request<Body>, Arc<Connection>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Response<Body>> + Send + 'static,
{
    let acceptor = TlsAcceptor::from(tls);
    loop {
        let (tcp, peer) = tokio::select! {
            () = stopping.wait() => return,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, say: a moment for some to close
                    // rather than a loop that only logs.
                    tracing::warn!(%error, "the gateway could not accept a connection");
                    tokio::time::sleep(ACCEPT_RETRY_AFTER).await;
                    continue;
                }
            },
        };
        let _ = tcp.set_nodelay(true);
        let (acceptor, handle) = (acceptor.clone(), handle.clone());
        tokio::spawn(async move {
            let stream = match tokio::time::timeout(HANDSHAKE_WITHIN, acceptor.accept(tcp)).await {
                Ok(Ok(stream)) => stream,
                Ok(Err(error)) => return tracing::debug!(%error, %peer, "gateway handshake failed"),
                Err(_) => return tracing::debug!(%peer, "gateway handshake timed out"),
            };
            let fingerprint = stream
                .get_ref()
                .1
                .peer_certificates()
                .and_then(<[_]>::first)
                .map(|certificate| fingerprint(certificate));
            let connection = Arc::new(Connection { peer, fingerprint });
            let service = service_fn(move |request: Request<Incoming>| {
                let answer = handle(request.map(Body::new), connection.clone());
                async move { Ok::<_, Infallible>(answer.await) }
            });
            if let Err(error) = auto::Builder::new(TokioExecutor::new())
                .serve_connection_with_upgrades(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!(%error, %peer, "gateway connection ended");
            }
        });
    }
}
