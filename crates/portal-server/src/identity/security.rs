//! The Security page: an authenticator app as second factor, with recovery
//! codes; the passkeys are listed here too (`passkeys` adds and removes them).

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
    identity::passkeys,
    identity::second_factor,
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
    let passkeys = state.db.passkeys_of(caller.user.id).await?;
    Ok(Json(SecurityResponse {
        totp_enabled: factor.secret.is_some(),
        recovery_codes_left: factor.recovery_codes_left,
        passkeys_offered: state.passkeys.is_some(),
        passkeys: passkeys.iter().map(passkeys::summary).collect(),
    }))
}

/// Starts setting up an authenticator app: a new secret, in force once confirmed.
#[utoipa::path(post, path = "/api/v1/security/totp", tag = "security",
    responses(
        (status = 200, body = TotpSetupResponse),
        (status = 401, body = ApiError),
        (status = 403, body = ApiError, description = "Sign in again first"),
        (status = 409, body = ApiError, description = "A second factor is already on"),
    ))]
async fn set_up_totp(State(state): State<AppState>, caller: CurrentUser) -> Result<Json<TotpSetupResponse>, AppError> {
    // A stolen session must not enrol its own authenticator.
    caller.require_fresh(state.clock.now())?;
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
        (status = 422, body = ApiError, description = "Wrong code, or no setup started"),
        (status = 401, body = ApiError),
        (status = 409, body = ApiError, description = "The setup was started again meanwhile"),
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
            StatusCode::UNPROCESSABLE_ENTITY,
            "no_setup",
            "Start setting up an authenticator app first.",
        )
    })?;
    let secret = state.secrets.open(&pending)?;
    let step = totp::verify(&secret, &request.code, state.clock.now(), None).ok_or_else(|| {
        AppError::refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "second_factor_invalid",
            "That code does not match. Check the app shows Company Portal, and enter its current code.",
        )
    })?;
    let codes = second_factor::new_recovery_codes();
    let hashes: Vec<String> = codes
        .iter()
        .map(|c| second_factor::hash_recovery_code(&state.secrets, caller.user.id, c))
        .collect();
    let event = caller.audit_event(&state, client, "second_factor_enabled");
    // Only the secret this code was checked against; other sessions end.
    if !state
        .db
        .enable_totp(caller.user.id, &pending, step, &hashes, &caller.token_hash, event)
        .await?
    {
        return Err(AppError::refused(
            StatusCode::CONFLICT,
            "setup_changed",
            "The setup was started again meanwhile: scan the newest code and enter its code.",
        ));
    }
    Ok(Json(RecoveryCodesResponse { recovery_codes: codes }))
}

/// Turns the second factor off, after the password and a code.
#[utoipa::path(post, path = "/api/v1/security/totp/disable", tag = "security", request_body = PasswordConfirmation,
    responses(
        (status = 204, description = "Turned off"),
        (status = 401, body = ApiError, description = "Wrong password or code"),
        (status = 429, body = ApiError, description = "Too many attempts, or the second factor is locked"),
    ))]
async fn disable_totp(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    caller: CurrentUser,
    ApiJson(request): ApiJson<PasswordConfirmation>,
) -> Result<StatusCode, AppError> {
    let event = caller.audit_event(&state, client, "second_factor_disabled");
    let event = second_factor::confirm_it_is_you(&state, &caller, request, event).await?;
    state.db.disable_totp(caller.user.id, event).await?;
    Ok(StatusCode::NO_CONTENT)
}
