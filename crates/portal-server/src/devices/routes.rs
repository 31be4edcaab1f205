use axum::{
    Json,
    extract::{Path, State},
};
use portal_types::{ApiError, ComplianceState, DeviceDetail, DeviceId, DevicesResponse};
use time::format_description::well_known::Rfc3339;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{http::error::AppError, identity::session::CurrentUser, state::AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_devices))
        .routes(routes!(device_detail))
}

/// The caller's own devices; nobody else's are ever listed.
#[utoipa::path(get, path = "/api/v1/devices", tag = "devices",
    responses((status = 200, body = DevicesResponse), (status = 401, body = ApiError)))]
async fn list_devices(State(state): State<AppState>, caller: CurrentUser) -> Result<Json<DevicesResponse>, AppError> {
    let devices = state.db.devices_of(caller.user.id).await?;
    Ok(Json(DevicesResponse { devices }))
}

/// One of the caller's devices, with its compliance reasons and certificate.
#[utoipa::path(get, path = "/api/v1/devices/{id}", tag = "devices",
    params(("id" = DeviceId, Path, description = "The device")),
    responses(
        (status = 200, body = DeviceDetail),
        (status = 401, body = ApiError),
        (status = 404, body = ApiError, description = "No such device among the caller's"),
    ))]
async fn device_detail(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<DeviceDetail>, AppError> {
    // A malformed id is just another device the caller does not have.
    let id = id.parse().map(DeviceId).map_err(|_| AppError::NotFound)?;
    let (mut detail, failing_since) = state
        .db
        .device_detail(Some(caller.user.id), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let policy = state.policies.current();
    // By the clock, as the gateway judges it: a grace period that ended
    // since the last check-in or sweep shows as Cannot access.
    let device = &mut detail.device;
    device.compliance = policy.state_now(
        device.compliance,
        &detail.compliance_reasons,
        failing_since,
        state.clock.now(),
    );
    if device.compliance == ComplianceState::OutOfCompliance {
        detail.compliance_deadline = failing_since
            .map(|since| since + policy.compliance.grace_period)
            .and_then(|deadline| deadline.format(&Rfc3339).ok());
    }
    let mode = policy.mode;
    detail.lock_not_offered = (!mode.offers_action(portal_types::CommandKind::Lock)).then(|| mode.not_offered("Lock"));
    Ok(Json(detail))
}
