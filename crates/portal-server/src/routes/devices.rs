use axum::{Json, extract::State};
use portal_types::{ApiError, DevicesResponse};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{error::AppError, session::CurrentUser, state::AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_devices))
}

/// The caller's own devices; nobody else's are ever listed.
#[utoipa::path(get, path = "/api/v1/devices", tag = "devices",
    responses((status = 200, body = DevicesResponse), (status = 401, body = ApiError)))]
async fn list_devices(State(state): State<AppState>, caller: CurrentUser) -> Result<Json<DevicesResponse>, AppError> {
    let devices = state.db.devices_of(caller.user.id).await?;
    Ok(Json(DevicesResponse { devices }))
}
