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
        (name = "security", description = "The second factor, recovery codes and passkeys"),
        (name = "branding", description = "The organisation's name, colours, logo, privacy statement and help desk"),
        (name = "gateway", description = "Corporate web apps published through the gateway, and its sign-in hand-off"),
        (name = "meta", description = "This document"),
    )
)]
pub struct ApiDoc;

/// Declares what any operation taking a body or query parameters may answer:
/// 400 when they are not of the documented shape (the extractors refuse
/// them before the handler runs), in the one error shape.
pub fn declare_malformed_input(document: &mut OpenApi) {
    use utoipa::openapi::{RefOr, ResponseBuilder, content::ContentBuilder, path::ParameterIn};
    let refusal = || {
        ResponseBuilder::new()
            .description("The body or the query is not of the documented shape")
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(utoipa::openapi::Ref::from_schema_name("ApiError")))
                    .build(),
            )
            .build()
    };
    for item in document.paths.paths.values_mut() {
        let operations = [&mut item.get, &mut item.post, &mut item.put, &mut item.delete];
        for operation in operations.into_iter().flatten() {
            let takes_query = operation
                .parameters
                .iter()
                .flatten()
                .any(|p| matches!(p.parameter_in, ParameterIn::Query));
            if operation.request_body.is_some() || takes_query {
                operation
                    .responses
                    .responses
                    .entry("400".into())
                    .or_insert_with(|| RefOr::T(refusal()));
            }
        }
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(openapi_json))
}

/// The OpenAPI 3 document describing every route of this API.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json")))]
async fn openapi_json(Extension(document): Extension<Arc<OpenApi>>) -> Json<OpenApi> {
    Json(document.as_ref().clone())
}
