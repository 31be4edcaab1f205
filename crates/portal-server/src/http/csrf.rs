//! Cross-site request forgery: a state-changing request to the cookie-
//! authenticated API must carry the portal's custom header (which a foreign
//! page cannot send without a CORS preflight this server never grants), and
//! an `Origin`, when the browser sends one, must be this server's, scheme
//! and all.

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    http::{Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::http::{
    error::AppError,
    origins::{Origins, host_of, is_device_api},
};

pub const HEADER: &str = "x-requested-with";

pub async fn protect(State(origins): State<Arc<Origins>>, request: Request, next: Next) -> Response {
    if needs_proof(request.method(), request.uri().path()) && !has_proof(&request, &origins) {
        tracing::warn!(path = request.uri().path(), "refused a request without CSRF proof");
        return AppError::refused(
            StatusCode::FORBIDDEN,
            "csrf",
            "This request did not come from the portal.",
        )
        .into_response();
    }
    next.run(request).await
}

fn needs_proof(method: &Method, path: &str) -> bool {
    let safe = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    // Devices authenticate by signature, and the on-premises manager by its
    // sync token, not by cookie: nothing to forge.
    !safe && path.starts_with("/api/") && !is_device_api(path) && path != crate::inventory::routes::SYNC_PATH
}

fn has_proof(request: &Request, origins: &Origins) -> bool {
    let headers = request.headers();
    if headers.get(HEADER).is_none_or(|v| v.is_empty()) {
        return false;
    }
    match headers.get(header::ORIGIN) {
        None => true,
        Some(origin) => origin
            .to_str()
            .is_ok_and(|origin| origins.allows_origin(origin, host_of(request))),
    }
}

#[cfg(test)]
mod tests {
    use super::needs_proof;
    use axum::http::Method;

    #[test]
    fn only_state_changes_to_the_cookie_api_need_proof() {
        assert!(needs_proof(&Method::POST, "/api/v1/auth/sign-in"));
        assert!(needs_proof(&Method::DELETE, "/api/v1/devices/1"));
        assert!(!needs_proof(&Method::GET, "/api/v1/devices"));
        assert!(!needs_proof(&Method::POST, "/api/v1/enroll"));
        assert!(!needs_proof(&Method::POST, "/api/v1/device/check-in"));
        assert!(!needs_proof(&Method::POST, "/not-api"));
    }
}
