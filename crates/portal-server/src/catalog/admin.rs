//! Administrators keep the catalog: add, edit and retire apps, mark them
//! featured or required.

use std::net::SocketAddr;

use axum::{
    Json,
    extract::{ConnectInfo, Path, Query, State},
    http::StatusCode,
};
use portal_types::{ApiError, App, AppInput, FieldErrors, Platform, RequiredReach};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    admin::admin_only,
    catalog::seed::slug,
    db::DbError,
    http::error::{ApiJson, AppError},
    identity::session::CurrentUser,
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(add_app))
        .routes(routes!(edit_app, retire_app))
        .routes(routes!(required_reach))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReachParams {
    /// The app's id; none for an app not added yet.
    app: Option<String>,
    /// Platforms, comma-separated (`android,ios`).
    platforms: Option<String>,
}

/// How many devices marking the app required for these platforms would
/// install it on now: the Apps editor shows it before the save.
#[utoipa::path(get, path = "/api/v1/admin/required-reach", tag = "admin", params(ReachParams),
    responses(
        (status = 200, body = RequiredReach),
        (status = 401, body = ApiError),
        (status = 403, body = ApiError, description = "Not an administrator"),
        (status = 422, body = ApiError, description = "An unknown platform"),
    ))]
async fn required_reach(
    State(state): State<AppState>,
    caller: CurrentUser,
    Query(params): Query<ReachParams>,
) -> Result<Json<RequiredReach>, AppError> {
    admin(&caller)?;
    let mut platforms = Vec::new();
    for name in params
        .platforms
        .iter()
        .flat_map(|p| p.split(','))
        .filter(|n| !n.is_empty())
    {
        let Some(platform) = Platform::parse(name) else {
            let mut errors = FieldErrors::default();
            errors.add("platforms", "platform_unknown", &format!("Unknown platform {name:?}."));
            return Err(AppError::InvalidInput(errors));
        };
        platforms.push(platform);
    }
    let devices = state.db.required_reach(params.app.as_deref(), &platforms).await?;
    Ok(Json(RequiredReach { devices }))
}

/// Only administrators change the catalog.
fn admin(caller: &CurrentUser) -> Result<(), AppError> {
    admin_only(caller, "Only IT administrators can change the app catalog.")
}

async fn save(
    state: &AppState,
    caller: &CurrentUser,
    client: SocketAddr,
    id: &str,
    input: AppInput,
    created: bool,
) -> Result<Option<App>, AppError> {
    admin(caller)?;
    let errors = input.field_errors();
    if !errors.is_empty() {
        return Err(AppError::InvalidInput(errors));
    }
    let action = if created { "app_added" } else { "app_changed" };
    let event = caller.audit_event_on(state, client, action, id);
    let expires_at = state.required_installs_expire_at(event.at);
    let saved = match state.db.save_app(id, &input, created, event, expires_at).await {
        Err(DbError::Conflict) => {
            return Err(AppError::refused(
                StatusCode::CONFLICT,
                "app_exists",
                "An app with this name is in the catalog already.",
            ));
        }
        other => other?,
    };
    Ok(saved)
}

/// Adds an app; its id is made from its name.
#[utoipa::path(post, path = "/api/v1/admin/apps", tag = "admin", request_body = AppInput,
    responses(
        (status = 201, body = App),
        (status = 422, body = ApiError, description = "A field a rule refuses, with a message for each"),
        (status = 401, body = ApiError),
        (status = 403, body = ApiError, description = "Not an administrator"),
        (status = 409, body = ApiError, description = "An app of that name exists"),
    ))]
async fn add_app(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    caller: CurrentUser,
    ApiJson(input): ApiJson<AppInput>,
) -> Result<(StatusCode, Json<App>), AppError> {
    let id = slug(&input.name);
    let app = save(&state, &caller, client, &id, input, true)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(app)))
}

/// Changes an app, including whether it is featured or required.
#[utoipa::path(put, path = "/api/v1/admin/apps/{app}", tag = "admin", request_body = AppInput,
    params(("app" = String, Path, description = "The app's id")),
    responses(
        (status = 200, body = App),
        (status = 422, body = ApiError, description = "A field a rule refuses, with a message for each"),
        (status = 401, body = ApiError),
        (status = 403, body = ApiError, description = "Not an administrator"),
        (status = 404, body = ApiError),
    ))]
async fn edit_app(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    caller: CurrentUser,
    Path(app): Path<String>,
    ApiJson(input): ApiJson<AppInput>,
) -> Result<Json<App>, AppError> {
    let app = save(&state, &caller, client, &app, input, false)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(app))
}

/// Retires an app: it leaves the catalog; copies installed on devices stay.
#[utoipa::path(delete, path = "/api/v1/admin/apps/{app}", tag = "admin",
    params(("app" = String, Path, description = "The app's id")),
    responses(
        (status = 204, description = "Retired"),
        (status = 401, body = ApiError),
        (status = 403, body = ApiError, description = "Not an administrator"),
        (status = 404, body = ApiError),
    ))]
async fn retire_app(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    caller: CurrentUser,
    Path(app): Path<String>,
) -> Result<StatusCode, AppError> {
    admin(&caller)?;
    if !state
        .db
        .retire_app(&app, caller.audit_event_on(&state, client, "app_retired", &app))
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT)
}
