//! The sync's API: tokens made by an administrator, and snapshots sent with
//! one by the on-premises manager (no browser session: nothing to forge).

use std::net::SocketAddr;

use axum::{
    Json,
    body::Bytes,
    extract::{ConnectInfo, DefaultBodyLimit, Query, State, rejection::QueryRejection},
    http::{HeaderMap, StatusCode, header},
};
use portal_types::{ApiError, FieldErrors, OnMissing, SnapshotKind, SyncReport, SyncToken};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    admin::admin_only,
    db::AuditEvent,
    http::error::AppError,
    identity::session::{CurrentUser, hash_token, new_token},
    inventory::{self, records::Snapshot},
    policies::rules::ProvisioningMode,
    state::AppState,
};

/// Where the sync is sent: the CSRF check leaves it be, as it has no cookie.
pub const SYNC_PATH: &str = "/api/v1/admin/inventory-sync";

/// A 100,000-device snapshot is some 15 MB of CSV.
const MAX_SNAPSHOT_BYTES: usize = 64 * 1024 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_sync_token)).merge(
        OpenApiRouter::new()
            .routes(routes!(sync))
            .layer(DefaultBodyLimit::max(MAX_SNAPSHOT_BYTES)),
    )
}

fn hybrid_only(state: &AppState) -> Result<(), AppError> {
    let mode = state.policies.current().mode;
    if mode == ProvisioningMode::Hybrid {
        return Ok(());
    }
    Err(AppError::refused(
        StatusCode::FORBIDDEN,
        "not_in_plan",
        format!(
            "The on-premises inventory sync is part of the Hybrid plan; this organisation's is {}.",
            mode.name()
        ),
    ))
}

/// A token for the on-premises manager to send its inventory with, shown once.
#[utoipa::path(post, path = "/api/v1/admin/sync-tokens", tag = "admin",
    responses(
        (status = 201, body = SyncToken, description = "The token; only its hash is kept"),
        (status = 401, body = ApiError),
        (status = 403, body = ApiError, description = "Not an administrator, or not the Hybrid plan"),
    ))]
async fn create_sync_token(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    caller: CurrentUser,
) -> Result<(StatusCode, Json<SyncToken>), AppError> {
    admin_only(&caller, "Only IT administrators can make sync tokens.")?;
    hybrid_only(&state)?;
    let token = new_token();
    let now = state.clock.now();
    let audit = AuditEvent::new(now, "sync_token_created", "success")
        .actor(caller.user.id)
        .source(client.ip().to_string());
    state
        .db
        .create_sync_token(&hash_token(&token), caller.user.id, now, audit)
        .await?;
    Ok((StatusCode::CREATED, Json(SyncToken { token })))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CsvParams {
    /// For CSV: `full` or `partial` (JSON says so in its body).
    snapshot: Option<SnapshotKind>,
    /// For a full CSV snapshot: `stale` (default) or `remove`.
    on_missing: Option<OnMissing>,
}

/// Applies a snapshot of the on-premises inventory, sent with a sync token
/// (`Authorization: Bearer …`) as JSON (`InventorySnapshot`) or as CSV
/// (`text/csv`, the record's field names as its header). A partial
/// snapshot's bad records are reported and the rest applied; a full
/// snapshot with a bad record changes nothing (422, each record's line and
/// field). Sending the same snapshot again changes nothing.
#[utoipa::path(post, path = "/api/v1/admin/inventory-sync", tag = "admin", params(CsvParams),
    request_body(content = portal_types::InventorySnapshot, description = "JSON, or CSV as text/csv"),
    responses(
        (status = 200, body = SyncReport),
        (status = 400, body = ApiError, description = "Not a readable snapshot"),
        (status = 401, body = ApiError, description = "No sync token, or not one an administrator made"),
        (status = 403, body = ApiError, description = "Not the Hybrid plan"),
        (status = 422, body = ApiError, description = "A full snapshot with bad records: nothing changed"),
    ))]
async fn sync(
    State(state): State<AppState>,
    params: Result<Query<CsvParams>, QueryRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<SyncReport>, AppError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let invalid = || {
        AppError::refused(
            StatusCode::UNAUTHORIZED,
            "sync_token_invalid",
            "Send the snapshot with a sync token an administrator made (Authorization: Bearer …).",
        )
    };
    if token.is_empty() || !state.db.use_sync_token(&hash_token(token), state.clock.now()).await? {
        return Err(invalid());
    }
    hybrid_only(&state)?;
    let Query(params) = params.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let is_csv = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/csv"));
    let snapshot = if is_csv {
        let kind = params.snapshot.ok_or_else(|| {
            AppError::BadRequest(
                "Say whether the CSV is a full or a partial snapshot: ?snapshot=full or partial.".into(),
            )
        })?;
        Snapshot::from_csv(&body, kind, params.on_missing.unwrap_or_default())
    } else {
        Snapshot::from_json(&body)
    }
    .map_err(AppError::BadRequest)?;
    let kind = snapshot.kind;
    let policy = state.policies.current();
    let report = inventory::apply(&*state.db, &*state.clock, &policy, snapshot, |_, _| {}).await?;
    if kind == SnapshotKind::Full && !report.rejected.is_empty() {
        let mut fields = FieldErrors::default();
        for row in &report.rejected {
            fields.add(&format!("{}.{}", row.line, row.field), "row_invalid", &row.message);
        }
        // Each field named `<line>.<field>`.
        return Err(AppError::InvalidInput(fields));
    }
    Ok(Json(report))
}

/// One entry per sync applied, saying what it did.
pub(super) fn audit_of(report: &SyncReport, at: time::OffsetDateTime) -> AuditEvent {
    AuditEvent::new(at, "inventory_synced", "success")
        .subject(format!(
            "{} records: {} new, {} co-managed, {} updated, {} unchanged, {} stale, {} removed, {} refused",
            report.received,
            report.created,
            report.co_managed,
            report.updated,
            report.unchanged,
            report.stale,
            report.removed,
            report.rejected.len()
        ))
        .source("on-premises inventory".to_string())
}
