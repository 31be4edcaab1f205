//! Forwards a request to its app's upstream and the answer back, bodies
//! streamed both ways, an HTTP/1.1 upgrade (WebSocket) joined end to end.

use std::net::SocketAddr;

use axum::body::Body;
use hyper::{
    HeaderMap, Request, Response, StatusCode, Uri, Version,
    header::{self, HeaderName, HeaderValue},
};
use hyper_util::{
    client::legacy::{Client, connect::HttpConnector},
    rt::{TokioExecutor, TokioIo},
};
use portal_types::PublishedApp;

use super::{COOKIE, decision::Visitor};
use crate::identity::session;

pub type Upstreams = Client<HttpConnector, Body>;

pub fn client() -> Upstreams {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    Client::builder(TokioExecutor::new()).build(connector)
}

/// What the gateway tells the upstream, which it alone may say.
pub const USER: &str = "x-portal-user";
pub const DEVICE: &str = "x-portal-device";
pub const COMPLIANCE: &str = "x-portal-compliance";

/// Headers about one hop only, never passed on (RFC 9110 §7.6.1).
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
];

/// Sends `request` (whose path starts with `app.prefix`) on to the app.
pub async fn forward(
    client: &Upstreams,
    app: &PublishedApp,
    mut request: Request<Body>,
    visitor: &Visitor,
    peer: SocketAddr,
) -> Result<Response<Body>, hyper_util::client::legacy::Error> {
    let rest = &request.uri().path()[app.prefix.len()..];
    let query = request.uri().query().map(|q| format!("?{q}")).unwrap_or_default();
    let target: Uri = format!("{}/{rest}{query}", app.upstream)
        .parse()
        .expect("a checked upstream and a request's own path and query make an address");
    let upgrade = request.headers().get(header::UPGRADE).cloned();
    let from_client = upgrade.is_some().then(|| hyper::upgrade::on(&mut request));
    let host = request.headers().get(header::HOST).cloned().or_else(|| {
        request
            .uri()
            .authority()
            .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
    });

    let (mut parts, body) = request.into_parts();
    parts.uri = target;
    parts.version = Version::HTTP_11;
    let headers = &mut parts.headers;
    without_hop_by_hop(headers);
    headers.remove(header::HOST);
    strip_own_cookies(headers);
    let forwarded_for = match headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
        Some(earlier) => format!("{earlier}, {}", peer.ip()),
        None => peer.ip().to_string(),
    };
    set(headers, "x-forwarded-for", &forwarded_for);
    set(headers, "x-forwarded-proto", "https");
    if let Some(host) = host {
        headers.insert(HeaderName::from_static("x-forwarded-host"), host);
    }
    for name in [USER, DEVICE, COMPLIANCE] {
        headers.remove(name);
    }
    for (name, value) in identity(visitor) {
        set(headers, name, &value);
    }
    if let Some(upgrade) = &upgrade {
        headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
        headers.insert(header::UPGRADE, upgrade.clone());
    }

    let mut response = client.request(Request::from_parts(parts, body)).await?;
    if response.status() == StatusCode::SWITCHING_PROTOCOLS
        && let Some(from_client) = from_client
    {
        let from_upstream = hyper::upgrade::on(&mut response);
        tokio::spawn(async move {
            let (Ok(client), Ok(upstream)) = tokio::join!(from_client, from_upstream) else {
                return;
            };
            let _ = tokio::io::copy_bidirectional(&mut TokioIo::new(client), &mut TokioIo::new(upstream)).await;
        });
        return Ok(response.map(Body::new));
    }
    without_hop_by_hop(response.headers_mut());
    response.headers_mut().remove(header::UPGRADE);
    Ok(response.map(Body::new))
}

/// What the gateway vouches for: the user, and their registered device.
pub fn identity(visitor: &Visitor) -> Vec<(&'static str, String)> {
    let mut told = Vec::new();
    if let Some(user) = &visitor.user {
        told.push((USER, user.email.clone()));
    }
    if let Some(device) = visitor.registered_device() {
        told.push((DEVICE, device.id.to_string()));
        told.push((COMPLIANCE, device.compliance.as_str().to_string()));
    }
    told
}

fn set(headers: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(HeaderName::from_static(name), value);
    }
}

/// Removes the hop-by-hop headers, those `Connection` names too, and `Upgrade`.
fn without_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named.iter().chain(&HOP_BY_HOP.map(HeaderName::from_static)) {
        headers.remove(name);
    }
    headers.remove(header::UPGRADE);
}

/// The gateway's session cookie is the gateway's, and the portal's the
/// portal's (sent here too where both share a host): the upstream sees neither.
fn strip_own_cookies(headers: &mut HeaderMap) {
    let own = [COOKIE, session::cookie_name(true), session::cookie_name(false)];
    let kept: Vec<String> = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(str::trim)
        .filter(|pair| !pair.is_empty() && !own.contains(&pair.split_once('=').map_or(*pair, |(name, _)| name)))
        .map(String::from)
        .collect();
    headers.remove(header::COOKIE);
    if !kept.is_empty()
        && let Ok(value) = HeaderValue::from_str(&kept.join("; "))
    {
        headers.insert(header::COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gateways_cookie_and_hop_by_hop_headers_stay_behind() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("theme=dark; __Host-cp_gateway=secret; cp_session=portal"),
        );
        headers.append(header::COOKIE, HeaderValue::from_static("lang=en"));
        headers.insert(header::CONNECTION, HeaderValue::from_static("keep-alive, x-private"));
        headers.insert("x-private", HeaderValue::from_static("1"));
        headers.insert("te", HeaderValue::from_static("trailers"));
        headers.insert("accept", HeaderValue::from_static("text/html"));
        strip_own_cookies(&mut headers);
        without_hop_by_hop(&mut headers);
        assert_eq!(headers.get(header::COOKIE).unwrap(), "theme=dark; lang=en");
        assert!(headers.get("x-private").is_none() && headers.get("te").is_none());
        assert!(headers.get(header::CONNECTION).is_none());
        assert_eq!(headers.get("accept").unwrap(), "text/html");
    }
}
