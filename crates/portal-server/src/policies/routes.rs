//! The Policies page's API: the version in force, and a new one saved by an
//! administrator, audited, after which every device is judged anew.

use std::net::SocketAddr;

use axum::{
    Json,
    extract::{ConnectInfo, State},
    http::StatusCode,
};
use portal_types::{ApiError, Evaluation, PolicyChange, PolicyVersion};
use time::format_description::well_known::Rfc3339;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    admin::admin_only,
    db::{AuditEvent, StoredPolicy},
    http::error::{ApiJson, AppError},
    identity::session::CurrentUser,
    policies::evaluation,
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(policy, change_policy))
}

fn admin(caller: &CurrentUser) -> Result<(), AppError> {
    admin_only(caller, "Only IT administrators can see and change the policies.")
}

fn version_of(stored: StoredPolicy) -> PolicyVersion {
    let format = |at: time::OffsetDateTime| at.format(&Rfc3339).unwrap_or_default();
    PolicyVersion {
        version: stored.version,
        settings: stored.settings,
        changed_by: stored.changed_by.map(|(name, email)| format!("{name} ({email})")),
        changed_at: format(stored.changed_at),
        evaluation: Evaluation {
            evaluated: stored.evaluation.evaluated,
            devices: stored.evaluation.devices,
            changed: stored.evaluation.changed,
            finished_at: stored.evaluation.finished_at.map(format),
        },
    }
}

async fn current(state: &AppState) -> Result<PolicyVersion, AppError> {
    let stored = state.policies.refresh().await?.ok_or(AppError::NotFound)?;
    Ok(version_of(stored))
}

/// The version in force, who saved it, and how far judging every device by
/// it has gone.
#[utoipa::path(get, path = "/api/v1/admin/policy", tag = "admin",
    responses((status = 200, body = PolicyVersion), (status = 401, body = ApiError), (status = 403, body = ApiError, description = "Not an administrator")))]
async fn policy(State(state): State<AppState>, caller: CurrentUser) -> Result<Json<PolicyVersion>, AppError> {
    admin(&caller)?;
    Ok(Json(current(&state).await?))
}

/// Saves the next version: in force on every node at once; every device is
/// then judged by it in the background (`evaluation` in the answer and in
/// `GET` shows how far), and owners' portals show their devices' new state.
#[utoipa::path(put, path = "/api/v1/admin/policy", tag = "admin", request_body = PolicyChange,
    responses(
        (status = 200, body = PolicyVersion),
        (status = 422, body = ApiError, description = "A field a rule refuses, with a message for each"),
        (status = 401, body = ApiError),
        (status = 403, body = ApiError, description = "Not an administrator"),
        (status = 409, body = ApiError, description = "Another version was saved since the one edited"),
    ))]
async fn change_policy(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    caller: CurrentUser,
    ApiJson(change): ApiJson<PolicyChange>,
) -> Result<Json<PolicyVersion>, AppError> {
    admin(&caller)?;
    let in_force = state.policies.current();
    let mut errors = change.settings.field_errors();
    for rule in &change.settings.platforms {
        if !in_force.mode.offers_platform(rule.platform) {
            errors.add(
                rule.platform.as_str(),
                "not_in_plan",
                &format!(
                    "The {} plan does not offer {}.",
                    in_force.mode.name(),
                    rule.platform.label()
                ),
            );
        }
    }
    if !errors.is_empty() {
        return Err(AppError::InvalidInput(errors));
    }
    let stale = || {
        AppError::refused(
            StatusCode::CONFLICT,
            "policy_changed",
            "Another administrator saved the policies since you opened them. Reload to see their version, then make your change again.",
        )
    };
    if change.based_on != in_force.version {
        return Err(stale());
    }
    let next = in_force.with_settings(in_force.version + 1, &change.settings);
    let now = state.clock.now();
    let audit = AuditEvent::new(now, "policy_changed", "success")
        .actor(caller.user.id)
        .subject(format!("policy version {}", next.version))
        .source(client.ip().to_string());
    if !state
        .db
        .save_policy(next.version, &change.settings, Some(caller.user.id), now, Some(audit))
        .await?
    {
        return Err(stale());
    }
    let next = std::sync::Arc::new(next);
    state.policies.install((*next).clone());
    evaluation::after_change(state.db.clone(), state.clock.clone(), state.policies.clone(), next);
    Ok(Json(current(&state).await?))
}
