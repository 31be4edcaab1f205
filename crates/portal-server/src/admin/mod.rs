//! The organisation's side, for IT administrators: the Overview, All
//! devices and the audit log so far.

pub mod audit;
mod csv;
pub mod devices;
pub mod fleet;
pub mod overview;

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::Response,
};
use portal_types::{Role, UserId};

use crate::{db::AuditEvent, http::error::AppError, identity::session::CurrentUser, state::AppState};

/// Only administrators pass; anybody else is refused with `message`, and
/// written down.
pub fn admin_only(caller: &CurrentUser, message: &str) -> Result<(), AppError> {
    if caller.user.role == Role::Admin {
        return Ok(());
    }
    Err(AppError::AdminOnly {
        user: caller.user.id,
        message: message.into(),
    })
}

/// Marks an answer that refused `0` the console's API.
#[derive(Debug, Clone, Copy)]
pub struct RefusedAdmin(pub UserId);

/// Writes down who was refused the console's API, where, and from which
/// address, once an hour per user ([`AppState::audit_refusal`]).
pub async fn audit_refused(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let source = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|client| client.0.ip().to_string());
    let response = next.run(request).await;
    if let Some(RefusedAdmin(user)) = response.extensions().get::<RefusedAdmin>().copied() {
        let event = AuditEvent::refused(state.clock.now(), "admin_access_refused")
            .actor(user)
            .subject(path)
            .source(source);
        if let Err(error) = state.audit_refusal(&format!("admin:{user}"), event).await {
            tracing::warn!(%error, "cannot write down a refusal");
        }
    }
    response
}
