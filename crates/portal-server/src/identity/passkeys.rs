//! Passkeys (WebAuthn): added on the Security page, used to sign in without
//! an email or password, and to confirm it is you before a Reset device or
//! a Remove device. A passkey counts as password plus second factor: the
//! authenticator verifies its user (PIN, fingerprint, face).
//!
//! Each ceremony's challenge and state are kept in the database (every node
//! sees them), answered once and within five minutes.

use std::net::SocketAddr;

use axum::{
    Json,
    extract::{ConnectInfo, Path, State},
    http::{HeaderMap, StatusCode, header},
    response::IntoResponse,
};
use portal_types::{ApiError, MeResponse, PasskeySummary, UserId, auth::passkey_name_error};
use serde::{Deserialize, Serialize};
use time::Duration;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential, Url,
    Webauthn, WebauthnBuilder, WebauthnError,
};

use crate::{
    db::{AuditEvent, Ceremony, CeremonyKind, DbError, PasskeyRecord, UserRecord},
    http::error::{ApiJson, AppError},
    identity::session::{self, CurrentUser},
    state::AppState,
};

/// How long a challenge may be answered.
pub const CEREMONY_TTL: Duration = Duration::minutes(5);
/// Passkeys one user may keep.
pub const PASSKEYS_PER_USER: usize = 20;

/// The relying party passkeys are bound to, from the portal's public URL
/// (the listening address where none is given). `None` where the portal has
/// no domain name (an IP address other than loopback's, which `localhost`
/// stands for): browsers offer passkeys to domain names only.
pub fn relying_party(public_url: &str) -> anyhow::Result<Option<Webauthn>> {
    let mut origin = Url::parse(public_url).map_err(|e| anyhow::anyhow!("--public-url {public_url}: {e}"))?;
    let loopback = match origin.host() {
        Some(url::Host::Domain(_)) => false,
        Some(url::Host::Ipv4(ip)) if ip.is_loopback() => true,
        Some(url::Host::Ipv6(ip)) if ip.is_loopback() => true,
        _ => return Ok(None),
    };
    // On loopback, `localhost` is the same server and a name browsers accept.
    if loopback {
        origin
            .set_host(Some("localhost"))
            .map_err(|e| anyhow::anyhow!("{public_url}: {e}"))?;
    }
    let rp_id = origin.host_str().unwrap_or_default().to_string();
    let webauthn = WebauthnBuilder::new(&rp_id, &origin)
        .and_then(|builder| {
            builder
                .rp_name("Company Portal")
                .timeout(CEREMONY_TTL.unsigned_abs())
                .build()
        })
        .map_err(|e| {
            anyhow::anyhow!("passkeys cannot be bound to --public-url {public_url} (relying party {rp_id}): {e}")
        })?;
    Ok(Some(webauthn))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(registration_challenge))
        .routes(routes!(add_passkey))
        .routes(routes!(remove_passkey))
        .routes(routes!(sign_in_challenge))
        .routes(routes!(sign_in_with_passkey))
        .routes(routes!(reauthenticate_with_passkey))
}

/// A challenge for the browser's `navigator.credentials`: the ceremony it
/// belongs to, and the options to pass (WebAuthn's JSON form).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PasskeyChallenge {
    pub ceremony: Uuid,
    #[schema(value_type = Object)]
    pub options: serde_json::Value,
}

/// A new passkey: the browser's answer to a registration challenge, and its name.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NewPasskey {
    pub ceremony: Uuid,
    pub name: String,
    /// The `PublicKeyCredential` from `navigator.credentials.create`, as JSON.
    #[schema(value_type = Object)]
    pub credential: serde_json::Value,
}

/// The browser's answer to a sign-in challenge.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PasskeyAssertion {
    pub ceremony: Uuid,
    /// The `PublicKeyCredential` from `navigator.credentials.get`, as JSON.
    #[schema(value_type = Object)]
    pub credential: serde_json::Value,
}

fn webauthn(state: &AppState) -> Result<&Webauthn, AppError> {
    state.passkeys.as_deref().ok_or_else(|| {
        AppError::refused(
            StatusCode::CONFLICT,
            "passkeys_unavailable",
            "Passkeys work only where the portal is reached by a domain name. Ask your IT help desk.",
        )
    })
}

fn ceremony_gone() -> AppError {
    AppError::refused(
        StatusCode::UNPROCESSABLE_ENTITY,
        "ceremony_invalid",
        "This passkey request has run out of time or was used already. Try again.",
    )
}

fn passkeys_full() -> AppError {
    AppError::refused(
        StatusCode::CONFLICT,
        "passkeys_full",
        format!("You have {PASSKEYS_PER_USER} passkeys, the most there may be. Remove one first."),
    )
}

fn not_a_passkey() -> AppError {
    AppError::refused(
        StatusCode::UNPROCESSABLE_ENTITY,
        "passkey_invalid",
        "The browser's answer is not a passkey. Try again.",
    )
}

fn refused_passkey() -> AppError {
    AppError::refused(
        StatusCode::UNAUTHORIZED,
        "passkey_refused",
        "That passkey was not accepted. Use a passkey you added on the Security page, or sign in with your password.",
    )
}

fn internal(error: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("{error}"))
}

pub fn summary(record: &PasskeyRecord) -> PasskeySummary {
    PasskeySummary {
        id: record.id,
        name: record.name.clone(),
        created_at: crate::db::values::Ts(record.created_at).rfc3339(),
        last_used_at: record.last_used_at.map(|at| crate::db::values::Ts(at).rfc3339()),
    }
}

fn credential_key(id: &[u8]) -> String {
    data_encoding::BASE64URL_NOPAD.encode(id)
}

async fn save(
    state: &AppState,
    kind: CeremonyKind,
    user_id: Option<UserId>,
    options: impl Serialize,
    ceremony_state: impl Serialize,
) -> Result<Json<PasskeyChallenge>, AppError> {
    let now = state.clock.now();
    let id = Uuid::new_v4();
    let ceremony = Ceremony {
        user_id,
        state: serde_json::to_string(&ceremony_state).map_err(internal)?,
        expires_at: now + CEREMONY_TTL,
    };
    state.db.save_ceremony(id, kind, ceremony, now).await?;
    Ok(Json(PasskeyChallenge {
        ceremony: id,
        options: serde_json::to_value(options).map_err(internal)?,
    }))
}

/// The ceremony's state, once: gone, out of time or another's, refused.
async fn take<T: serde::de::DeserializeOwned>(
    state: &AppState,
    id: Uuid,
    kind: CeremonyKind,
    user_id: Option<UserId>,
) -> Result<T, AppError> {
    let ceremony = state.db.take_ceremony(id, kind).await?.ok_or_else(ceremony_gone)?;
    if ceremony.expires_at <= state.clock.now() || ceremony.user_id != user_id {
        return Err(ceremony_gone());
    }
    serde_json::from_str(&ceremony.state).map_err(internal)
}

/// Starts adding a passkey: needs a fresh sign-in, like every change to how
/// the user signs in.
#[utoipa::path(post, path = "/api/v1/security/passkeys/challenge", tag = "security",
    responses(
        (status = 200, body = PasskeyChallenge, description = "Pass `options` to navigator.credentials.create"),
        (status = 401, body = ApiError),
        (status = 403, body = ApiError, description = "Sign in again first"),
        (status = 409, body = ApiError, description = "Passkeys are not offered here, or the user has the most there may be"),
    ))]
async fn registration_challenge(
    State(state): State<AppState>,
    caller: CurrentUser,
) -> Result<Json<PasskeyChallenge>, AppError> {
    caller.require_fresh(state.clock.now())?;
    let webauthn = webauthn(&state)?;
    let existing = state.db.passkeys_of(caller.user.id).await?;
    if existing.len() >= PASSKEYS_PER_USER {
        return Err(passkeys_full());
    }
    let exclude = existing
        .iter()
        .filter_map(|p| serde_json::from_str::<Passkey>(&p.credential).ok())
        .map(|p| p.cred_id().clone())
        .collect();
    let (options, registration) = webauthn
        .start_passkey_registration(
            caller.user.id.0,
            &caller.user.email,
            &caller.user.display_name,
            Some(exclude),
        )
        .map_err(internal)?;
    // Signing in without an email needs the passkey kept on the authenticator.
    let mut options = serde_json::to_value(options).map_err(internal)?;
    if let Some(selection) = options.pointer_mut("/publicKey/authenticatorSelection") {
        selection["requireResidentKey"] = true.into();
        selection["residentKey"] = "required".into();
    }
    save(
        &state,
        CeremonyKind::Registration,
        Some(caller.user.id),
        options,
        registration,
    )
    .await
}

/// Adds the passkey the browser made for the challenge, under the name given.
#[utoipa::path(post, path = "/api/v1/security/passkeys", tag = "security", request_body = NewPasskey,
    responses(
        (status = 201, body = PasskeySummary),
        (status = 401, body = ApiError),
        (status = 403, body = ApiError, description = "Sign in again first"),
        (status = 409, body = ApiError, description = "This passkey is added already"),
        (status = 422, body = ApiError, description = "A bad name, an answer the challenge does not accept, or a challenge out of time"),
    ))]
async fn add_passkey(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    caller: CurrentUser,
    ApiJson(request): ApiJson<NewPasskey>,
) -> Result<(StatusCode, Json<PasskeySummary>), AppError> {
    let now = state.clock.now();
    caller.require_fresh(now)?;
    let webauthn = webauthn(&state)?;
    if let Some((code, message)) = passkey_name_error(&request.name) {
        let mut errors = portal_types::FieldErrors::default();
        errors.add("name", code, message);
        return Err(AppError::InvalidInput(errors));
    }
    let registration: PasskeyRegistration = take(
        &state,
        request.ceremony,
        CeremonyKind::Registration,
        Some(caller.user.id),
    )
    .await?;
    let credential: RegisterPublicKeyCredential =
        serde_json::from_value(request.credential).map_err(|_| not_a_passkey())?;
    let passkey = webauthn
        .finish_passkey_registration(&credential, &registration)
        .map_err(|error| {
            tracing::info!(%error, "passkey registration refused");
            AppError::refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                "passkey_invalid",
                "The passkey could not be checked. Try again, or use another authenticator.",
            )
        })?;
    let name = request.name.trim().to_string();
    let record = PasskeyRecord {
        id: Uuid::new_v4(),
        user_id: caller.user.id,
        name: name.clone(),
        credential: serde_json::to_string(&passkey).map_err(internal)?,
        created_at: now,
        last_used_at: None,
    };
    let mut event = caller.audit_event(&state, client, "passkey_added");
    event.subject = Some(name);
    match state
        .db
        .add_passkey(record.clone(), &credential_key(passkey.cred_id()), event)
        .await
    {
        Ok(()) => Ok((StatusCode::CREATED, Json(summary(&record)))),
        Err(DbError::Conflict) => Err(AppError::refused(
            StatusCode::CONFLICT,
            "passkey_exists",
            "This passkey is added already.",
        )),
        Err(other) => Err(other.into()),
    }
}

/// Removes one of the caller's passkeys; the caller's other sessions end.
#[utoipa::path(delete, path = "/api/v1/security/passkeys/{id}", tag = "security",
    params(("id" = Uuid, Path, description = "The passkey")),
    responses(
        (status = 204, description = "Removed; other sessions signed out"),
        (status = 401, body = ApiError),
        (status = 403, body = ApiError, description = "Sign in again first"),
        (status = 404, body = ApiError, description = "Not a passkey of the caller's"),
    ))]
async fn remove_passkey(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    caller: CurrentUser,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    caller.require_fresh(state.clock.now())?;
    let id: Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    let name = state
        .db
        .passkeys_of(caller.user.id)
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or(AppError::NotFound)?
        .name;
    let mut event = caller.audit_event(&state, client, "passkey_removed");
    event.subject = Some(name);
    if !state
        .db
        .remove_passkey(caller.user.id, id, &caller.token_hash, event)
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT)
}

/// A challenge any passkey of this portal's answers, for Sign in with a
/// passkey (no email asked) and for confirming it is you. Limited per
/// address: each challenge is kept until answered or out of time.
#[utoipa::path(post, path = "/api/v1/auth/passkey/challenge", tag = "auth",
    responses(
        (status = 200, body = PasskeyChallenge, description = "Pass `options` to navigator.credentials.get"),
        (status = 409, body = ApiError, description = "Passkeys are not offered here"),
        (status = 429, body = ApiError),
    ))]
async fn sign_in_challenge(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
) -> Result<Json<PasskeyChallenge>, AppError> {
    let webauthn = webauthn(&state)?;
    let now = state.clock.now();
    if let Err(wait) = state.passkey_limits.reserve(&client.ip().to_string(), now).await? {
        let seconds = crate::rate_limit::wait_seconds(wait);
        return Err(AppError::RateLimited {
            retry_after_seconds: seconds,
            message: format!("Too many passkey requests. Try again in {seconds} seconds."),
        });
    }
    let (options, authentication) = webauthn.start_discoverable_authentication().map_err(internal)?;
    save(&state, CeremonyKind::Authentication, None, options, authentication).await
}

/// Checks an answer to a sign-in challenge: the passkey's user, and the
/// passkey as updated (counter, backup flags). A passkey whose counter went
/// back (a copied authenticator) is refused, and that is audited. With
/// `expected` (confirming it is a signed-in user), another user's passkey
/// is refused before it is checked or touched.
async fn verify(
    state: &AppState,
    assertion: PasskeyAssertion,
    source: &str,
    expected: Option<&UserRecord>,
) -> Result<(UserRecord, PasskeyRecord), AppError> {
    let webauthn = webauthn(state)?;
    let authentication: DiscoverableAuthentication =
        take(state, assertion.ceremony, CeremonyKind::Authentication, None).await?;
    let credential: PublicKeyCredential = serde_json::from_value(assertion.credential).map_err(|_| not_a_passkey())?;
    let (user_handle, credential_id) = webauthn
        .identify_discoverable_authentication(&credential)
        .map_err(|_| refused_passkey())?;
    let mut record = state
        .db
        .passkey_by_credential(&credential_key(credential_id))
        .await?
        .filter(|record| record.user_id.0 == user_handle)
        .ok_or_else(refused_passkey)?;
    let now = state.clock.now();
    if let Some(expected) = expected.filter(|user| user.id != record.user_id) {
        let audit = AuditEvent::new(now, "reauthenticate_passkey", "another_users_passkey")
            .actor(expected.id)
            .subject(expected.email.clone())
            .source(source.to_string());
        state.db.record_audit(audit).await?;
        return Err(refused_passkey());
    }
    let user = state.db.user_by_id(record.user_id).await?.ok_or_else(refused_passkey)?;
    let mut passkey: Passkey = serde_json::from_str(&record.credential).map_err(internal)?;
    let result = webauthn.finish_discoverable_authentication_v2(&credential, authentication, &passkey);
    let result = match result {
        Ok(result) => result,
        Err(error) => {
            let suspected_copy = matches!(error, WebauthnError::CredentialPossibleCompromise);
            let action = if suspected_copy {
                "passkey_copy_refused"
            } else {
                "passkey_refused"
            };
            let audit = AuditEvent::new(now, action, "failure")
                .actor(user.id)
                .subject(record.name.clone())
                .source(source.to_string());
            state.db.record_audit(audit).await?;
            tracing::info!(%error, "passkey assertion refused");
            return Err(refused_passkey());
        }
    };
    passkey.update_credential(&result);
    let updated = serde_json::to_string(&passkey).map_err(internal)?;
    // Only over the credential checked: of two answers checked against the
    // same counter at once, one passes.
    if !state
        .db
        .passkey_used(record.id, &record.credential, &updated, now)
        .await?
    {
        return Err(refused_passkey());
    }
    record.credential = updated;
    record.last_used_at = Some(now);
    Ok((user, record))
}

/// Signs in with a passkey: password and second factor in one.
#[utoipa::path(post, path = "/api/v1/auth/passkey/sign-in", tag = "auth", request_body = PasskeyAssertion,
    responses(
        (status = 200, body = MeResponse, description = "Signed in; the session cookie is set"),
        (status = 401, body = ApiError, description = "The passkey was not accepted"),
        (status = 409, body = ApiError, description = "Passkeys are not offered here"),
        (status = 422, body = ApiError, description = "Not an answer, or a challenge out of time or used"),
    ))]
async fn sign_in_with_passkey(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(assertion): ApiJson<PasskeyAssertion>,
) -> Result<impl IntoResponse, AppError> {
    let address = client.ip().to_string();
    let (user, passkey) = verify(&state, assertion, &address, None).await?;
    let event = AuditEvent::new(state.clock.now(), "sign_in_passkey", "success")
        .actor(user.id)
        .subject(passkey.name)
        .source(address);
    let cookie = session::start(&state, &headers, &user, true, event).await?;
    Ok(([(header::SET_COOKIE, cookie)], Json(super::routes::me_response(&user))))
}

/// Confirms it is you with a passkey, in place of password and code: the
/// session counts as freshly signed in, as Reset device and Remove device need.
#[utoipa::path(post, path = "/api/v1/auth/reauthenticate/passkey", tag = "auth", request_body = PasskeyAssertion,
    responses(
        (status = 204, description = "Confirmed; a new session cookie is set"),
        (status = 401, body = ApiError, description = "The passkey was not accepted, or is another user's"),
        (status = 422, body = ApiError, description = "Not an answer, or a challenge out of time or used"),
    ))]
async fn reauthenticate_with_passkey(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    caller: CurrentUser,
    ApiJson(assertion): ApiJson<PasskeyAssertion>,
) -> Result<impl IntoResponse, AppError> {
    let (_, passkey) = verify(&state, assertion, &client.ip().to_string(), Some(&caller.user)).await?;
    let mut event = caller.audit_event(&state, client, "reauthenticate_passkey");
    event.subject = Some(passkey.name);
    let cookie = session::refresh(&state, &caller, event).await?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origins(public_url: &str) -> Option<Vec<String>> {
        relying_party(public_url)
            .unwrap()
            .map(|w| w.get_allowed_origins().iter().map(|u| u.to_string()).collect())
    }

    #[test]
    fn passkeys_are_bound_to_the_public_urls_domain_or_localhost() {
        assert_eq!(
            origins("https://portal.example.com"),
            Some(vec!["https://portal.example.com/".into()])
        );
        assert_eq!(
            origins("http://127.0.0.1:8080"),
            Some(vec!["http://localhost:8080/".into()])
        );
        assert_eq!(
            origins("http://[::1]:8080"),
            Some(vec!["http://localhost:8080/".into()])
        );
        assert_eq!(origins("https://192.0.2.10"), None);
        assert!(relying_party("not a url").is_err());
    }
}
