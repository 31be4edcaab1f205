//! What every route shares (CSRF proof, security headers, the built portal's
//! files, the one error shape, health, help, the OpenAPI document), and the
//! JSON API under `/api/v1` merged from each feature's router. Every route is
//! registered through utoipa so the OpenAPI document cannot miss one.

pub mod client_address;
pub mod completion;
pub mod csrf;
pub mod error;
mod health;
mod help;
mod openapi;
pub mod origins;
pub mod revalidated;
pub mod security_headers;
pub mod sign_in_page;
pub mod static_files;
pub mod weighted;

use std::sync::Arc;

use axum::{
    Extension, Router,
    http::{HeaderValue, header},
    routing::any,
};
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;

use crate::{
    admin, branding, catalog, commands, devices, gateway, http::error::AppError, identity, inventory, live, policies,
    state::AppState, terms,
};

pub use openapi::ApiDoc;

pub fn api() -> Router<AppState> {
    let (router, document) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(health::router())
        .merge(identity::routes::router())
        .merge(identity::security::router())
        .merge(identity::passkeys::router())
        .merge(devices::routes::router())
        .merge(devices::enrollment::router())
        .merge(devices::device_api::router())
        .merge(commands::routes::router())
        .merge(live::routes::router())
        .merge(catalog::routes::router())
        .merge(catalog::admin::router())
        .merge(admin::fleet::router())
        .merge(admin::overview::router())
        .merge(admin::audit::router())
        .merge(admin::devices::router())
        .merge(policies::routes::router())
        .merge(terms::routes::router())
        .merge(branding::routes::router())
        .merge(gateway::routes::router())
        .merge(inventory::routes::router())
        .merge(help::router())
        .merge(openapi::router())
        .split_for_parts();
    let mut document = document;
    openapi::declare_malformed_input(&mut document);
    router
        // Unknown API paths answer in the API's error shape, not with the portal.
        .route("/api/{*rest}", any(|| async { AppError::NotFound }))
        .layer(Extension(Arc::new(document)))
        // Answers carry secrets (codes, recovery codes, TOTP secrets) and
        // personal data: no cache, shared or the browser's, keeps them.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}
