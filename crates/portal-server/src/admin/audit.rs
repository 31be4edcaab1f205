//! The audit log, for administrators: every entry, newest first, filtered
//! by actor, action, device, user and time, paged and exported as CSV.
//! Reading it changes nothing: the log stays append-only.

use axum::{
    Json,
    body::Bytes,
    extract::{Query, State, rejection::QueryRejection},
    response::Response,
};
use futures_util::{StreamExt, stream};
use portal_types::{ApiError, AuditEntry, AuditPage, DeviceId, FieldErrors, admin::MAX_AUDIT_PAGE};
use serde::Deserialize;
use time::{Date, Duration, OffsetDateTime, format_description::well_known::Rfc3339, macros::format_description};
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    admin::{admin_only, csv},
    db::{AuditQuery, AuditRecord, DbError},
    http::error::AppError,
    identity::session::CurrentUser,
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(audit_log))
        .routes(routes!(export_audit_log))
}

const DEFAULT_PAGE: u32 = 50;
/// Entries the export reads at a time.
const EXPORT_BATCH: u32 = 1_000;

/// The audit log's query parameters, as sent; checked by [`AuditParams::check`].
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// The email of the user who acted.
    actor: Option<String>,
    /// One action, e.g. `wipe_requested`.
    action: Option<String>,
    /// A device's id: entries about it and its apps.
    device: Option<String>,
    /// A user's email: entries about their account and their devices.
    user: Option<String>,
    /// From this day (`2026-12-01`, UTC) or time (RFC 3339).
    from: Option<String>,
    /// Up to and including this day, or before this time.
    to: Option<String>,
    /// The `next` of the page before.
    before: Option<String>,
    /// 1 to 200; default 50.
    per_page: Option<String>,
}

/// A day (the whole of it, UTC) or an RFC 3339 time; `end` asks for the
/// moment after the day rather than its start.
fn moment(value: &str, end: bool) -> Option<OffsetDateTime> {
    if let Ok(at) = OffsetDateTime::parse(value, &Rfc3339) {
        return Some(at);
    }
    let day = Date::parse(value, format_description!("[year]-[month]-[day]")).ok()?;
    let start = day.midnight().assume_utc();
    Some(if end { start + Duration::days(1) } else { start })
}

impl AuditParams {
    fn check(self) -> Result<AuditQuery, FieldErrors> {
        let mut errors = FieldErrors::default();
        let text = |value: Option<String>| value.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let email = |value: Option<String>| text(value).map(|v| v.to_lowercase());
        let actor = email(self.actor);
        let user = email(self.user);
        let action = text(self.action);
        for (field, value) in [("actor", &actor), ("user", &user), ("action", &action)] {
            if value
                .as_ref()
                .is_some_and(|v| v.chars().count() > 200 || v.chars().any(char::is_control))
            {
                errors.add(
                    field,
                    "search_characters",
                    "Use at most 200 letters, digits and punctuation.",
                );
            }
        }
        let device = text(self.device).and_then(|id| {
            let parsed = uuid::Uuid::try_parse(&id).ok().map(DeviceId);
            if parsed.is_none() {
                errors.add("device", "device_invalid", "Use a device's id, as its page shows it.");
            }
            parsed
        });
        let mut time = |field: &str, value: Option<String>, end: bool| {
            text(value).and_then(|v| {
                let at = moment(&v, end);
                if at.is_none() {
                    errors.add(
                        field,
                        "time_invalid",
                        "Use a day (2026-12-01) or a time (2026-12-01T09:00:00Z).",
                    );
                }
                at
            })
        };
        let from = time("from", self.from, false);
        let to = time("to", self.to, true);
        if let (Some(from), Some(to)) = (from, to)
            && from >= to
        {
            errors.add("to", "range_invalid", "End after the start.");
        }
        let before = text(self.before).and_then(|b| {
            let parsed = b.parse::<i64>().ok().filter(|n| *n > 0);
            if parsed.is_none() {
                errors.add("before", "page_place_invalid", "Use the next of the page before.");
            }
            parsed
        });
        let limit = match text(self.per_page).map(|p| p.parse::<u32>()) {
            None => DEFAULT_PAGE,
            Some(Ok(n)) if (1..=MAX_AUDIT_PAGE).contains(&n) => n,
            Some(_) => {
                errors.add(
                    "per_page",
                    "out_of_range",
                    &format!("Use a whole number from 1 to {MAX_AUDIT_PAGE}."),
                );
                DEFAULT_PAGE
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(AuditQuery {
            actor,
            action,
            device,
            user,
            from,
            to,
            before,
            limit,
        })
    }
}

fn checked(caller: &CurrentUser, params: Result<Query<AuditParams>, QueryRejection>) -> Result<AuditQuery, AppError> {
    admin_only(caller, "Only IT administrators can read the audit log.")?;
    let Query(params) = params.map_err(|e| AppError::BadRequest(e.body_text()))?;
    params.check().map_err(AppError::InvalidInput)
}

pub(super) fn entry(record: AuditRecord) -> AuditEntry {
    AuditEntry {
        id: record.id,
        at: record.event.at.format(&Rfc3339).expect("formattable time"),
        actor: record.actor_email,
        action: record.event.action,
        subject: record.event.subject,
        source: record.event.source,
        outcome: record.event.outcome,
        detail: record.event.detail,
    }
}

/// The audit log: a page of the entries that match, newest first.
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "admin", params(AuditParams),
    responses((status = 200, body = AuditPage), (status = 401, body = ApiError), (status = 403, body = ApiError, description = "Not an administrator"),
        (status = 422, body = ApiError, description = "A field a rule refuses, with a message for each")))]
async fn audit_log(
    State(state): State<AppState>,
    caller: CurrentUser,
    params: Result<Query<AuditParams>, QueryRejection>,
) -> Result<Json<AuditPage>, AppError> {
    let mut query = checked(&caller, params)?;
    let limit = query.limit as usize;
    // One more than the page tells whether another follows.
    query.limit += 1;
    let mut records = state.db.audit_log(&query).await?;
    let more = records.len() > limit;
    records.truncate(limit);
    let next = more.then(|| records.last().map(|r| r.id)).flatten();
    Ok(Json(AuditPage {
        entries: records.into_iter().map(entry).collect(),
        next,
    }))
}

/// The audit log as CSV: every entry that matches, newest first, streamed a
/// batch at a time (the page parameters are ignored).
#[utoipa::path(get, path = "/api/v1/admin/audit.csv", tag = "admin", params(AuditParams),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = ApiError),
        (status = 403, body = ApiError, description = "Not an administrator"),
        (status = 422, body = ApiError, description = "A field a rule refuses, with a message for each")))]
async fn export_audit_log(
    State(state): State<AppState>,
    caller: CurrentUser,
    params: Result<Query<AuditParams>, QueryRejection>,
) -> Result<Response, AppError> {
    let mut query = checked(&caller, params)?;
    query.before = None;
    query.limit = EXPORT_BATCH;
    let header = Bytes::from(csv::row(csv::AUDIT_HEADER.iter().copied()));
    let batches = stream::try_unfold(Some(query), move |query| {
        let db = state.db.clone();
        async move {
            let Some(mut query) = query else {
                return Ok(None);
            };
            let records = db.audit_log(&query).await?;
            let more = records.len() == EXPORT_BATCH as usize;
            query.before = records.last().filter(|_| more).map(|r| r.id);
            let text: String = records.into_iter().map(|r| csv::audit_row(&entry(r))).collect();
            let next = query.before.is_some().then_some(query);
            Ok::<_, DbError>(Some((Bytes::from(text), next)))
        }
    });
    Ok(csv::attachment(
        "audit-log.csv",
        stream::once(async { Ok(header) }).chain(batches),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_runs_from_its_start_to_the_next_days() {
        let start = moment("2026-12-01", false).unwrap();
        assert_eq!(start.format(&Rfc3339).unwrap(), "2026-12-01T00:00:00Z");
        assert_eq!(moment("2026-12-01", true).unwrap() - start, Duration::days(1));
        assert_eq!(
            moment("2026-12-01T09:30:00+01:00", true)
                .unwrap()
                .format(&Rfc3339)
                .unwrap(),
            "2026-12-01T09:30:00+01:00"
        );
        assert!(moment("yesterday", false).is_none());
    }

    #[test]
    fn every_bad_field_is_named() {
        let errors = AuditParams {
            actor: Some("a\u{0}b".into()),
            device: Some("not-an-id".into()),
            from: Some("2026-12-05".into()),
            to: Some("2026-12-01".into()),
            before: Some("-4".into()),
            per_page: Some("500".into()),
            ..AuditParams::default()
        }
        .check()
        .unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["actor", "device", "to", "before", "per_page"]);
    }
}
