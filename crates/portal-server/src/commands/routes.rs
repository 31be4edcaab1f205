//! Remote actions on one of the caller's devices, and their timelines.

use std::net::SocketAddr;

use axum::{
    Json,
    extract::{ConnectInfo, Path, State},
    http::{HeaderMap, StatusCode},
};
use portal_types::{
    ActivityEntry, ActivityResponse, ApiError, Command, CommandId, CommandKind, CommandState, CommandsResponse,
    DeviceId, EnrollmentCodeRequest, FieldErrors, LockRequest, Ownership, Platform, RenameRequest, UserId, WipeRequest,
};
use time::format_description::well_known::Rfc3339;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    db::{Actor, AuditEvent, NewCommand, QueueOutcome, RemoveOutcome, StateChange, WipeOutcome},
    devices::owned::OwnedDevice,
    http::error::{ApiJson, AppError},
    identity::session::CurrentUser,
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(rename))
        .routes(routes!(wipe))
        .routes(routes!(remove))
        .routes(routes!(activity))
        .routes(routes!(list))
        .routes(routes!(sync))
        .routes(routes!(lock))
        .routes(routes!(cancel))
}

/// The `Idempotency-Key` header: repeats with the same key queue one command.
pub(crate) fn idempotency_key(headers: &HeaderMap) -> Option<String> {
    headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 128)
        .map(String::from)
}

/// The caller's command for the device, requested now, with the configured time to live.
pub(crate) fn new_command(
    state: &AppState,
    caller: &CurrentUser,
    device: DeviceId,
    kind: CommandKind,
    now: time::OffsetDateTime,
) -> NewCommand {
    NewCommand::requested(device, caller.user.id, kind, now, now + state.command_ttl)
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
    let command = NewCommand {
        lock_message: lock.message,
        lock_phone: lock.phone,
        idempotency_key: idempotency_key(headers),
        ..new_command(state, caller, device_id, kind, now)
    };
    let audit = audit_event(caller, client, &format!("{}_requested", kind.as_str()), device_id, now);
    let command = queued(state.db.queue_command(command, audit).await?)?;
    Ok((StatusCode::ACCEPTED, Json(command)))
}

/// Why a registered device takes no action but Remove device.
const NOT_MANAGED: &str = "This device is registered, not managed: the portal can only remove it. \
                           Enroll it to lock, reset or sync it and to install apps.";

/// The queued command, or the refusal in words that name the rule.
pub(crate) fn queued(outcome: QueueOutcome) -> Result<Command, AppError> {
    let conflict = |code, message: &str| AppError::refused(StatusCode::CONFLICT, code, message);
    Err(match outcome {
        QueueOutcome::Queued(command) => return Ok(*command),
        QueueOutcome::AlreadyInstalled => conflict("already_installed", "The app is installed already."),
        QueueOutcome::InProgress => conflict(
            "change_pending",
            "A change to this app on this device is already under way.",
        ),
        QueueOutcome::NotInstalled => conflict("not_installed", "The app is not installed on this device."),
        QueueOutcome::DeviceWiped => conflict("already_wiped", "This device has been reset: it takes no more actions."),
        QueueOutcome::BeingRemoved => conflict(
            "removal_pending",
            "This device is being removed: it takes no more actions.",
        ),
        QueueOutcome::NotManaged => conflict("not_managed", NOT_MANAGED),
        QueueOutcome::KeyReused => AppError::refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "This Idempotency-Key was used for another request: use a new key for each action.",
        ),
    })
}

/// The device's commands, newest first, each with its timeline.
#[utoipa::path(get, path = "/api/v1/devices/{id}/commands", tag = "commands",
    params(("id" = DeviceId, Path, description = "The device")),
    responses((status = 200, body = CommandsResponse), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn list(
    State(state): State<AppState>,
    OwnedDevice { id: device, .. }: OwnedDevice,
) -> Result<Json<CommandsResponse>, AppError> {
    Ok(Json(CommandsResponse {
        commands: state.db.commands_of(device, state.clock.now()).await?,
    }))
}

/// Check status: asks the device to check in now.
#[utoipa::path(post, path = "/api/v1/devices/{id}/sync", tag = "commands",
    params(("id" = DeviceId, Path, description = "The device"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeats with the same key queue one command")),
    responses((status = 202, body = Command), (status = 401, body = ApiError), (status = 404, body = ApiError),
        (status = 409, body = ApiError, description = "The device was reset, is registered only, or is being removed"),
        (status = 422, body = ApiError, description = "The Idempotency-Key was used for another request")))]
async fn sync(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    OwnedDevice { caller, id: device }: OwnedDevice,
    headers: HeaderMap,
) -> Result<(StatusCode, Json<Command>), AppError> {
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
        (status = 401, body = ApiError),
        (status = 403, body = ApiError, description = "The organisation's plan does not include Lock"),
        (status = 404, body = ApiError),
        (status = 409, body = ApiError, description = "The device was reset, is registered only, or is being removed"),
        (status = 422, body = ApiError, description = "A field a rule refuses (with a message for each), or the Idempotency-Key was used for another request"),
    ))]
async fn lock(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    OwnedDevice { caller, id: device }: OwnedDevice,
    headers: HeaderMap,
    ApiJson(request): ApiJson<LockRequest>,
) -> Result<(StatusCode, Json<Command>), AppError> {
    let mode = state.policies.current().mode;
    if !mode.offers_action(CommandKind::Lock) {
        return Err(AppError::refused(
            StatusCode::FORBIDDEN,
            "not_in_plan",
            mode.not_offered("Lock"),
        ));
    }
    let clean = |v: Option<String>| v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let (message, phone) = (clean(request.message), clean(request.phone));
    let mut errors = FieldErrors::default();
    if message
        .as_ref()
        .is_some_and(|m| m.chars().count() > 200 || m.chars().any(char::is_control))
    {
        errors.add(
            "message",
            "lock_message_invalid",
            "Use at most 200 characters, on one line.",
        );
    }
    if phone.as_ref().is_some_and(|p| {
        p.len() > 30
            || !p.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c))
            || !p.chars().any(|c| c.is_ascii_digit())
    }) {
        errors.add(
            "phone",
            "phone_invalid",
            "Enter a phone number: digits, spaces, + - ( ) only.",
        );
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
        (status = 409, body = ApiError, description = "The device has already taken it, or an administrator asked for it"),
    ))]
async fn cancel(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    OwnedDevice { caller, id: device }: OwnedDevice,
    Path((_, command)): Path<(String, String)>,
) -> Result<Json<Command>, AppError> {
    cancel_command(&state, &caller, client, device, &command, false)
        .await
        .map(Json)
}

/// Cancels the device's command if the device has not taken it yet. What an
/// administrator asked for is theirs to take back: the owner may cancel it
/// only when `admin` (the caller is one).
pub(crate) async fn cancel_command(
    state: &AppState,
    caller: &CurrentUser,
    client: SocketAddr,
    device: DeviceId,
    command: &str,
    admin: bool,
) -> Result<Command, AppError> {
    let command = command.parse().map(CommandId).map_err(|_| AppError::NotFound)?;
    let now = state.clock.now();
    // One read tells whether the command is the device's, and whose.
    let Some(found) = state
        .db
        .commands_of(device, now)
        .await?
        .into_iter()
        .find(|c| c.id == command)
    else {
        return Err(AppError::NotFound);
    };
    if found.requested_by.is_some() && !admin {
        return Err(AppError::refused(
            StatusCode::CONFLICT,
            "requested_by_admin",
            "Your IT department asked for this action: contact them to stop it.",
        ));
    }
    let cancelled = state
        .db
        .advance_command(
            device,
            StateChange {
                id: command,
                from: &[CommandState::Requested],
                to: CommandState::Cancelled,
                reason: None,
            },
            now,
            Some(Actor {
                user: Some(caller.user.id),
                source: Some(client.ip().to_string()),
            }),
        )
        .await?;
    // Not cancelled: the device took it first.
    let cancelled = cancelled.ok_or_else(|| {
        AppError::refused(
            StatusCode::CONFLICT,
            "too_late",
            "The device has already taken this command.",
        )
    })?;
    Ok(cancelled)
}

pub(crate) fn audit_event(
    caller: &CurrentUser,
    client: SocketAddr,
    action: &str,
    device: DeviceId,
    at: time::OffsetDateTime,
) -> AuditEvent {
    AuditEvent::new(at, action, "success")
        .actor(caller.user.id)
        .subject(device.to_string())
        .source(client.ip().to_string())
}

/// Renames the device.
#[utoipa::path(post, path = "/api/v1/devices/{id}/rename", tag = "commands", request_body = RenameRequest,
    params(("id" = DeviceId, Path, description = "The device")),
    responses((status = 204, description = "Renamed"), (status = 422, body = ApiError, description = "A field a rule refuses, with a message for each"), (status = 401, body = ApiError),
        (status = 404, body = ApiError)))]
async fn rename(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    OwnedDevice { caller, id: device }: OwnedDevice,
    ApiJson(request): ApiJson<RenameRequest>,
) -> Result<StatusCode, AppError> {
    // The same rules as naming a device at enrollment.
    let check = EnrollmentCodeRequest {
        platform: Platform::Android,
        device_name: request.name.clone(),
        ownership: Ownership::Corporate,
        category: "-".into(),
        management: portal_types::Management::Managed,
    };
    if let Some(problem) = check.field_errors().0.into_iter().find(|e| e.field == "device_name") {
        let mut errors = FieldErrors::default();
        errors.add("name", &problem.code, &problem.message);
        return Err(AppError::InvalidInput(errors));
    }
    let event = audit_event(&caller, client, "device_renamed", device, state.clock.now());
    if !state
        .db
        .rename_device(caller.user.id, device, request.name.trim(), event)
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Reset device: erases the device. Needs fresh authentication and the
/// device's name typed again; at most three an hour; one at a time.
#[utoipa::path(post, path = "/api/v1/devices/{id}/wipe", tag = "commands", request_body = WipeRequest,
    params(("id" = DeviceId, Path, description = "The device")),
    responses(
        (status = 202, body = Command),
        (status = 422, body = ApiError, description = "The typed name does not match"),
        (status = 401, body = ApiError),
        (status = 403, body = ApiError, description = "Sign in again first"),
        (status = 404, body = ApiError),
        (status = 409, body = ApiError, description = "Already wiped, a reset is under way, or the device is registered only"),
        (status = 429, body = ApiError, description = "Three resets in the last hour; see Retry-After"),
    ))]
async fn wipe(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    OwnedDevice { caller, id: device }: OwnedDevice,
    ApiJson(request): ApiJson<WipeRequest>,
) -> Result<(StatusCode, Json<Command>), AppError> {
    let owner = caller.user.id;
    let command = reset_device(
        &state,
        &caller,
        client,
        Requested::by_owner(owner, device),
        &request.device_name,
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(command)))
}

/// Who asks for a Reset or a Remove on which device: its owner, or an
/// administrator, who gives a reason.
pub(crate) struct Requested {
    pub owner: UserId,
    pub device: DeviceId,
    /// The administrator's name and reason.
    pub admin: Option<(String, String)>,
}

impl Requested {
    pub fn by_owner(owner: UserId, device: DeviceId) -> Self {
        Requested {
            owner,
            device,
            admin: None,
        }
    }

    /// The audit entry for asking it: with the administrator's reason, which
    /// outlives the command and the device in the owner's Activity.
    fn audit(&self, caller: &CurrentUser, client: SocketAddr, action: &str, now: time::OffsetDateTime) -> AuditEvent {
        audit_event(caller, client, action, self.device, now)
            .detail(self.admin.as_ref().map(|(_, reason)| reason.clone()))
    }

    fn command(&self, state: &AppState, kind: CommandKind, now: time::OffsetDateTime) -> NewCommand {
        let (requested_by, reason) = self.admin.clone().unzip();
        NewCommand {
            requested_by,
            reason,
            ..NewCommand::requested(self.device, self.owner, kind, now, now + state.command_ttl)
        }
    }
}

/// The device's name typed again, as a destructive action asks.
pub(crate) async fn check_typed_name(state: &AppState, requested: &Requested, typed: &str) -> Result<(), AppError> {
    let (detail, _) = state
        .db
        .device_detail(Some(requested.owner), requested.device)
        .await?
        .ok_or(AppError::NotFound)?;
    if typed.trim() != detail.device.name {
        let mut errors = FieldErrors::default();
        errors.add(
            "device_name",
            "device_name_mismatch",
            "Type the device's name exactly as it is shown.",
        );
        return Err(AppError::InvalidInput(errors));
    }
    Ok(())
}

/// Reset device, for the owner or an administrator: a fresh sign-in, the
/// device's name typed again, at most three an hour for whoever asks, one
/// at a time.
pub(crate) async fn reset_device(
    state: &AppState,
    caller: &CurrentUser,
    client: SocketAddr,
    requested: Requested,
    typed_name: &str,
) -> Result<Command, AppError> {
    let now = state.clock.now();
    caller.require_fresh(now)?;
    check_typed_name(state, &requested, typed_name).await?;
    let user_key = caller.user.id.to_string();
    let attempt = match state.wipe_limits.reserve(&user_key, now).await? {
        Ok(attempt) => attempt,
        Err(wait) => {
            let seconds = wait.whole_seconds().max(1);
            return Err(AppError::RateLimited {
                retry_after_seconds: seconds,
                message: format!(
                    "You have reset three devices in the last hour. Try again in {} minutes.",
                    (seconds + 59) / 60
                ),
            });
        }
    };
    let command = requested.command(state, CommandKind::Wipe, now);
    let refusal = match state
        .db
        .queue_wipe(command, requested.audit(caller, client, "wipe_requested", now))
        .await?
    {
        WipeOutcome::Queued(command) => return Ok(*command),
        WipeOutcome::AlreadyWiped => AppError::refused(
            StatusCode::CONFLICT,
            "already_wiped",
            "This device has already been reset.",
        ),
        WipeOutcome::AlreadyPending => AppError::refused(
            StatusCode::CONFLICT,
            "wipe_pending",
            "A reset of this device is already under way.",
        ),
        WipeOutcome::NotManaged => AppError::refused(StatusCode::CONFLICT, "not_managed", NOT_MANAGED),
    };
    // Only resets queued count against the limit.
    state.wipe_limits.release(attempt).await?;
    Err(refusal)
}

/// Remove device (retire): the device takes corporate apps and data off
/// itself at its next connection (personal data stays), then its certificate
/// is revoked and the device object deleted; if it does not connect before
/// the command's time runs out, that happens all the same. A reset device is
/// deleted at once. Needs fresh authentication.
#[utoipa::path(delete, path = "/api/v1/devices/{id}", tag = "commands",
    params(("id" = DeviceId, Path, description = "The device")),
    responses(
        (status = 202, body = Command, description = "The Retire the device carries out"),
        (status = 204, description = "Removed at once: the device had been reset, or was registered only"),
        (status = 401, body = ApiError),
        (status = 403, body = ApiError, description = "Sign in again first"),
        (status = 404, body = ApiError),
        (status = 409, body = ApiError, description = "A reset or a removal of the device is on its way"),
    ))]
async fn remove(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    OwnedDevice { caller, id: device }: OwnedDevice,
) -> Result<axum::response::Response, AppError> {
    let owner = caller.user.id;
    remove_device(&state, &caller, client, Requested::by_owner(owner, device)).await
}

/// Remove device, for the owner or an administrator (see [`remove`]).
pub(crate) async fn remove_device(
    state: &AppState,
    caller: &CurrentUser,
    client: SocketAddr,
    requested: Requested,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    let now = state.clock.now();
    caller.require_fresh(now)?;
    let command = requested.command(state, CommandKind::Retire, now);
    let event = requested.audit(caller, client, "retire_requested", now);
    match state.db.queue_retire(command, event).await? {
        RemoveOutcome::Queued(command) => Ok((StatusCode::ACCEPTED, Json(*command)).into_response()),
        RemoveOutcome::Removed => Ok(StatusCode::NO_CONTENT.into_response()),
        RemoveOutcome::NotFound => Err(AppError::NotFound),
        RemoveOutcome::ResetWaiting => Err(AppError::refused(
            StatusCode::CONFLICT,
            "wipe_pending",
            "A reset of this device is on its way: the device can be removed once it has been reset.",
        )),
        RemoveOutcome::AlreadyPending => Err(AppError::refused(
            StatusCode::CONFLICT,
            "removal_pending",
            "This device is being removed already: it leaves the list once it has taken corporate apps and data off.",
        )),
    }
}

/// Everything the caller did, and what became of it, newest first.
#[utoipa::path(get, path = "/api/v1/activity", tag = "commands",
    responses((status = 200, body = ActivityResponse), (status = 401, body = ApiError)))]
async fn activity(State(state): State<AppState>, caller: CurrentUser) -> Result<Json<ActivityResponse>, AppError> {
    let entries = state
        .db
        .activity(caller.user.id, 200)
        .await?
        .into_iter()
        .map(|record| ActivityEntry {
            at: record.event.at.format(&Rfc3339).unwrap_or_default(),
            // Somebody else's action on one of the caller's devices says who.
            by: record
                .actor_name
                .filter(|_| record.event.actor.is_some_and(|actor| actor != caller.user.id)),
            action: record.event.action,
            subject: record.event.subject,
            outcome: record.event.outcome,
            detail: record.event.detail,
        })
        .collect();
    Ok(Json(ActivityResponse { entries }))
}
