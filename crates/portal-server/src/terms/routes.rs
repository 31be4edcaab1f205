//! The terms' API: an employee accepts the version in force; an
//! administrator reads it and publishes the next.

use std::net::SocketAddr;

use axum::{
    Json,
    extract::{ConnectInfo, State},
    http::StatusCode,
};
use portal_types::{ApiError, Terms, TermsAcceptance, TermsChange, TermsVersion};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{as_read, changed, markdown, rfc3339, text_errors};
use crate::{
    admin::admin_only,
    db::StoredTerms,
    http::error::{ApiJson, AppError},
    identity::session::CurrentUser,
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(accept))
        .routes(routes!(terms, publish))
}

/// Accepts the version in force, the one the user read.
#[utoipa::path(post, path = "/api/v1/terms/acceptances", tag = "enrollment", request_body = TermsAcceptance,
    responses(
        (status = 201, body = Terms, description = "Accepted (or accepted before): the terms with when"),
        (status = 401, body = ApiError),
        (status = 404, body = ApiError, description = "The organisation has no terms"),
        (status = 409, body = ApiError, description = "Another version is in force now"),
    ))]
async fn accept(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    caller: CurrentUser,
    ApiJson(acceptance): ApiJson<TermsAcceptance>,
) -> Result<(StatusCode, Json<Terms>), AppError> {
    let current = state.db.current_terms().await?.ok_or(AppError::NotFound)?;
    if acceptance.version != current.version {
        return Err(changed());
    }
    let event = caller.audit_event_on(&state, client, "terms_accepted", &terms_subject(current.version));
    let accepted_at = state.db.accept_terms(caller.user.id, current.version, event).await?;
    Ok((StatusCode::CREATED, Json(as_read(&current, Some(accepted_at)))))
}

/// What a terms' audit entry is about.
fn terms_subject(version: u32) -> String {
    format!("terms version {version}")
}

fn admin(caller: &CurrentUser) -> Result<(), AppError> {
    admin_only(
        caller,
        "Only IT administrators can see and publish the terms and conditions.",
    )
}

fn version_of(stored: StoredTerms) -> TermsVersion {
    TermsVersion {
        version: stored.version,
        html: markdown::to_html(&stored.body),
        text: stored.body,
        published_by: stored.published_by.map(|(name, email)| format!("{name} ({email})")),
        published_at: Some(rfc3339(stored.published_at)),
        accepted_by: stored.accepted_by,
    }
}

/// The version in force, who published it and how many have accepted it;
/// version 0, with no text, while none was published.
#[utoipa::path(get, path = "/api/v1/admin/terms", tag = "admin",
    responses(
        (status = 200, body = TermsVersion),
        (status = 401, body = ApiError),
        (status = 403, body = ApiError, description = "Not an administrator"),
    ))]
async fn terms(State(state): State<AppState>, caller: CurrentUser) -> Result<Json<TermsVersion>, AppError> {
    admin(&caller)?;
    Ok(Json(
        state
            .db
            .current_terms()
            .await?
            .map_or_else(TermsVersion::default, version_of),
    ))
}

/// Publishes the next version: everyone is asked to accept it at their next
/// Add device.
#[utoipa::path(post, path = "/api/v1/admin/terms", tag = "admin", request_body = TermsChange,
    responses(
        (status = 201, body = TermsVersion),
        (status = 422, body = ApiError, description = "Empty or too long, with a message"),
        (status = 401, body = ApiError),
        (status = 403, body = ApiError, description = "Not an administrator"),
        (status = 409, body = ApiError, description = "Another version was published since the one edited"),
    ))]
async fn publish(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    caller: CurrentUser,
    ApiJson(change): ApiJson<TermsChange>,
) -> Result<(StatusCode, Json<TermsVersion>), AppError> {
    admin(&caller)?;
    let errors = text_errors(&change.text);
    if !errors.is_empty() {
        return Err(AppError::InvalidInput(errors));
    }
    let in_force = state.db.current_terms().await?.map_or(0, |t| t.version);
    if change.based_on != in_force {
        return Err(changed());
    }
    let next = in_force + 1;
    let event = caller.audit_event_on(&state, client, "terms_published", &terms_subject(next));
    if !state
        .db
        .publish_terms(next, change.text.trim(), caller.user.id, event)
        .await?
    {
        return Err(changed());
    }
    let stored = state.db.current_terms().await?.ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(version_of(stored))))
}
