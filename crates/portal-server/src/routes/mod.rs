//! The JSON API under `/api/v1`. Each resource owns its router; every route is
//! registered through utoipa so the OpenAPI document cannot miss one.

mod auth;
mod catalog;
mod catalog_admin;
mod commands;
mod device_api;
mod devices;
pub(crate) mod enrollment;
mod events;
mod health;
mod help;
mod openapi;
mod security;

use std::sync::Arc;

use axum::{Extension, Router, routing::any};
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;

use crate::{error::AppError, state::AppState};

pub use openapi::ApiDoc;

pub fn api() -> Router<AppState> {
    let (router, document) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(health::router())
        .merge(auth::router())
        .merge(devices::router())
        .merge(commands::router())
        .merge(enrollment::router())
        .merge(device_api::router())
        .merge(events::router())
        .merge(security::router())
        .merge(catalog::router())
        .merge(catalog_admin::router())
        .merge(help::router())
        .merge(openapi::router())
        .split_for_parts();
    router
        .layer(Extension(Arc::new(document)))
        // Unknown API paths answer in the API's error shape, not with the portal.
        .route("/api/{*rest}", any(|| async { AppError::NotFound }))
}
