use std::net::SocketAddr;

use axum::{
    Json,
    extract::{ConnectInfo, State},
    http::{HeaderMap, StatusCode, header},
    response::IntoResponse,
};
use portal_types::{ApiError, MeResponse, PasswordConfirmation, SessionResponse, SignInRequest};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    db::{AuditEvent, UserRecord},
    http::error::{ApiJson, AppError},
    identity::second_factor::{self, Check},
    identity::session::{self, CurrentUser},
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_out_everywhere))
        .routes(routes!(reauthenticate))
        .routes(routes!(sign_in))
        .routes(routes!(sign_out))
        .routes(routes!(me))
        .routes(routes!(current_session))
}

pub fn me_response(user: &UserRecord) -> MeResponse {
    MeResponse {
        id: user.id,
        email: user.email.clone(),
        display_name: user.display_name.clone(),
        role: user.role,
    }
}

/// Signs in with email and password and sets the session cookie. An unknown
/// email gets the same answer, after the same work, as a wrong password.
#[utoipa::path(post, path = "/api/v1/auth/sign-in", tag = "auth", request_body = SignInRequest,
    responses(
        (status = 200, body = MeResponse, description = "Signed in; the session cookie is set"),
        (status = 422, body = ApiError, description = "A field a rule refuses, with a message for each"),
        (status = 401, body = ApiError, description = "Wrong email or password; a second factor is required or wrong"),
        (status = 429, body = ApiError, description = "Too many failed attempts; see Retry-After"),
    ))]
async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<SignInRequest>,
) -> Result<impl IntoResponse, AppError> {
    let errors = request.field_errors();
    if !errors.is_empty() {
        return Err(AppError::InvalidInput(errors));
    }
    let email = request.email.trim().to_string();
    let address = client.ip().to_string();
    // The attempt takes its place before the password is checked: a burst
    // of attempts at once gets no more tries than attempts one by one.
    let attempt = match state
        .sign_in_limits
        .reserve(&email, &address, state.clock.now())
        .await?
    {
        Ok(attempt) => attempt,
        Err(seconds) => {
            let now = state.clock.now();
            if state.sign_in_limits.first_refusal(&email, &address, now).await? {
                let event = AuditEvent::new(now, "sign_in", "rate_limited")
                    .subject(email)
                    .source(address);
                state.db.record_audit(event).await?;
            }
            return Err(AppError::RateLimited {
                retry_after_seconds: seconds,
                message: format!("Too many sign-in attempts. Try again in {seconds} seconds."),
            });
        }
    };
    let user = state.db.user_by_email(&email).await?;
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let verified = state.passwords.verify(request.password, stored).await?;
    let now = state.clock.now();
    let mut event = AuditEvent::new(now, "sign_in", "success")
        .actor(user.as_ref().map(|u| u.id))
        .subject(email)
        .source(address.clone());
    let user = match user {
        Some(user) if verified => user,
        _ => {
            event.outcome = "failure".into();
            state.db.record_audit(event).await?;
            return Err(AppError::InvalidCredentials);
        }
    };
    let with_code = match second_factor::check(&state, &user, request.code.as_deref(), now).await? {
        Check::NotEnrolled => false,
        Check::Accepted => true,
        // Not a guess: the portal asks for the code next.
        Check::Missing => {
            state.sign_in_limits.release(attempt).await?;
            return Err(second_factor::required());
        }
        // Not a guess either: no code is looked at until then.
        Check::Locked(until) => {
            state.sign_in_limits.release(attempt).await?;
            return Err(second_factor::locked(until));
        }
        Check::Rejected => {
            event.outcome = "second_factor_failure".into();
            state.db.record_audit(event).await?;
            return Err(second_factor::rejected());
        }
    };
    state.sign_in_limits.release(attempt).await?;
    let cookie = session::start(&state, &headers, &user, with_code, event).await?;
    Ok(([(header::SET_COOKIE, cookie)], Json(me_response(&user))))
}

/// Ends the session on the server and clears the cookie.
#[utoipa::path(post, path = "/api/v1/auth/sign-out", tag = "auth",
    responses((status = 204, description = "Signed out"), (status = 401, body = ApiError)))]
async fn sign_out(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    caller: CurrentUser,
) -> Result<impl IntoResponse, AppError> {
    let event = caller.audit_event(&state, client, "sign_out");
    state.db.delete_session(&caller.token_hash, Some(event)).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, session::cleared_cookie(state.secure_cookies))],
    ))
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth",
    responses((status = 200, body = MeResponse), (status = 401, body = ApiError)))]
async fn me(caller: CurrentUser) -> Json<MeResponse> {
    Json(me_response(&caller.user))
}

/// Who is signed in, answered without an error when nobody is, so the portal
/// can ask on every load.
#[utoipa::path(get, path = "/api/v1/auth/session", tag = "auth",
    responses((status = 200, body = SessionResponse)))]
async fn current_session(
    State(state): State<AppState>,
    caller: Result<CurrentUser, AppError>,
) -> Result<Json<SessionResponse>, AppError> {
    let (user, expired) = match caller {
        Ok(caller) => (Some(me_response(&caller.user)), false),
        Err(AppError::Unauthorized) => (None, false),
        Err(AppError::SessionExpired) => (None, true),
        Err(other) => return Err(other),
    };
    Ok(Json(SessionResponse {
        user,
        expired,
        organisation: state.branding.organisation(),
    }))
}

/// Ends every session of the caller's, on every browser and device.
#[utoipa::path(post, path = "/api/v1/auth/sign-out-everywhere", tag = "auth",
    responses((status = 204, description = "Signed out everywhere"), (status = 401, body = ApiError)))]
async fn sign_out_everywhere(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    caller: CurrentUser,
) -> Result<impl IntoResponse, AppError> {
    let event = caller.audit_event(&state, client, "sign_out_everywhere");
    state.db.delete_sessions_of(caller.user.id, event).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, session::cleared_cookie(state.secure_cookies))],
    ))
}

/// Enters the password (and second factor) again: the session gets a new id
/// and counts as freshly authenticated for the next minutes, as destructive
/// actions require.
#[utoipa::path(post, path = "/api/v1/auth/reauthenticate", tag = "auth", request_body = PasswordConfirmation,
    responses(
        (status = 204, description = "Re-authenticated; a new session cookie is set"),
        (status = 401, body = ApiError, description = "Wrong password or code"),
        (status = 429, body = ApiError),
    ))]
async fn reauthenticate(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    caller: CurrentUser,
    ApiJson(request): ApiJson<PasswordConfirmation>,
) -> Result<impl IntoResponse, AppError> {
    let now = state.clock.now();
    let address = client.ip().to_string();
    let event = AuditEvent::new(now, "reauthenticate", "success")
        .actor(caller.user.id)
        .subject(caller.user.email.clone())
        .source(address);
    let event = second_factor::confirm_it_is_you(&state, &caller, request, event).await?;
    let cookie = session::refresh(&state, &caller, event).await?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]))
}
