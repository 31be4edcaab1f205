//! The branding's API (the version in force for anyone; a new version, a
//! logo, saved by an administrator), and the style sheet and logo every
//! page of the portal loads.

use std::net::SocketAddr;

use axum::{
    Json, Router,
    body::Bytes,
    extract::{ConnectInfo, DefaultBodyLimit, State},
    http::{HeaderMap, StatusCode, header},
    response::Response,
    routing::get,
};
use portal_types::{ApiError, Branding, BrandingChange, FieldErrors};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{logo, rules};
use crate::{
    admin::admin_only,
    db::{AuditEvent, LogoChange},
    http::{
        error::{ApiJson, AppError},
        revalidated::revalidated,
    },
    identity::session::CurrentUser,
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(branding))
        .routes(routes!(admin_branding, change_branding))
        // The limit the logo's own check words; beyond twice that, cut off.
        .merge(
            OpenApiRouter::new()
                .routes(routes!(upload_logo, remove_logo))
                .layer(DefaultBodyLimit::max(logo::MAX_BYTES * 2)),
        )
}

/// `/branding.css` and `/branding/logo`, outside the API: every page loads them.
pub fn assets() -> Router<AppState> {
    Router::new()
        .route("/branding.css", get(style_sheet))
        .route("/branding/logo", get(logo_image))
}

/// The branding in force, for anyone (Privacy, Help): without who saved it.
/// From memory, read by no query: each node loads every version as it
/// hears that one was saved (and again after a missed notice).
#[utoipa::path(get, path = "/api/v1/branding", tag = "branding",
    responses((status = 200, body = Branding)))]
async fn branding(State(state): State<AppState>) -> Json<Branding> {
    Json(state.branding.public())
}

/// The branding in force, with who saved it and when.
#[utoipa::path(get, path = "/api/v1/admin/branding", tag = "admin",
    responses(
        (status = 200, body = Branding),
        (status = 401, body = ApiError),
        (status = 403, body = ApiError, description = "Not an administrator"),
    ))]
async fn admin_branding(State(state): State<AppState>, caller: CurrentUser) -> Result<Json<Branding>, AppError> {
    admin(&caller)?;
    Ok(Json(state.branding.refresh().await?.branding.clone()))
}

fn admin(caller: &CurrentUser) -> Result<(), AppError> {
    admin_only(caller, "Only IT administrators can change the branding.")
}

fn stale() -> AppError {
    AppError::refused(
        StatusCode::CONFLICT,
        "branding_changed",
        "Another administrator saved the branding since you opened it. Reload to see their version, then make your change again.",
    )
}

/// Saves the next version from what is in force, with `logo` done to the logo.
async fn save(
    state: &AppState,
    caller: &CurrentUser,
    client: SocketAddr,
    change: BrandingChange,
    logo: LogoChange,
    what: &str,
) -> Result<Json<Branding>, AppError> {
    let in_force = state.branding.refresh().await?;
    if change.based_on != in_force.branding.version {
        return Err(stale());
    }
    let version = in_force.branding.version + 1;
    let audit = AuditEvent::new(state.clock.now(), "branding_changed", "success")
        .actor(caller.user.id)
        .subject(format!("branding version {version}: {what}"))
        .source(client.ip().to_string());
    let settings = rules::tidied(&change.settings);
    if !state
        .db
        .save_branding(version, &settings, logo, caller.user.id, audit)
        .await?
    {
        return Err(stale());
    }
    Ok(Json(state.branding.refresh().await?.branding.clone()))
}

/// Saves the next version of the name, theme colour, privacy statement and
/// help desk: open portals restyle themselves at once.
#[utoipa::path(put, path = "/api/v1/admin/branding", tag = "admin", request_body = BrandingChange,
    responses(
        (status = 200, body = Branding),
        (status = 422, body = ApiError, description = "A field a rule refuses (a colour white text cannot be read on, an address that is not https), with a message for each"),
        (status = 401, body = ApiError),
        (status = 403, body = ApiError, description = "Not an administrator"),
        (status = 409, body = ApiError, description = "Another version was saved since the one edited"),
    ))]
async fn change_branding(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    caller: CurrentUser,
    ApiJson(change): ApiJson<BrandingChange>,
) -> Result<Json<Branding>, AppError> {
    admin(&caller)?;
    let errors = rules::errors(&change.settings);
    if !errors.is_empty() {
        return Err(AppError::InvalidInput(errors));
    }
    save(&state, &caller, client, change, LogoChange::Keep, "settings").await
}

/// The newest version's settings, to change the logo alone.
async fn unchanged(state: &AppState) -> Result<BrandingChange, AppError> {
    let in_force = state.branding.refresh().await?;
    Ok(BrandingChange {
        based_on: in_force.branding.version,
        settings: in_force.branding.settings.clone(),
    })
}

/// A new logo: a PNG (16 to 1024 pixels each way) or an SVG, which is drawn
/// as a PNG; at most 512 KB. The body is the file itself.
#[utoipa::path(put, path = "/api/v1/admin/branding/logo", tag = "admin",
    request_body(content = String, content_type = "image/png", description = "The PNG or SVG file (image/png or image/svg+xml)"),
    responses(
        (status = 200, body = Branding),
        (status = 422, body = ApiError, description = "Not a PNG or SVG that can be read, too large or too small"),
        (status = 401, body = ApiError),
        (status = 403, body = ApiError, description = "Not an administrator"),
        (status = 413, body = ApiError, description = "Far over the size limit"),
    ))]
async fn upload_logo(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    caller: CurrentUser,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Branding>, AppError> {
    admin(&caller)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let content_type = content_type.to_owned();
    // Decoding and drawing take the CPU for a while: not on a request worker.
    let accepted = tokio::task::spawn_blocking(move || logo::accept(&content_type, &body))
        .await
        .map_err(|error| AppError::Internal(error.into()))?;
    let png = accepted.map_err(|why| {
        let mut errors = FieldErrors::default();
        errors.add("logo", "logo_invalid", &why);
        AppError::InvalidInput(errors)
    })?;
    let change = unchanged(&state).await?;
    save(&state, &caller, client, change, LogoChange::Set(png), "logo").await
}

/// Takes the logo away: the header shows the name alone.
#[utoipa::path(delete, path = "/api/v1/admin/branding/logo", tag = "admin",
    responses(
        (status = 200, body = Branding),
        (status = 401, body = ApiError),
        (status = 403, body = ApiError, description = "Not an administrator"),
    ))]
async fn remove_logo(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    caller: CurrentUser,
) -> Result<Json<Branding>, AppError> {
    admin(&caller)?;
    let change = unchanged(&state).await?;
    save(&state, &caller, client, change, LogoChange::Remove, "logo removed").await
}

/// Asked for again on every page load (cheap: answered from memory, 304
/// when unchanged), so that a new version shows at the next one.
fn versioned(version: u32, headers: &HeaderMap, content_type: &'static str, body: Vec<u8>) -> Response {
    revalidated(&format!("\"v{version}\""), headers, content_type, body)
}

async fn style_sheet(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let in_force = state.branding.current();
    versioned(
        in_force.branding.version,
        &headers,
        "text/css; charset=utf-8",
        in_force.css.clone().into_bytes(),
    )
}

async fn logo_image(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let (version, png) = state.db.branding_logo().await?.ok_or(AppError::NotFound)?;
    Ok(versioned(version, &headers, "image/png", png))
}
