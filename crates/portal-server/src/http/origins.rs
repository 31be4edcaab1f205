//! The names this server answers to: its public URL's, and on a loopback
//! address the loopback names. A browser request naming another host is
//! refused, so a page whose DNS name was rebound to this address (a
//! loopback demo with well-known passwords) gets nothing; and an `Origin`
//! must be one of these, scheme and all.

use std::net::SocketAddr;

use axum::{
    extract::{Request, State},
    http::{StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::http::error::AppError;

#[derive(Debug, Clone)]
pub struct Origins {
    /// `host:port` as browsers send it, lowercase; empty: not checked.
    hosts: Vec<String>,
    /// `scheme://host:port`, lowercase.
    origins: Vec<String>,
}

impl Origins {
    /// `public_url` as configured (None: the listening address), `scheme`
    /// the listener's.
    pub fn new(public_url: Option<&str>, bound: SocketAddr, scheme: &str) -> Self {
        let mut origins = Vec::new();
        if let Some(origin) = public_url.and_then(|url| {
            let (scheme, rest) = url.split_once("://")?;
            normal_origin(scheme, rest.split('/').next().filter(|a| !a.is_empty())?)
        }) {
            origins.push(origin);
        }
        if bound.ip().is_loopback() {
            let port = bound.port();
            for host in ["localhost", "127.0.0.1", "[::1]"] {
                origins.extend(normal_origin(scheme, &format!("{host}:{port}")));
            }
        } else if public_url.is_none() && !bound.ip().is_unspecified() {
            origins.extend(normal_origin(scheme, &bound.to_string()));
        }
        let hosts = origins
            .iter()
            .filter_map(|origin| origin.split_once("://").map(|(_, host)| host.to_string()))
            .collect();
        Self { hosts, origins }
    }

    /// Whether names are checked at all: not on a wildcard address without
    /// a public URL, where any name may be the right one.
    pub fn checked(&self) -> bool {
        !self.hosts.is_empty()
    }

    /// A `Host` names this server, its default port said or not.
    pub fn allows_host(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        let bare = host
            .strip_suffix(":80")
            .or_else(|| host.strip_suffix(":443"))
            .unwrap_or(&host);
        !self.checked() || self.hosts.iter().any(|h| *h == host || h == bare)
    }

    /// An `Origin` is this server's, scheme and all; where the server cannot
    /// know its names, one naming the `Host` the request was sent to.
    pub fn allows_origin(&self, origin: &str, host: Option<&str>) -> bool {
        let Some(origin) = origin
            .split_once("://")
            .and_then(|(scheme, rest)| normal_origin(scheme, rest))
        else {
            return false;
        };
        if !self.checked() {
            let host = host.map(str::to_ascii_lowercase);
            return origin.split_once("://").map(|(_, h)| h) == host.as_deref();
        }
        self.origins.contains(&origin)
    }
}

/// `scheme://host[:port]`, lowercase, the scheme's default port left out
/// (as browsers send it).
fn normal_origin(scheme: &str, authority: &str) -> Option<String> {
    let (scheme, authority) = (scheme.to_ascii_lowercase(), authority.to_ascii_lowercase());
    if authority.is_empty() || authority.contains('/') {
        return None;
    }
    let default = match scheme.as_str() {
        "http" => ":80",
        "https" => ":443",
        _ => "",
    };
    let authority = match authority.strip_suffix(default) {
        Some(bare) if !default.is_empty() => bare.to_string(),
        _ => authority,
    };
    Some(format!("{scheme}://{authority}"))
}

/// The host a request names: `Host`, or the authority of an HTTP/2 request.
pub fn host_of(request: &Request) -> Option<&str> {
    request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| request.uri().authority().map(|a| a.as_str()))
}

/// Devices authenticate by signature and may come through any name (a load
/// balancer's, a tunnel's): nothing a rebound page could use.
pub fn is_device_api(path: &str) -> bool {
    path == "/api/v1/enroll" || path.starts_with("/api/v1/device/")
}

pub async fn check_host(State(origins): State<std::sync::Arc<Origins>>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    // The health check comes from load balancers by address, not by name.
    let exempt = is_device_api(path) || path == "/api/v1/health";
    if !exempt && !host_of(&request).is_some_and(|host| origins.allows_host(host)) {
        tracing::warn!(host = host_of(&request), path, "refused a request for another host");
        return AppError::refused(
            StatusCode::MISDIRECTED_REQUEST,
            "unknown_host",
            "This server does not answer to that name: use the portal's own address.",
        )
        .into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::Origins;

    #[test]
    fn a_loopback_server_answers_to_its_loopback_names_and_public_url_only() {
        let origins = Origins::new(
            Some("https://Portal.example.com/company"),
            "127.0.0.1:8080".parse().unwrap(),
            "http",
        );
        assert!(origins.allows_host("portal.example.com"));
        assert!(origins.allows_host("LOCALHOST:8080"));
        assert!(origins.allows_host("127.0.0.1:8080"));
        assert!(!origins.allows_host("127.0.0.1:9999"));
        assert!(!origins.allows_host("rebound.example:8080"));
        assert!(origins.allows_origin("https://portal.example.com", None));
        assert!(origins.allows_origin("http://localhost:8080", None));
        assert!(
            !origins.allows_origin("http://portal.example.com", None),
            "scheme counts"
        );
        assert!(!origins.allows_origin("https://localhost:8080", None), "scheme counts");
    }

    #[test]
    fn default_ports_are_the_same_name_said_or_not() {
        let origins = Origins::new(
            Some("https://portal.example.com:443"),
            "0.0.0.0:8443".parse().unwrap(),
            "https",
        );
        assert!(origins.allows_host("portal.example.com"));
        assert!(origins.allows_host("portal.example.com:443"));
        assert!(origins.allows_origin("https://portal.example.com", None));
        assert!(origins.allows_origin("https://portal.example.com:443", None));
        let on_80 = Origins::new(None, "127.0.0.1:80".parse().unwrap(), "http");
        assert!(on_80.allows_host("localhost") && on_80.allows_origin("http://localhost", None));
    }

    #[test]
    fn a_wildcard_address_without_a_public_url_cannot_know_its_names() {
        let origins = Origins::new(None, "0.0.0.0:8080".parse().unwrap(), "http");
        assert!(!origins.checked());
        assert!(origins.allows_host("anything:8080"));
        // The Origin must still name the host the request went to.
        assert!(origins.allows_origin("http://anything:8080", Some("anything:8080")));
        assert!(!origins.allows_origin("http://attacker.example", Some("anything:8080")));
        let named = Origins::new(
            Some("https://portal.example.com"),
            "0.0.0.0:8080".parse().unwrap(),
            "https",
        );
        assert!(!named.allows_host("10.0.0.5:8080"));
    }
}
