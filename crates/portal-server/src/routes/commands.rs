//! Remote actions on one of the caller's devices, and their timelines.

use std::net::SocketAddr;

use axum::{
    Json,
    extract::{ConnectInfo, Path, State},
    http::{HeaderMap, StatusCode},
};
use portal_types::{
    ApiError, Command, CommandId, CommandKind, CommandState, CommandsResponse, DeviceId, FieldErrors, LiveEvent,
    LockRequest,
};
use time::Duration;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    db::{AuditEvent, NewCommand},
    error::{ApiJson, AppError},
    session::CurrentUser,
    state::AppState,
};

/// How long a command waits for its device before it expires.
pub const COMMAND_TIME_TO_LIVE: Duration = Duration::days(7);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(sync))
        .routes(routes!(lock))
        .routes(routes!(cancel))
}

/// The caller's device, or 404 whether it is somebody else's or nobody's.
async fn own_device(state: &AppState, caller: &CurrentUser, id: &str) -> Result<DeviceId, AppError> {
    let id = id.parse().map(DeviceId).map_err(|_| AppError::NotFound)?;
    if state.db.owns_device(caller.user.id, id).await? {
        Ok(id)
    } else {
        Err(AppError::NotFound)
    }
}

async fn queue(
    state: &AppState,
    caller: &CurrentUser,
    client: SocketAddr,
    headers: &HeaderMap,
    device_id: DeviceId,
    kind: CommandKind,
    lock: LockRequest,
) -> Result<(StatusCode, Json<Command>), AppError> {
    let now = state.clock.now();
    let idempotency_key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 128)
        .map(String::from);
    let command = state
        .db
        .queue_command(
            NewCommand {
                id: CommandId(uuid::Uuid::new_v4()),
                device_id,
                user_id: caller.user.id,
                kind,
                lock_message: lock.message,
                lock_phone: lock.phone,
                idempotency_key,
                requested_at: now,
                expires_at: now + COMMAND_TIME_TO_LIVE,
            },
            AuditEvent {
                at: now,
                actor: Some(caller.user.id),
                action: format!("{}_requested", kind.as_str()),
                subject: Some(device_id.to_string()),
                source: Some(client.ip().to_string()),
                outcome: "success".into(),
            },
        )
        .await?;
    state.events.wake(device_id);
    state
        .events
        .publish(caller.user.id, LiveEvent::command_updated(device_id));
    Ok((StatusCode::ACCEPTED, Json(command)))
}

/// The device's commands, newest first, each with its timeline.
#[utoipa::path(get, path = "/api/v1/devices/{id}/commands", tag = "commands",
    params(("id" = DeviceId, Path, description = "The device")),
    responses((status = 200, body = CommandsResponse), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn list(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<CommandsResponse>, AppError> {
    let device = own_device(&state, &caller, &id).await?;
    Ok(Json(CommandsResponse {
        commands: state.db.commands_of(device, state.clock.now()).await?,
    }))
}

/// Check status: asks the device to check in now.
#[utoipa::path(post, path = "/api/v1/devices/{id}/sync", tag = "commands",
    params(("id" = DeviceId, Path, description = "The device"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeats with the same key queue one command")),
    responses((status = 202, body = Command), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn sync(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    caller: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Command>), AppError> {
    let device = own_device(&state, &caller, &id).await?;
    queue(
        &state,
        &caller,
        client,
        &headers,
        device,
        CommandKind::Sync,
        LockRequest::default(),
    )
    .await
}

/// Locks the device, showing a message and a phone number on its lock screen.
#[utoipa::path(post, path = "/api/v1/devices/{id}/lock", tag = "commands", request_body = LockRequest,
    params(("id" = DeviceId, Path, description = "The device"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeats with the same key queue one command")),
    responses(
        (status = 202, body = Command),
        (status = 400, body = ApiError),
        (status = 401, body = ApiError),
        (status = 404, body = ApiError),
    ))]
async fn lock(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    caller: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<LockRequest>,
) -> Result<(StatusCode, Json<Command>), AppError> {
    let device = own_device(&state, &caller, &id).await?;
    let clean = |v: Option<String>| v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let (message, phone) = (clean(request.message), clean(request.phone));
    let mut errors = FieldErrors::default();
    if message
        .as_ref()
        .is_some_and(|m| m.chars().count() > 200 || m.chars().any(char::is_control))
    {
        errors.add("message", "Use at most 200 characters, on one line.");
    }
    if phone.as_ref().is_some_and(|p| {
        p.len() > 30
            || !p.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c))
            || !p.chars().any(|c| c.is_ascii_digit())
    }) {
        errors.add("phone", "Enter a phone number: digits, spaces, + - ( ) only.");
    }
    if !errors.is_empty() {
        return Err(AppError::InvalidInput(errors));
    }
    queue(
        &state,
        &caller,
        client,
        &headers,
        device,
        CommandKind::Lock,
        LockRequest { message, phone },
    )
    .await
}

/// Cancels a command the device has not taken yet.
#[utoipa::path(post, path = "/api/v1/devices/{id}/commands/{command}/cancel", tag = "commands",
    params(("id" = DeviceId, Path, description = "The device"), ("command" = CommandId, Path, description = "The command")),
    responses(
        (status = 200, body = Command),
        (status = 401, body = ApiError),
        (status = 404, body = ApiError),
        (status = 409, body = ApiError, description = "The device has already taken it"),
    ))]
async fn cancel(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    caller: CurrentUser,
    Path((id, command)): Path<(String, String)>,
) -> Result<Json<Command>, AppError> {
    let device = own_device(&state, &caller, &id).await?;
    let command = command.parse().map(CommandId).map_err(|_| AppError::NotFound)?;
    let now = state.clock.now();
    let cancelled = state
        .db
        .advance_command(
            device,
            command,
            &[CommandState::Requested],
            CommandState::Cancelled,
            None,
            now,
        )
        .await?;
    let Some(cancelled) = cancelled else {
        let exists = state
            .db
            .commands_of(device, now)
            .await?
            .into_iter()
            .any(|c| c.id == command);
        return Err(if exists {
            AppError::refused(
                StatusCode::CONFLICT,
                "too_late",
                "The device has already taken this command.",
            )
        } else {
            AppError::NotFound
        });
    };
    state
        .db
        .record_audit(AuditEvent {
            at: now,
            actor: Some(caller.user.id),
            action: format!("{}_cancelled", cancelled.kind.as_str()),
            subject: Some(device.to_string()),
            source: Some(client.ip().to_string()),
            outcome: "success".into(),
        })
        .await?;
    state.events.publish(caller.user.id, LiveEvent::command_updated(device));
    Ok(Json(cancelled))
}
