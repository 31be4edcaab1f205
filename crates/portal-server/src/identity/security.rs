//! The Security page: an authenticator app as second factor, with recovery codes.

use std::net::SocketAddr;

use axum::{
    Json,
    extract::{ConnectInfo, State},
    http::StatusCode,
};
use portal_types::{
    ApiError, PasswordConfirmation, RecoveryCodesResponse, SecurityResponse, TotpConfirmRequest, TotpSetupResponse,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    devices::enrollment::qr_svg,
    http::error::{ApiJson, AppError},
    identity::second_factor::{self, Check},
    identity::session::CurrentUser,
    identity::totp,
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(security))
        .routes(routes!(set_up_totp))
        .routes(routes!(confirm_totp))
        .routes(routes!(disable_totp))
}

/// Whether the caller has a second factor, and how many recovery codes are left.
#[utoipa::path(get, path = "/api/v1/security", tag = "security",
    responses((status = 200, body = SecurityResponse), (status = 401, body = ApiError)))]
async fn security(State(state): State<AppState>, caller: CurrentUser) -> Result<Json<SecurityResponse>, AppError> {
    let factor = state.db.second_factor(caller.user.id).await?;
    Ok(Json(SecurityResponse {
        totp_enabled: factor.secret.is_some(),
        recovery_codes_left: factor.recovery_codes_left,
    }))
}

/// Starts setting up an authenticator app: a new secret, in force once confirmed.
#[utoipa::path(post, path = "/api/v1/security/totp", tag = "security",
    responses(
        (status = 200, body = TotpSetupResponse),
        (status = 401, body = ApiError),
        (status = 409, body = ApiError, description = "A second factor is already on"),
    ))]
async fn set_up_totp(State(state): State<AppState>, caller: CurrentUser) -> Result<Json<TotpSetupResponse>, AppError> {
    if state.db.second_factor(caller.user.id).await?.secret.is_some() {
        return Err(AppError::refused(
            StatusCode::CONFLICT,
            "second_factor_on",
            "An authenticator app is already set up. Turn it off first to set up another.",
        ));
    }
    let secret = totp::new_secret();
    state
        .db
        .set_pending_totp(caller.user.id, &state.secrets.seal(&secret))
        .await?;
    let otpauth_uri = totp::otpauth_uri(&secret, &caller.user.email);
    Ok(Json(TotpSetupResponse {
        secret: totp::secret_text(&secret),
        qr_svg: qr_svg(&otpauth_uri)?,
        otpauth_uri,
    }))
}

/// Turns the authenticator app on with its first code; answers the recovery codes, once.
#[utoipa::path(post, path = "/api/v1/security/totp/confirm", tag = "security", request_body = TotpConfirmRequest,
    responses(
        (status = 200, body = RecoveryCodesResponse),
        (status = 400, body = ApiError, description = "Wrong code, or no setup started"),
        (status = 401, body = ApiError),
    ))]
async fn confirm_totp(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    caller: CurrentUser,
    ApiJson(request): ApiJson<TotpConfirmRequest>,
) -> Result<Json<RecoveryCodesResponse>, AppError> {
    let factor = state.db.second_factor(caller.user.id).await?;
    let pending = factor.pending.ok_or_else(|| {
        AppError::refused(
            StatusCode::BAD_REQUEST,
            "no_setup",
            "Start setting up an authenticator app first.",
        )
    })?;
    let secret = state.secrets.open(&pending)?;
    let step = totp::verify(&secret, &request.code, state.clock.now(), None).ok_or_else(|| {
        AppError::refused(
            StatusCode::BAD_REQUEST,
            "second_factor_invalid",
            "That code does not match. Check the app shows Company Portal, and enter its current code.",
        )
    })?;
    let codes = second_factor::new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| second_factor::hash_recovery_code(c)).collect();
    let event = caller.audit_event(&state, client, "second_factor_enabled");
    state.db.enable_totp(caller.user.id, step, &hashes, event).await?;
    Ok(Json(RecoveryCodesResponse { recovery_codes: codes }))
}

/// Turns the second factor off, after the password and a code.
#[utoipa::path(post, path = "/api/v1/security/totp/disable", tag = "security", request_body = PasswordConfirmation,
    responses(
        (status = 204, description = "Turned off"),
        (status = 401, body = ApiError, description = "Wrong password or code"),
    ))]
async fn disable_totp(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    caller: CurrentUser,
    ApiJson(request): ApiJson<PasswordConfirmation>,
) -> Result<StatusCode, AppError> {
    let now = state.clock.now();
    if !state
        .passwords
        .verify(request.password, Some(caller.user.password_hash.clone()))
        .await?
    {
        return Err(AppError::InvalidCredentials);
    }
    match second_factor::check(&state, caller.user.id, request.code.as_deref(), now).await? {
        Check::Accepted | Check::NotEnrolled => {}
        Check::Missing => return Err(second_factor::required()),
        Check::Rejected => return Err(second_factor::rejected()),
    }
    let event = caller.audit_event(&state, client, "second_factor_disabled");
    state.db.disable_totp(caller.user.id, event).await?;
    Ok(StatusCode::NO_CONTENT)
}
