use std::sync::Arc;

use axum::{Extension, Json};
use utoipa::openapi::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::state::AppState;

#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "Company Portal enrollment API", description = "Self-service device management: sign-in, devices, enrollment."),
    tags(
        (name = "health", description = "Liveness"),
        (name = "auth", description = "Signing in and out"),
        (name = "devices", description = "The signed-in user's devices"),
        (name = "commands", description = "Remote actions on a device and their timelines"),
        (name = "enrollment", description = "Adding a device: restrictions and one-time codes"),
        (name = "device", description = "The device side: enrollment and signed requests"),
        (name = "events", description = "Live changes for the portal"),
        (name = "security", description = "The second factor and recovery codes"),
        (name = "meta", description = "This document"),
    )
)]
pub struct ApiDoc;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(openapi_json))
}

/// The OpenAPI 3 document describing every route of this API.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json")))]
async fn openapi_json(Extension(document): Extension<Arc<OpenApi>>) -> Json<OpenApi> {
    Json(document.as_ref().clone())
}
