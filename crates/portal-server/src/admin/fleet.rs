//! All devices: every device the organisation knows, searched, filtered,
//! sorted on any column and paged by key, with the count for the filter.

use axum::{
    Json,
    body::Bytes,
    extract::{Query, State, rejection::QueryRejection},
    response::Response,
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use futures_util::{StreamExt, stream};
use portal_types::{
    ApiError, ComplianceState, DeviceId, FieldErrors, FleetPage, FleetSort, ManagedBy, Ownership, Platform,
    admin::MAX_FLEET_PAGE,
};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime, format_description::well_known::Rfc3339};
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    admin::{admin_only, csv},
    db::{DbError, FleetKey, FleetQuery},
    http::error::AppError,
    identity::session::CurrentUser,
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(all_devices))
        .routes(routes!(export_devices))
}

/// Rows a page holds when the query does not say.
const DEFAULT_PAGE: u32 = 50;
/// "Not seen for N days" takes at most ten years.
const MAX_DAYS: u32 = 3650;

/// All devices' query parameters, as sent; checked by [`FleetParams::check`].
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FleetParams {
    /// Words in the device's name, its user's email, its serial number or model.
    q: Option<String>,
    /// Platforms, comma-separated (`android,ios`).
    platform: Option<String>,
    /// Compliance states, comma-separated (`out_of_compliance,cannot_access`).
    compliance: Option<String>,
    /// `corporate` or `personal`.
    ownership: Option<String>,
    /// Managers, comma-separated (`portal,on_premises,co_managed`).
    managed_by: Option<String>,
    /// Devices not seen (checked in, or enrolled) for at least this many days.
    not_seen_days: Option<String>,
    /// `name` (default), `user`, `platform`, `os_version`, `ownership`, `compliance` or `last_seen`.
    sort: Option<String>,
    /// `asc` (default) or `desc`.
    order: Option<String>,
    /// The `next` of the page before.
    after: Option<String>,
    /// 1 to 200; default 50.
    per_page: Option<String>,
}

/// Where a page starts: after this row, in this order.
#[derive(Debug, Serialize, Deserialize)]
struct Cursor {
    sort: FleetSort,
    descending: bool,
    /// The row's value in the sort column: text, or an RFC 3339 time.
    key: String,
    id: DeviceId,
}

impl Cursor {
    fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).expect("cursors serialize"))
    }

    fn decode(text: &str) -> Option<Cursor> {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(text).ok()?).ok()
    }

    fn after(sort: FleetSort, descending: bool, (key, id): (&FleetKey, DeviceId)) -> Cursor {
        let key = match key {
            FleetKey::Text(text) => text.clone(),
            FleetKey::Time(at) => at.format(&Rfc3339).expect("formattable time"),
        };
        Cursor {
            sort,
            descending,
            key,
            id,
        }
    }

    fn key(&self) -> Option<FleetKey> {
        match self.sort {
            FleetSort::LastSeen => OffsetDateTime::parse(&self.key, &Rfc3339).ok().map(FleetKey::Time),
            _ => Some(FleetKey::Text(self.key.clone())),
        }
    }
}

/// Each comma-separated name parsed, or the field's error.
fn list<T>(errors: &mut FieldErrors, field: &str, value: Option<&str>, parse: impl Fn(&str) -> Option<T>) -> Vec<T> {
    let mut parsed = Vec::new();
    for name in value.iter().flat_map(|v| v.split(',')).filter(|n| !n.is_empty()) {
        match parse(name) {
            Some(value) => parsed.push(value),
            None => {
                errors.add(
                    field,
                    "value_unknown",
                    &format!("Unknown {} {name:?}.", field.replace('_', " ")),
                );
                break;
            }
        }
    }
    parsed
}

impl FleetParams {
    fn check(self, now: OffsetDateTime) -> Result<FleetQuery, FieldErrors> {
        let mut errors = FieldErrors::default();
        let search = self.q.map(|q| q.trim().to_string()).filter(|q| !q.is_empty());
        if search.as_ref().is_some_and(|q| q.chars().count() > 100) {
            errors.add("q", "too_long", "Search with at most 100 characters.");
        } else if search.as_ref().is_some_and(|q| q.chars().any(char::is_control)) {
            // PostgreSQL's text holds no NUL.
            errors.add("q", "search_characters", "Search with letters, digits and punctuation.");
        }
        let platforms = list(&mut errors, "platform", self.platform.as_deref(), Platform::parse);
        let compliance = list(
            &mut errors,
            "compliance",
            self.compliance.as_deref(),
            ComplianceState::parse,
        );
        let managed_by = list(&mut errors, "managed_by", self.managed_by.as_deref(), ManagedBy::parse);
        let ownership = match self.ownership.as_deref().filter(|o| !o.is_empty()) {
            None => None,
            Some(name) => Ownership::parse(name).or_else(|| {
                errors.add("ownership", "value_unknown", "Use corporate or personal.");
                None
            }),
        };
        let mut number = |field: &str, value: Option<String>, max: u32| match value
            .as_deref()
            .filter(|v| !v.is_empty())
            .map(str::parse::<u32>)
        {
            None => None,
            Some(Ok(n)) if (1..=max).contains(&n) => Some(n),
            Some(_) => {
                errors.add(field, "out_of_range", &format!("Use a whole number from 1 to {max}."));
                None
            }
        };
        let seen_before =
            number("not_seen_days", self.not_seen_days, MAX_DAYS).map(|days| now - Duration::days(i64::from(days)));
        let per_page = number("per_page", self.per_page, MAX_FLEET_PAGE).unwrap_or(DEFAULT_PAGE);
        let sort = match self.sort.as_deref().filter(|s| !s.is_empty()) {
            None => FleetSort::Name,
            Some(name) => FleetSort::parse(name).unwrap_or_else(|| {
                errors.add(
                    "sort",
                    "value_unknown",
                    "Sort on name, user, platform, os_version, ownership, compliance or last_seen.",
                );
                FleetSort::Name
            }),
        };
        let descending = match self.order.as_deref() {
            None | Some("") | Some("asc") => false,
            Some("desc") => true,
            Some(_) => {
                errors.add("order", "value_unknown", "Use asc or desc.");
                false
            }
        };
        let after = match self.after.as_deref().filter(|a| !a.is_empty()) {
            None => None,
            Some(text) => {
                let cursor = Cursor::decode(text).filter(|c| c.sort == sort && c.descending == descending);
                match cursor.and_then(|c| Some((c.key()?, c.id))) {
                    Some(after) => Some(after),
                    None => {
                        errors.add(
                            "after",
                            "page_place_invalid",
                            "This page's place is not one of this order's: start from the first page.",
                        );
                        None
                    }
                }
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(FleetQuery {
            search,
            platforms,
            compliance,
            ownership,
            managed_by,
            seen_before,
            sort,
            descending,
            after,
            per_page,
        })
    }
}

/// All devices: a page of the organisation's devices that match the filter,
/// in the order asked for, and how many match in all.
#[utoipa::path(get, path = "/api/v1/admin/devices", tag = "admin", params(FleetParams),
    responses((status = 200, body = FleetPage), (status = 401, body = ApiError), (status = 403, body = ApiError, description = "Not an administrator"),
        (status = 422, body = ApiError, description = "A field a rule refuses, with a message for each")))]
async fn all_devices(
    State(state): State<AppState>,
    caller: CurrentUser,
    params: Result<Query<FleetParams>, QueryRejection>,
) -> Result<Json<FleetPage>, AppError> {
    let mut query = checked(&state, &caller, params)?;
    let per_page = query.per_page as usize;
    // One row more than the page tells whether another page follows.
    query.per_page += 1;
    let (rows, total) = tokio::join!(state.db.fleet_page(&query), state.db.fleet_count(&query));
    let (mut rows, total) = (rows?, total?);
    let more = rows.len() > per_page;
    rows.truncate(per_page);
    let next = more
        .then(|| rows.last())
        .flatten()
        .map(|(device, key)| Cursor::after(query.sort, query.descending, (key, device.id)).encode());
    Ok(Json(FleetPage {
        devices: rows.into_iter().map(|(device, _)| device).collect(),
        total,
        next,
    }))
}

/// The caller's query, checked, once the caller is known to be an administrator.
fn checked(
    state: &AppState,
    caller: &CurrentUser,
    params: Result<Query<FleetParams>, QueryRejection>,
) -> Result<FleetQuery, AppError> {
    admin_only(caller, "Only IT administrators can see every device.")?;
    let Query(params) = params.map_err(|e| AppError::BadRequest(e.body_text()))?;
    params.check(state.clock.now()).map_err(AppError::InvalidInput)
}

/// Rows the export reads at a time: its memory stays that of one batch
/// whatever the fleet's size.
const EXPORT_BATCH: u32 = 1_000;

/// All devices as CSV: every device the filter matches, in the order asked
/// for, streamed a batch at a time (the page parameters are ignored).
#[utoipa::path(get, path = "/api/v1/admin/devices.csv", tag = "admin", params(FleetParams),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = ApiError),
        (status = 403, body = ApiError, description = "Not an administrator"),
        (status = 422, body = ApiError, description = "A field a rule refuses, with a message for each")))]
async fn export_devices(
    State(state): State<AppState>,
    caller: CurrentUser,
    params: Result<Query<FleetParams>, QueryRejection>,
) -> Result<Response, AppError> {
    let mut query = checked(&state, &caller, params)?;
    query.after = None;
    query.per_page = EXPORT_BATCH;
    let header = Bytes::from(csv::row(csv::FLEET_HEADER.iter().copied()));
    let batches = stream::try_unfold(Some(query), move |query| {
        let db = state.db.clone();
        async move {
            let Some(mut query) = query else {
                return Ok(None);
            };
            let rows = db.fleet_page(&query).await?;
            let mut text = String::new();
            for (device, _) in &rows {
                text.push_str(&csv::fleet_row(device));
            }
            let more = rows.len() == EXPORT_BATCH as usize;
            query.after = rows
                .last()
                .filter(|_| more)
                .map(|(device, key)| (key.clone(), device.id));
            let next = query.after.is_some().then_some(query);
            Ok::<_, DbError>(Some((Bytes::from(text), next)))
        }
    });
    Ok(csv::attachment(
        "all-devices.csv",
        stream::once(async { Ok(header) }).chain(batches),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> FleetParams {
        let query: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let uri: axum::http::Uri = format!("/?{}", query.join("&")).parse().unwrap();
        Query::<FleetParams>::try_from_uri(&uri).unwrap().0
    }

    #[test]
    fn every_bad_field_is_named() {
        let errors = params(&[
            ("q", "a%00b"),
            ("platform", "android,amiga"),
            ("compliance", "fine"),
            ("ownership", "borrowed"),
            ("not_seen_days", "0"),
            ("sort", "colour"),
            ("order", "up"),
            ("after", "nonsense"),
            ("per_page", "201"),
        ])
        .check(OffsetDateTime::UNIX_EPOCH)
        .unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        for field in [
            "q",
            "platform",
            "compliance",
            "ownership",
            "not_seen_days",
            "per_page",
            "sort",
            "order",
            "after",
        ] {
            assert!(fields.contains(&field), "{field} in {fields:?}");
        }
    }

    #[test]
    fn a_cursor_is_good_for_its_own_order_only() {
        let id = DeviceId(uuid::Uuid::new_v4());
        let at = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000) + Duration::microseconds(123_456);
        let cursor = Cursor::after(FleetSort::LastSeen, true, (&FleetKey::Time(at), id)).encode();
        let query = params(&[("sort", "last_seen"), ("order", "desc"), ("after", &cursor)])
            .check(OffsetDateTime::UNIX_EPOCH)
            .unwrap();
        assert_eq!(query.after, Some((FleetKey::Time(at), id)));
        let other_order = params(&[("sort", "last_seen"), ("after", &cursor)]).check(OffsetDateTime::UNIX_EPOCH);
        assert!(other_order.is_err());
        let other_column = params(&[("sort", "name"), ("order", "desc"), ("after", &cursor)]);
        assert!(other_column.check(OffsetDateTime::UNIX_EPOCH).is_err());
    }

    #[test]
    fn not_seen_for_days_counts_back_from_now() {
        let now = OffsetDateTime::UNIX_EPOCH + Duration::days(100);
        let query = params(&[("not_seen_days", "30")]).check(now).unwrap();
        assert_eq!(query.seen_before, Some(now - Duration::days(30)));
        assert_eq!(
            (query.sort, query.descending, query.per_page),
            (FleetSort::Name, false, DEFAULT_PAGE)
        );
    }
}
