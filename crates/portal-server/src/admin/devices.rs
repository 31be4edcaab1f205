//! A device's admin page: what the organisation knows of one device, and
//! Retire and Reset device for the administrator, with the owner's guards
//! (a fresh sign-in, the name typed again) and a reason the owner reads.

use std::net::SocketAddr;

use axum::{
    Json,
    extract::{ConnectInfo, Path, State},
    http::StatusCode,
    response::Response,
};
use portal_types::{AdminActionRequest, AdminDevice, ApiError, Command, DeviceId, ManagedBy};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    admin::{admin_only, audit::entry},
    commands::{
        routes::{Requested, cancel_command, check_typed_name, remove_device, reset_device},
        rules,
    },
    db::AuditQuery,
    devices::owned::managed_on_premises,
    http::error::{ApiJson, AppError},
    identity::session::CurrentUser,
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(admin_device))
        .routes(routes!(admin_wipe))
        .routes(routes!(admin_retire))
        .routes(routes!(admin_cancel))
}

/// Entries of the device's audit trail its page shows.
const AUDIT_SHOWN: u32 = 100;

const REFUSED: &str = "Only IT administrators can manage other people's devices.";

/// The device named by the path and its owner (id, email, name), for an
/// administrator; 404 for no such device.
/// The device an administrator acts on, and its owner; refused for a device
/// the on-premises manager alone manages, as the owner's actions are.
async fn device_of(state: &AppState, caller: &CurrentUser, id: &str) -> Result<(Requested, String, String), AppError> {
    admin_only(caller, REFUSED)?;
    let device = id.parse().map(DeviceId).map_err(|_| AppError::NotFound)?;
    let (owner, email, name) = state.db.device_owner(device).await?.ok_or(AppError::NotFound)?;
    // A device without a portal user is one the on-premises inventory alone knows.
    let Some(owner) = owner else {
        return Err(managed_on_premises());
    };
    if state.db.device_manager(owner, device).await? == Some(ManagedBy::OnPremises) {
        return Err(managed_on_premises());
    }
    Ok((Requested::by_owner(owner, device), email, name))
}

/// A device's admin page: its inventory, certificate, owner, commands and audit trail.
#[utoipa::path(get, path = "/api/v1/admin/devices/{id}", tag = "admin",
    params(("id" = DeviceId, Path, description = "The device")),
    responses((status = 200, body = AdminDevice), (status = 401, body = ApiError),
        (status = 403, body = ApiError, description = "Not an administrator"), (status = 404, body = ApiError)))]
async fn admin_device(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<AdminDevice>, AppError> {
    admin_only(&caller, REFUSED)?;
    let device = id.parse().map(DeviceId).map_err(|_| AppError::NotFound)?;
    let (_, owner_email, owner_name) = state.db.device_owner(device).await?.ok_or(AppError::NotFound)?;
    let now = state.clock.now();
    let (detail, _) = state.db.device_detail(None, device).await?.ok_or(AppError::NotFound)?;
    let commands = state.db.commands_of(device, now).await?;
    let audit = state
        .db
        .audit_log(&AuditQuery {
            device: Some(device),
            limit: AUDIT_SHOWN,
            ..AuditQuery::default()
        })
        .await?;
    Ok(Json(AdminDevice {
        detail,
        owner_email,
        owner_name,
        commands,
        audit: audit.into_iter().map(entry).collect(),
    }))
}

/// The administrator's name and reason, once the request passes its checks.
fn checked(caller: &CurrentUser, request: &AdminActionRequest) -> Result<(String, String), AppError> {
    let errors = request.field_errors();
    if !errors.is_empty() {
        return Err(AppError::InvalidInput(errors));
    }
    Ok((caller.user.display_name.clone(), request.reason.trim().to_string()))
}

/// Reset device, by an administrator: as the owner's (fresh sign-in, name
/// typed again, three an hour for whoever asks), with a reason the owner reads.
#[utoipa::path(post, path = "/api/v1/admin/devices/{id}/wipe", tag = "admin", request_body = AdminActionRequest,
    params(("id" = DeviceId, Path, description = "The device")),
    responses((status = 202, body = Command), (status = 401, body = ApiError),
        (status = 403, body = ApiError, description = "Not an administrator, or sign in again first"),
        (status = 404, body = ApiError),
        (status = 409, body = ApiError, description = "Already wiped, a reset is under way, the device is registered only, or it is personal"),
        (status = 422, body = ApiError, description = "The typed name does not match, or no reason"),
        (status = 429, body = ApiError, description = "Three resets in the last hour; see Retry-After")))]
async fn admin_wipe(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    caller: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<AdminActionRequest>,
) -> Result<(StatusCode, Json<Command>), AppError> {
    let (mut requested, ..) = device_of(&state, &caller, &id).await?;
    requested.admin = Some(checked(&caller, &request)?);
    let (detail, _) = state
        .db
        .device_detail(None, requested.device)
        .await?
        .ok_or(AppError::NotFound)?;
    if !rules::administrator_may_reset(detail.device.ownership) {
        return Err(AppError::refused(
            StatusCode::CONFLICT,
            "personal_device",
            "A personal device is its owner's to reset: retire it to take the organisation's apps and data off it.",
        ));
    }
    let command = reset_device(&state, &caller, client, requested, &request.device_name).await?;
    Ok((StatusCode::ACCEPTED, Json(command)))
}

/// Retire (Remove device), by an administrator: the name typed again and a
/// reason; the device takes corporate apps and data off itself, then leaves.
#[utoipa::path(post, path = "/api/v1/admin/devices/{id}/retire", tag = "admin", request_body = AdminActionRequest,
    params(("id" = DeviceId, Path, description = "The device")),
    responses((status = 202, body = Command), (status = 204, description = "Removed at once: the device had been reset, or was registered only"),
        (status = 401, body = ApiError),
        (status = 403, body = ApiError, description = "Not an administrator, or sign in again first"),
        (status = 404, body = ApiError),
        (status = 409, body = ApiError, description = "A reset or a removal of the device is on its way"),
        (status = 422, body = ApiError, description = "The typed name does not match, or no reason")))]
async fn admin_retire(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    caller: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<AdminActionRequest>,
) -> Result<Response, AppError> {
    let (mut requested, ..) = device_of(&state, &caller, &id).await?;
    requested.admin = Some(checked(&caller, &request)?);
    check_typed_name(&state, &requested, &request.device_name).await?;
    remove_device(&state, &caller, client, requested).await
}

/// Cancels a command on the device (an administrator's Reset, say) that the
/// device has not taken yet.
#[utoipa::path(post, path = "/api/v1/admin/devices/{id}/commands/{command}/cancel", tag = "admin",
    params(("id" = DeviceId, Path, description = "The device"), ("command" = portal_types::CommandId, Path, description = "The command")),
    responses((status = 200, body = Command), (status = 401, body = ApiError),
        (status = 403, body = ApiError, description = "Not an administrator"), (status = 404, body = ApiError),
        (status = 409, body = ApiError, description = "The device has already taken it")))]
async fn admin_cancel(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    caller: CurrentUser,
    Path((id, command)): Path<(String, String)>,
) -> Result<Json<Command>, AppError> {
    let (requested, ..) = device_of(&state, &caller, &id).await?;
    cancel_command(&state, &caller, client, requested.device, &command, true)
        .await
        .map(Json)
}
