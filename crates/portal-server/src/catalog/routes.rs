//! The corporate app catalog, and installing its apps on the caller's devices.

use std::net::SocketAddr;

use axum::{
    Json,
    extract::{ConnectInfo, Path, Query, State, rejection::QueryRejection},
    http::{HeaderMap, StatusCode},
};
use portal_types::{
    ApiError, App, AppDetail, AppPackage, AppsPage, Command, CommandKind, DeviceAppsResponse, DeviceId, FieldErrors,
    Platform,
    apps::{CATEGORIES, MAX_PER_PAGE},
};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    commands::routes::{audit_event, idempotency_key, new_command, queued},
    devices::owned::{OwnedDevice, own_device},
};
use crate::{
    db::{AppQuery, NewCommand},
    http::error::AppError,
    identity::session::CurrentUser,
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_apps))
        .routes(routes!(app_detail))
        .routes(routes!(device_apps))
        .routes(routes!(install))
        .routes(routes!(uninstall))
}

/// The catalog's query parameters, as sent; checked by [`CatalogParams::check`].
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CatalogParams {
    /// Words in the name, publisher or description.
    q: Option<String>,
    /// One of the catalog's categories.
    category: Option<String>,
    /// Platforms, comma-separated (`android,ios`): apps for any of them.
    platform: Option<String>,
    /// `true` for featured apps only.
    featured: Option<String>,
    /// From 1; default 1.
    page: Option<String>,
    /// 1 to 100; default 24.
    per_page: Option<String>,
}

impl CatalogParams {
    fn check(self) -> Result<AppQuery, FieldErrors> {
        let mut errors = FieldErrors::default();
        let search = self.q.map(|q| q.trim().to_string()).filter(|q| !q.is_empty());
        if search.as_ref().is_some_and(|q| q.chars().count() > 100) {
            errors.add("q", "too_long", "Search with at most 100 characters.");
        }
        let category = self.category.filter(|c| !c.is_empty());
        if category.as_deref().is_some_and(|c| !CATEGORIES.contains(&c)) {
            errors.add(
                "category",
                "category_unknown",
                "Choose one of the catalog's categories.",
            );
        }
        let mut platforms = Vec::new();
        for name in self
            .platform
            .iter()
            .flat_map(|p| p.split(','))
            .filter(|p| !p.is_empty())
        {
            match Platform::parse(name) {
                Some(platform) => platforms.push(platform),
                None => {
                    errors.add("platform", "platform_unknown", &format!("Unknown platform {name:?}."));
                    break;
                }
            }
        }
        let featured = match self.featured.as_deref() {
            None | Some("") => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(_) => {
                errors.add("featured", "boolean_invalid", "Use true or false.");
                None
            }
        };
        let mut number = |field: &str, value: Option<String>, default: u32, max: u32| match value
            .as_deref()
            .filter(|v| !v.is_empty())
            .map(str::parse::<u32>)
        {
            None => default,
            Some(Ok(n)) if (1..=max).contains(&n) => n,
            Some(_) => {
                errors.add(field, "out_of_range", &format!("Use a whole number from 1 to {max}."));
                default
            }
        };
        let page = number("page", self.page, 1, 100_000);
        let per_page = number("per_page", self.per_page, 24, MAX_PER_PAGE);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(AppQuery {
            search,
            category,
            platforms,
            featured,
            web_only: false,
            page,
            per_page,
        })
    }
}

/// The catalog, a page at a time, by name: search, category, platform and
/// featured narrow it.
#[utoipa::path(get, path = "/api/v1/apps", tag = "apps", params(CatalogParams),
    responses((status = 200, body = AppsPage), (status = 422, body = ApiError, description = "A field a rule refuses, with a message for each"), (status = 401, body = ApiError)))]
async fn list_apps(
    State(state): State<AppState>,
    _caller: CurrentUser,
    params: Result<Query<CatalogParams>, QueryRejection>,
) -> Result<Json<AppsPage>, AppError> {
    let Query(params) = params.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let mut query = params.check().map_err(AppError::InvalidInput)?;
    let mode = state.policies.current().mode;
    query.web_only = !mode.offers_app_installs();
    let mut page = state.db.apps(&query).await?;
    page.not_offered = query.web_only.then(|| mode.apps_not_offered());
    Ok(Json(page))
}

/// An app, and where it stands on each of the caller's devices.
#[utoipa::path(get, path = "/api/v1/apps/{app}", tag = "apps",
    params(("app" = String, Path, description = "The app's id")),
    responses((status = 200, body = AppDetail), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn app_detail(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(app): Path<String>,
) -> Result<Json<AppDetail>, AppError> {
    let app = state.db.app(&app).await?.ok_or(AppError::NotFound)?;
    let installs = state
        .db
        .installs_of_app(caller.user.id, &app.id, state.clock.now())
        .await?;
    Ok(Json(AppDetail { app, installs }))
}

/// The managed apps on one of the caller's devices: the device's Apps tab.
#[utoipa::path(get, path = "/api/v1/devices/{id}/apps", tag = "apps",
    params(("id" = DeviceId, Path, description = "The device")),
    responses((status = 200, body = DeviceAppsResponse), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn device_apps(
    State(state): State<AppState>,
    OwnedDevice { id: device, .. }: OwnedDevice,
) -> Result<Json<DeviceAppsResponse>, AppError> {
    Ok(Json(DeviceAppsResponse {
        apps: state.db.device_apps(device, state.clock.now()).await?,
    }))
}

/// Installs the app on one of the caller's devices: a command on the
/// device's queue, like the other remote actions.
#[utoipa::path(post, path = "/api/v1/devices/{id}/apps/{app}/install", tag = "apps",
    params(("id" = DeviceId, Path, description = "The device"), ("app" = String, Path, description = "The app's id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeats with the same key queue one command")),
    responses(
        (status = 202, body = Command),
        (status = 401, body = ApiError),
        (status = 404, body = ApiError),
        (status = 409, body = ApiError, description = "Installed already, under way, or the device was reset, is registered only or is being removed"),
        (status = 422, body = ApiError, description = "The app does not run on the device's platform, or is a web app; or the Idempotency-Key was used for another request"),
    ))]
async fn install(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    caller: CurrentUser,
    headers: HeaderMap,
    Path((id, app)): Path<(String, String)>,
) -> Result<(StatusCode, Json<Command>), AppError> {
    app_command(&state, &caller, client, &headers, &id, &app, CommandKind::Install).await
}

/// Uninstalls an available app from one of the caller's devices; required
/// apps stay.
#[utoipa::path(post, path = "/api/v1/devices/{id}/apps/{app}/uninstall", tag = "apps",
    params(("id" = DeviceId, Path, description = "The device"), ("app" = String, Path, description = "The app's id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeats with the same key queue one command")),
    responses(
        (status = 202, body = Command),
        (status = 401, body = ApiError),
        (status = 403, body = ApiError, description = "A required app"),
        (status = 404, body = ApiError),
        (status = 409, body = ApiError, description = "Not installed, a change is under way, or the device is registered only"),
        (status = 422, body = ApiError, description = "The Idempotency-Key was used for another request"),
    ))]
async fn uninstall(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    caller: CurrentUser,
    headers: HeaderMap,
    Path((id, app)): Path<(String, String)>,
) -> Result<(StatusCode, Json<Command>), AppError> {
    app_command(&state, &caller, client, &headers, &id, &app, CommandKind::Uninstall).await
}

async fn app_command(
    state: &AppState,
    caller: &CurrentUser,
    client: SocketAddr,
    headers: &HeaderMap,
    device_id: &str,
    app_id: &str,
    kind: CommandKind,
) -> Result<(StatusCode, Json<Command>), AppError> {
    let device = own_device(state, caller, device_id, true).await?;
    let mode = state.policies.current().mode;
    if !mode.offers_app_installs() {
        return Err(AppError::refused(
            StatusCode::FORBIDDEN,
            "not_in_plan",
            mode.apps_not_offered(),
        ));
    }
    let app = state.db.app(app_id).await?.ok_or(AppError::NotFound)?;
    let (detail, _) = state
        .db
        .device_detail(Some(caller.user.id), device)
        .await?
        .ok_or(AppError::NotFound)?;
    check_app_command(&app, detail.device.platform, kind)?;
    let now = state.clock.now();
    let command = NewCommand {
        app: Some(AppPackage {
            app_id: app.id.clone(),
            name: app.name.clone(),
            version: app.version.clone(),
        }),
        idempotency_key: idempotency_key(headers),
        ..new_command(state, caller, device, kind, now)
    };
    let mut audit = audit_event(caller, client, &format!("{}_requested", kind.as_str()), device, now);
    // Which app, beside which device.
    audit.subject = Some(format!("{device}/{}", app.id));
    let queued = queued(state.db.queue_app_command(command, audit).await?)?;
    Ok((StatusCode::ACCEPTED, Json(queued)))
}

/// The catalog's rules for installing and uninstalling.
fn check_app_command(app: &App, platform: Platform, kind: CommandKind) -> Result<(), AppError> {
    if kind == CommandKind::Uninstall && app.required {
        return Err(AppError::refused(
            StatusCode::FORBIDDEN,
            "required_app",
            "Your organisation requires this app, so it cannot be uninstalled.",
        ));
    }
    if kind == CommandKind::Install && app.web_url.is_some() {
        return Err(AppError::refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "web_app",
            "This is a web app: open it in the browser instead.",
        ));
    }
    if kind == CommandKind::Install && !app.supports(platform) {
        return Err(AppError::refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unsupported_platform",
            format!("{} is not available for {}.", app.name, platform.label()),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> CatalogParams {
        let query: String = pairs.iter().map(|(k, v)| format!("{k}={v}&")).collect();
        let uri: axum::http::Uri = format!("/api/v1/apps?{query}").parse().unwrap();
        Query::try_from_uri(&uri).unwrap().0
    }

    #[test]
    fn catalog_parameters_are_checked_field_by_field() {
        let query = params(&[("q", "%20mail%20"), ("platform", "android,ios"), ("page", "2")])
            .check()
            .unwrap();
        assert_eq!(query.search.as_deref(), Some("mail"));
        assert_eq!(query.platforms, [Platform::Android, Platform::Ios]);
        assert_eq!((query.page, query.per_page), (2, 24));

        let errors = params(&[
            ("category", "Games"),
            ("platform", "android,beos"),
            ("featured", "yes"),
            ("page", "0"),
            ("per_page", "101"),
        ])
        .check()
        .unwrap_err();
        let fields: Vec<_> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["category", "platform", "featured", "page", "per_page"]);
    }
}
