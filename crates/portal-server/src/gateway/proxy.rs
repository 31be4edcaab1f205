//! Forwards a request to its app's upstream and the answer back, bodies
//! streamed both ways, an HTTP/1.1 upgrade (WebSocket) joined end to end.

use std::{net::SocketAddr, path::PathBuf, sync::Arc};

use anyhow::Context;

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

use super::{COOKIE, STATE_COOKIE, decision::Visitor};
use crate::identity::session;

pub type Upstreams = Client<hyper_rustls::HttpsConnector<HttpConnector>, Body>;

/// The client that reaches upstreams: plain http, or https verified against
/// the public roots and the organisation's own CAs (`cas`, PEM files).
pub fn client(cas: &[PathBuf]) -> anyhow::Result<Upstreams> {
    let mut roots = rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for path in cas {
        use rustls::pki_types::{CertificateDer, pem::PemObject};
        let certificates = CertificateDer::pem_file_iter(path)
            .and_then(Iterator::collect::<Result<Vec<_>, _>>)
            .with_context(|| format!("reading the upstream CA {}", path.display()))?;
        anyhow::ensure!(!certificates.is_empty(), "{} holds no certificate", path.display());
        for certificate in certificates {
            roots
                .add(certificate)
                .with_context(|| format!("a certificate of {}", path.display()))?;
        }
    }
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let mut http = HttpConnector::new();
    http.set_nodelay(true);
    http.enforce_http(false);
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    Ok(Client::builder(TokioExecutor::new()).build(connector))
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

/// Why a request could not be forwarded.
pub type Failure = Box<dyn std::error::Error + Send + Sync>;

/// Completes when the visitor may no longer reach the app.
pub type AccessEnds = std::pin::Pin<Box<dyn Future<Output = ()> + Send>>;

/// Sends `request` (whose path starts with `app.prefix`) on to the app. An
/// upgraded connection is joined until either end closes it or the future
/// `watch` makes, when asked, completes.
pub async fn forward(
    client: &Upstreams,
    app: &PublishedApp,
    mut request: Request<Body>,
    visitor: &Visitor,
    peer: SocketAddr,
    watch: impl FnOnce() -> AccessEnds,
) -> Result<Response<Body>, Failure> {
    let rest = &request.uri().path()[app.prefix.len()..];
    let query = request.uri().query().map(|q| format!("?{q}")).unwrap_or_default();
    let target: Uri = format!("{}/{rest}{query}", app.upstream).parse()?;
    // WebSocket alone: another protocol (h2c, say) would carry requests past the rule.
    let upgrade = request
        .headers()
        .get(header::UPGRADE)
        .filter(|protocol| protocol.as_bytes().eq_ignore_ascii_case(b"websocket"))
        .cloned();
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
    without_forged(headers);
    // The gateway is the edge: what it saw, not what the client says.
    set(headers, "x-forwarded-for", &peer.ip().to_string());
    set(headers, "x-forwarded-proto", "https");
    if let Some(host) = host {
        headers.insert(HeaderName::from_static("x-forwarded-host"), host);
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
        let access_ends = watch();
        tokio::spawn(async move {
            let (Ok(client), Ok(upstream)) = tokio::join!(from_client, from_upstream) else {
                return;
            };
            let (mut client, mut upstream) = (TokioIo::new(client), TokioIo::new(upstream));
            // Dropping both ends closes them: a tunnel lasts no longer than the access that opened it.
            tokio::select! {
                _ = tokio::io::copy_bidirectional(&mut client, &mut upstream) => {}
                () = access_ends => {}
            }
        });
        return Ok(response.map(Body::new));
    }
    without_hop_by_hop(response.headers_mut());
    response.headers_mut().remove(header::UPGRADE);
    without_own_cookies_set(response.headers_mut());
    Ok(response.map(Body::new))
}

/// Drops what only the gateway may say, however the client spells it
/// (`X_Portal_User` reaches a CGI-style app as the same header), and the
/// client's own claims about where it is.
fn without_forged(headers: &mut HeaderMap) {
    let forged: Vec<HeaderName> = headers
        .keys()
        .filter(|name| {
            let name = name.as_str().replace('_', "-");
            name.starts_with("x-portal-")
                || matches!(
                    name.as_str(),
                    "forwarded" | "x-forwarded-for" | "x-forwarded-host" | "x-forwarded-proto" | "x-real-ip"
                )
        })
        .cloned()
        .collect();
    for name in forged {
        headers.remove(name);
    }
}

/// An app may set its own cookies, never the portal's or the gateway's
/// (which would fix a session on whoever opens it).
fn without_own_cookies_set(headers: &mut HeaderMap) {
    let kept: Vec<HeaderValue> = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter(|cookie| {
            let name = cookie
                .to_str()
                .ok()
                .and_then(|c| c.split_once('='))
                .map(|(name, _)| name.trim());
            !name.is_some_and(|name| OWN_COOKIES.contains(&name))
        })
        .cloned()
        .collect();
    headers.remove(header::SET_COOKIE);
    for cookie in kept {
        headers.append(header::SET_COOKIE, cookie);
    }
}

/// The portal's and the gateway's cookies.
const OWN_COOKIES: [&str; 4] = [
    COOKIE,
    STATE_COOKIE,
    session::cookie_name(true),
    session::cookie_name(false),
];

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

/// The gateway's cookies are the gateway's, and the portal's the portal's
/// (sent here too where both share a host): the upstream sees none of them.
fn strip_own_cookies(headers: &mut HeaderMap) {
    let kept: Vec<String> = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(str::trim)
        .filter(|pair| {
            let name = pair.split_once('=').map_or(*pair, |(name, _)| name);
            !pair.is_empty() && !OWN_COOKIES.contains(&name)
        })
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

    #[test]
    fn forged_claims_go_however_spelled_and_an_app_sets_none_of_our_cookies() {
        let mut headers = HeaderMap::new();
        for name in [
            "x_portal_user",
            "X-Portal-Device",
            "x-portal-anything",
            "forwarded",
            "x-real-ip",
            "x-forwarded-for",
        ] {
            headers.insert(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_static("forged"),
            );
        }
        headers.insert("x-portal", HeaderValue::from_static("kept: not ours"));
        without_forged(&mut headers);
        assert_eq!(headers.len(), 1, "{headers:?}");

        let mut answer = HeaderMap::new();
        for cookie in [
            "__Host-cp_gateway=fixed; Path=/",
            "cp_session=fixed",
            "theme=dark; Path=/",
            "__Host-cp_gateway_state=x",
        ] {
            answer.append(header::SET_COOKIE, HeaderValue::from_static(cookie));
        }
        without_own_cookies_set(&mut answer);
        let left: Vec<_> = answer.get_all(header::SET_COOKIE).iter().collect();
        assert_eq!(left, ["theme=dark; Path=/"]);
    }
}
