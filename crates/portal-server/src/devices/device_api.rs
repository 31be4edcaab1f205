//! The device-facing API: every request signed with the device's key.

use std::{collections::VecDeque, convert::Infallible, time::Duration};

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::sse::{Event, KeepAlive, Sse},
};
use futures_util::{Stream, stream};
use portal_types::{
    ApiError, CheckInRequest, CheckInResponse, Command, CommandId, CommandOutcome, CommandReport, CommandState,
    DeviceCommand,
};
use tokio::sync::broadcast::error::RecvError;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    db::{Actor, CheckIn, DeviceCredentials, StateChange},
    devices::device_auth::SignedDevice,
    devices::rules::{kept_apps, kept_inventory},
    http::error::AppError,
    live::{Notice, RECHECK_EVERY},
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(check_in))
        .routes(routes!(command_stream))
        .routes(routes!(acknowledge))
        .routes(routes!(report))
}

/// Marks the waiting commands delivered and tells the user's portal.
async fn deliver(
    state: &AppState,
    device: &DeviceCredentials,
    redeliver: bool,
) -> Result<Vec<DeviceCommand>, AppError> {
    let commands = state
        .db
        .take_pending(device.device_id, state.clock.now(), redeliver)
        .await?;
    Ok(commands)
}

/// The device reports its inventory; the compliance policy is evaluated anew,
/// and commands queued while it was away come back with the answer.
#[utoipa::path(post, path = "/api/v1/device/check-in", tag = "device", request_body = CheckInRequest,
    responses(
        (status = 200, body = CheckInResponse),
        (status = 422, body = ApiError, description = "A field a rule refuses, with a message for each"),
        (status = 401, body = ApiError, description = "Unsigned, badly signed, replayed, stale, or a revoked certificate"),
    ))]
async fn check_in(
    State(state): State<AppState>,
    request: SignedDevice<CheckInRequest>,
) -> Result<Json<CheckInResponse>, AppError> {
    let errors = request.body.field_errors();
    if !errors.is_empty() {
        return Err(AppError::InvalidInput(errors));
    }
    let now = state.clock.now();
    let device = request.device;
    let CheckInRequest { inventory, apps } = request.body;
    let result = state
        .policies
        .current()
        .judge(device.platform, &inventory, true, now, device.failing_since, now);
    // One transaction: one commit to wait for, not three.
    let commands = state
        .db
        .check_in(CheckIn {
            device_id: device.device_id,
            inventory: &kept_inventory(device.ownership, inventory),
            compliance: &result,
            apps: &kept_apps(device.management, apps),
            now,
            installs_expire_at: state.required_installs_expire_at(now),
        })
        .await?;
    Ok(Json(CheckInResponse {
        compliance: result.state,
        reasons: result.reasons,
        commands,
    }))
}

/// Server-sent events: the device's waiting commands (and those delivered
/// before but never acknowledged), oldest first, then each new one as soon as
/// it is queued. The agent keeps this open.
#[utoipa::path(get, path = "/api/v1/device/commands", tag = "device",
    responses(
        (status = 200, description = "An endless text/event-stream of `command` events (DeviceCommand)", content_type = "text/event-stream"),
        (status = 401, body = ApiError),
    ))]
async fn command_stream(
    State(state): State<AppState>,
    request: SignedDevice<()>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let device = request.device;
    let wakes = state.events.subscribe();
    let number = state.events.connect(device.device_id).await?;
    let recheck = tokio::time::interval_at(tokio::time::Instant::now() + RECHECK_EVERY, RECHECK_EVERY);
    let stopping = state.stopping.clone();
    let start = (wakes, stopping, recheck, VecDeque::<DeviceCommand>::new(), true);
    let stream = stream::unfold(
        start,
        move |(mut wakes, mut stopping, mut recheck, mut queue, mut first)| {
            let state = state.clone();
            let device = device.clone();
            async move {
                loop {
                    if let Some(command) = queue.pop_front() {
                        let event = Event::default().event("command").json_data(command).ok()?;
                        return Some((Ok(event), (wakes, stopping, recheck, queue, first)));
                    }
                    if !first {
                        let woken = tokio::select! {
                            () = stopping.wait() => return None,
                            _ = recheck.tick() => None,
                            wake = wakes.recv() => Some(wake),
                        };
                        match woken {
                            Some(Ok(Notice::Wake { device: woken })) if woken == device.device_id => {}
                            // Missed some: look at the queue anyway; or time to
                            // look again at the certificate.
                            Some(Ok(Notice::Resync) | Err(RecvError::Lagged(_))) | None => {}
                            Some(Err(RecvError::Closed)) => return None,
                            Some(Ok(_)) => continue,
                        }
                        // A newer connection of the device's, on any node, takes
                        // over; and the stream lasts as long as the certificate.
                        let current = state.events.is_current(device.device_id, number).await.ok()?;
                        if !current || !still_trusted(&state, &device).await {
                            return None;
                        }
                    }
                    // A new connection: what the last one delivered but the device
                    // never acknowledged was lost with it, and comes again.
                    let redeliver = std::mem::take(&mut first);
                    match deliver(&state, &device, redeliver).await {
                        Ok(commands) => queue.extend(commands),
                        Err(_) => return None,
                    }
                }
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// Whether the device is still enrolled with a valid certificate.
async fn still_trusted(state: &AppState, device: &DeviceCredentials) -> bool {
    match state.db.device_credentials(device.device_id).await {
        Ok(Some(now)) => !now.certificate_revoked && state.clock.now() < now.certificate_expires_at,
        Ok(None) => false,
        // Not sure: keep it, and look again at the next wake.
        Err(_) => true,
    }
}

async fn advance(
    state: &AppState,
    device: &DeviceCredentials,
    id: &str,
    from: &[CommandState],
    to: CommandState,
    reason: Option<String>,
) -> Result<Command, AppError> {
    let id = id.parse().map(CommandId).map_err(|_| AppError::NotFound)?;
    let now = state.clock.now();
    let command = state
        .db
        .advance_command(
            device.device_id,
            StateChange { id, from, to, reason },
            now,
            Some(Actor {
                user: None,
                source: None,
            }),
        )
        .await?
        .ok_or_else(|| {
            AppError::refused(
                StatusCode::CONFLICT,
                "command_state",
                "This command is not waiting for that report.",
            )
        })?;
    Ok(command)
}

/// The device has taken the command and is carrying it out.
#[utoipa::path(post, path = "/api/v1/device/commands/{id}/ack", tag = "device",
    params(("id" = CommandId, Path, description = "The command")),
    responses((status = 200, body = Command), (status = 401, body = ApiError), (status = 409, body = ApiError)))]
async fn acknowledge(
    State(state): State<AppState>,
    Path(id): Path<String>,
    request: SignedDevice<()>,
) -> Result<Json<Command>, AppError> {
    let from = [CommandState::Delivered];
    Ok(Json(
        advance(&state, &request.device, &id, &from, CommandState::Acknowledged, None).await?,
    ))
}

/// How the command ended on the device: completed, failed, or not now (queued again).
#[utoipa::path(post, path = "/api/v1/device/commands/{id}/report", tag = "device", request_body = CommandReport,
    params(("id" = CommandId, Path, description = "The command")),
    responses((status = 200, body = Command), (status = 422, body = ApiError, description = "A field a rule refuses, with a message for each"), (status = 401, body = ApiError),
        (status = 409, body = ApiError)))]
async fn report(
    State(state): State<AppState>,
    Path(id): Path<String>,
    request: SignedDevice<CommandReport>,
) -> Result<Json<Command>, AppError> {
    let errors = request.body.field_errors();
    if !errors.is_empty() {
        return Err(AppError::InvalidInput(errors));
    }
    let from = [CommandState::Delivered, CommandState::Acknowledged];
    let (to, reason) = match request.body.outcome {
        CommandOutcome::Completed => (CommandState::Completed, None),
        CommandOutcome::Failed => (
            CommandState::Failed,
            request.body.reason.or(Some("No reason given".into())),
        ),
        CommandOutcome::NotNow => (CommandState::Requested, None),
    };
    Ok(Json(advance(&state, &request.device, &id, &from, to, reason).await?))
}
