//! The device-facing API: every request signed with the device's key.

use axum::{Json, extract::State};
use portal_types::{ApiError, CheckInRequest, CheckInResponse, LiveEvent};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{db::Compliance, device_auth::SignedDevice, error::AppError, state::AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(check_in))
}

/// The device reports its inventory; the compliance policy is evaluated anew.
#[utoipa::path(post, path = "/api/v1/device/check-in", tag = "device", request_body = CheckInRequest,
    responses(
        (status = 200, body = CheckInResponse),
        (status = 400, body = ApiError),
        (status = 401, body = ApiError, description = "Unsigned, badly signed, replayed, stale, or a revoked certificate"),
    ))]
async fn check_in(
    State(state): State<AppState>,
    request: SignedDevice<CheckInRequest>,
) -> Result<Json<CheckInResponse>, AppError> {
    let now = state.clock.now();
    let device = request.device;
    let inventory = request.body.inventory;
    let reasons = state.policy.evaluate(device.platform, &inventory);
    // The grace period runs from the first failing check-in, not the latest.
    let failing_since = (!reasons.is_empty()).then(|| device.failing_since.unwrap_or(now));
    let (compliance, _) = state.policy.state(&reasons, failing_since, now);
    let result = Compliance {
        state: compliance,
        reasons,
        failing_since,
    };
    state
        .db
        .record_check_in(device.device_id, &inventory, &result, now)
        .await?;
    state
        .events
        .publish(device.user_id, LiveEvent::device_updated(device.device_id));
    Ok(Json(CheckInResponse {
        compliance,
        reasons: result.reasons,
    }))
}
