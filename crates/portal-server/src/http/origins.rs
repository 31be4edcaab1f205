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
        if let Some(origin) = public_url.and_then(origin_of) {
            origins.push(origin);
        }
        if bound.ip().is_loopback() {
            let port = bound.port();
            for host in ["localhost".to_string(), "127.0.0.1".into(), "[::1]".into()] {
                origins.push(format!("{scheme}://{host}:{port}"));
            }
        } else if public_url.is_none() && !bound.ip().is_unspecified() {
            origins.push(format!("{scheme}://{bound}"));
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

    pub fn allows_host(&self, host: &str) -> bool {
        !self.checked() || self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
    }

    pub fn allows_origin(&self, origin: &str) -> bool {
        if !self.checked() {
            return true;
        }
        self.origins.iter().any(|o| o.eq_ignore_ascii_case(origin))
    }
}

/// `scheme://host:port` of a URL, lowercase, without its path.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split('/').next().filter(|a| !a.is_empty())?;
    Some(format!("{scheme}://{authority}").to_ascii_lowercase())
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
    if !is_device_api(path) && !host_of(&request).is_some_and(|host| origins.allows_host(host)) {
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
        assert!(origins.allows_origin("https://portal.example.com"));
        assert!(origins.allows_origin("http://localhost:8080"));
        assert!(!origins.allows_origin("http://portal.example.com"), "scheme counts");
        assert!(!origins.allows_origin("https://localhost:8080"), "scheme counts");
    }

    #[test]
    fn a_wildcard_address_without_a_public_url_cannot_know_its_names() {
        let origins = Origins::new(None, "0.0.0.0:8080".parse().unwrap(), "http");
        assert!(!origins.checked());
        assert!(origins.allows_host("anything:8080"));
        let named = Origins::new(
            Some("https://portal.example.com"),
            "0.0.0.0:8080".parse().unwrap(),
            "https",
        );
        assert!(!named.allows_host("10.0.0.5:8080"));
    }
}
