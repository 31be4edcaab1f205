//! Server-side sessions behind an HttpOnly, SameSite=Strict cookie.

use axum::{
    extract::FromRequestParts,
    http::{HeaderMap, HeaderValue, header, request::Parts},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use time::{Duration, OffsetDateTime};

use crate::{db::UserRecord, http::error::AppError, state::AppState};

/// Over TLS the cookie takes the `__Host-` prefix: Secure, host-only, path `/`.
pub const fn cookie_name(secure: bool) -> &'static str {
    if secure { "__Host-cp_session" } else { "cp_session" }
}
/// A session unused this long is over.
pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
/// A session is over this long after sign-in, however busy.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);
/// `last_seen_at` is written at most this often, not on every request.
const TOUCH_EVERY: Duration = Duration::seconds(30);

/// 256 random bits, URL-safe.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps instead of the token.
pub fn hash_token(token: &str) -> String {
    crate::digest::sha256_hex(token)
}

pub fn session_cookie(token: &str, secure: bool) -> HeaderValue {
    cookie(token, ABSOLUTE_TIMEOUT.whole_seconds(), secure)
}

pub fn cleared_cookie(secure: bool) -> HeaderValue {
    cookie("", 0, secure)
}

fn cookie(value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let name = cookie_name(secure);
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"
    ))
    .expect("cookie is ASCII")
}

/// A new session for `user`, whose sign-in `event` is audited with it; its
/// cookie. A new id at every sign-in: a session planted before it is dropped.
/// `second_factor`: the sign-in took a TOTP code or a passkey.
pub async fn start(
    state: &AppState,
    headers: &HeaderMap,
    user: &UserRecord,
    second_factor: bool,
    event: crate::db::AuditEvent,
) -> Result<HeaderValue, AppError> {
    if let Some(old) = token_from(headers, state.secure_cookies) {
        state.db.delete_session(&hash_token(old), None).await?;
    }
    let token = new_token();
    let now = event.at;
    state
        .db
        .create_session(
            &hash_token(&token),
            user.id,
            now,
            now + ABSOLUTE_TIMEOUT,
            second_factor,
            event,
        )
        .await?;
    Ok(session_cookie(&token, state.secure_cookies))
}

/// After the user confirmed it is them (`event`, audited with it): the
/// session gets a new id and counts as fresh; its new cookie.
pub async fn refresh(
    state: &AppState,
    caller: &CurrentUser,
    event: crate::db::AuditEvent,
) -> Result<HeaderValue, AppError> {
    let token = new_token();
    let now = event.at;
    state
        .db
        .reauthenticate_session(&caller.token_hash, &hash_token(&token), now, event)
        .await?;
    Ok(session_cookie(&token, state.secure_cookies))
}

pub fn token_from(headers: &HeaderMap, secure: bool) -> Option<&str> {
    cookie_value(headers, cookie_name(secure))
}

/// The value of the cookie called `cookie`, unless empty.
pub fn cookie_value<'a>(headers: &'a HeaderMap, cookie: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == cookie && !value.is_empty())
        .map(|(_, value)| value)
}

/// Whether a page is asked for by a visitor with no session for certain: a
/// navigation that would carry the cookie (typed, bookmarked, from the
/// portal itself or from its own site; SameSite=Strict keeps it from other
/// sites' links, which `Sec-Fetch-Site` tells apart) and carries none.
pub fn navigation_certainly_signed_out(headers: &HeaderMap, secure: bool) -> bool {
    let fetch = |name| headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok());
    fetch("sec-fetch-mode") == Some("navigate")
        && matches!(fetch("sec-fetch-site"), Some("none" | "same-origin" | "same-site"))
        && token_from(headers, secure).is_none()
}

/// Whether the session is still open at `now`, for whichever door it came
/// through (the portal or the gateway): an ended one is deleted, a used one
/// noted as used.
pub async fn still_open(
    state: &AppState,
    token_hash: &str,
    session: &crate::db::SessionRecord,
    now: OffsetDateTime,
) -> crate::db::DbResult<bool> {
    if now >= session.expires_at || now - session.last_seen_at >= IDLE_TIMEOUT {
        state.db.delete_session(token_hash, None).await?;
        return Ok(false);
    }
    if now - session.last_seen_at >= TOUCH_EVERY {
        state.db.touch_session(token_hash, now).await?;
    }
    Ok(true)
}

/// How recently the password must have been entered for destructive actions.
pub const FRESH_AUTHENTICATION: Duration = Duration::minutes(5);

/// The signed-in caller; extracting it answers 401 when there is none.
pub struct CurrentUser {
    pub user: UserRecord,
    pub token_hash: String,
    /// When the password was last entered for this session.
    pub authenticated_at: Option<OffsetDateTime>,
    /// When the session began (it keeps this across re-authentication) and ends.
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

impl CurrentUser {
    /// The audit entry of a successful `action` of this user's on their own
    /// account, for the change to write in its transaction.
    pub fn audit_event(&self, state: &AppState, client: std::net::SocketAddr, action: &str) -> crate::db::AuditEvent {
        self.audit_event_on(state, client, action, &self.user.email)
    }

    /// The audit entry of a successful `action` of this user's on `subject`
    /// (an app, a version of the terms, ...).
    pub fn audit_event_on(
        &self,
        state: &AppState,
        client: std::net::SocketAddr,
        action: &str,
        subject: &str,
    ) -> crate::db::AuditEvent {
        crate::db::AuditEvent::new(state.clock.now(), action, "success")
            .actor(self.user.id)
            .subject(subject)
            .source(client.ip().to_string())
    }

    /// Whether the password was entered within [`FRESH_AUTHENTICATION`].
    pub fn is_fresh(&self, now: OffsetDateTime) -> bool {
        self.authenticated_at.is_some_and(|at| now - at < FRESH_AUTHENTICATION)
    }

    /// What destructive and account-changing actions ask first: the
    /// password entered within the last minutes.
    pub fn require_fresh(&self, now: OffsetDateTime) -> Result<(), AppError> {
        if self.is_fresh(now) {
            return Ok(());
        }
        Err(AppError::refused(
            axum::http::StatusCode::FORBIDDEN,
            "reauthentication_required",
            "Confirm it is you: enter your password again (and your code, if you use one).",
        ))
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = token_from(&parts.headers, state.secure_cookies).ok_or(AppError::Unauthorized)?;
        let token_hash = hash_token(token);
        let (session, user) = state.db.session(&token_hash).await?.ok_or(AppError::Unauthorized)?;
        let now = state.clock.now();
        if !still_open(state, &token_hash, &session, now).await? {
            return Err(AppError::SessionExpired);
        }
        Ok(CurrentUser {
            user,
            token_hash,
            authenticated_at: session.authenticated_at,
            created_at: session.created_at,
            expires_at: session.expires_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_session_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("theme=dark; cp_session=abc123; lang=en"),
        );
        assert_eq!(token_from(&headers, false), Some("abc123"));
        assert_eq!(
            token_from(&headers, true),
            None,
            "over TLS only the __Host- cookie counts"
        );
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("xcp_session=nope; cp_session="),
        );
        assert_eq!(token_from(&headers, false), None);
    }

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), 32);
        assert_eq!(hash_token(&a).len(), 64);
        assert_ne!(hash_token(&a), a);
    }
}
