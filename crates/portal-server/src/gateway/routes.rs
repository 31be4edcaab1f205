//! The gateway's side of the API: the portal's sign-in hand-off, and the
//! published apps an administrator keeps.

use std::net::SocketAddr;

use axum::{
    Json,
    extract::{ConnectInfo, Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use portal_types::{ApiError, PublishedApp, PublishedAppsResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{HANDOFF_LIFETIME, HANDOFF_PATH, published};
use crate::{
    admin::admin_only,
    db::AuditEvent,
    http::{
        error::{ApiJson, AppError},
        static_files::query_value,
    },
    identity::session::{self, CurrentUser},
    state::AppState,
};

pub const HANDOFF: &str = "/api/v1/gateway/handoff";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handoff))
        .routes(routes!(published_apps, publish))
        .routes(routes!(unpublish))
}

#[derive(Debug, Deserialize, IntoParams)]
struct HandoffQuery {
    /// The gateway address the visitor asked for.
    to: String,
}

/// The path and query of `to` when it is an address on the gateway.
fn on_gateway<'a>(gateway: &str, to: &'a str) -> Option<&'a str> {
    to.strip_prefix(gateway)
        .filter(|back| back.starts_with('/') && !back.starts_with("//"))
        .filter(|back| back.bytes().all(|b| b.is_ascii_graphic()))
}

/// Hands the signed-in portal session to the gateway, once: back to the
/// gateway address asked for with a single-use, minute-long token. Signed
/// out (or the session cookie held back, as browsers do on arriving from
/// another site), Sign in first, which comes back here.
#[utoipa::path(get, path = "/api/v1/gateway/handoff", tag = "gateway", params(HandoffQuery),
    responses(
        (status = 303, description = "To the gateway with the hand-off, or to Sign in first"),
        (status = 400, body = ApiError, description = "Not an address on the gateway"),
        (status = 404, body = ApiError, description = "The gateway is off"),
    ))]
async fn handoff(
    State(state): State<AppState>,
    caller: Result<CurrentUser, AppError>,
    Query(query): Query<HandoffQuery>,
) -> Result<Response, AppError> {
    let gateway = state.gateway_url.as_deref().ok_or(AppError::NotFound)?;
    let back = on_gateway(gateway, &query.to)
        .ok_or_else(|| AppError::BadRequest("Only the gateway's own addresses can be opened from here.".into()))?;
    let caller = match caller {
        Ok(caller) => caller,
        Err(AppError::Unauthorized | AppError::SessionExpired) => {
            let here = format!(
                "{HANDOFF}?to={}",
                url::form_urlencoded::byte_serialize(query.to.as_bytes()).collect::<String>()
            );
            return Ok(Redirect::to(&format!("/sign-in?next={}", query_value(&here))).into_response());
        }
        Err(error) => return Err(error),
    };
    let token = session::new_token();
    let expires_at = state.clock.now() + HANDOFF_LIFETIME;
    state
        .db
        .create_handoff(&session::hash_token(&token), &caller.token_hash, back, expires_at)
        .await?;
    Ok(Redirect::to(&format!("{gateway}{HANDOFF_PATH}?token={token}")).into_response())
}

fn admin(caller: &CurrentUser) -> Result<(), AppError> {
    admin_only(
        caller,
        "Only IT administrators can see and publish apps through the gateway.",
    )
}

fn audit(action: &str, caller: &CurrentUser, client: SocketAddr, app: &str, state: &AppState) -> AuditEvent {
    AuditEvent {
        at: state.clock.now(),
        actor: Some(caller.user.id),
        action: action.into(),
        subject: Some(app.into()),
        source: Some(client.ip().to_string()),
        outcome: "success".into(),
    }
}

/// Every published app with its access rule, and where the gateway is.
#[utoipa::path(get, path = "/api/v1/admin/published-apps", tag = "gateway",
    responses(
        (status = 200, body = PublishedAppsResponse),
        (status = 401, body = ApiError),
        (status = 403, body = ApiError, description = "Not an administrator"),
    ))]
async fn published_apps(
    State(state): State<AppState>,
    caller: CurrentUser,
) -> Result<Json<PublishedAppsResponse>, AppError> {
    admin(&caller)?;
    Ok(Json(PublishedAppsResponse {
        apps: state.db.published_apps().await?,
        gateway_url: state.gateway_url.as_deref().map(String::from),
    }))
}

/// Publishes an app, or changes the one of that name: the gateway applies
/// it from the next request.
#[utoipa::path(put, path = "/api/v1/admin/published-apps", tag = "gateway", request_body = PublishedApp,
    responses(
        (status = 200, body = PublishedApp),
        (status = 422, body = ApiError, description = "A field is wrong, with its message"),
        (status = 409, body = ApiError, description = "Another app has that path"),
        (status = 401, body = ApiError),
        (status = 403, body = ApiError, description = "Not an administrator"),
    ))]
async fn publish(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    caller: CurrentUser,
    ApiJson(app): ApiJson<PublishedApp>,
) -> Result<Json<PublishedApp>, AppError> {
    admin(&caller)?;
    let errors = published::errors(&app);
    if !errors.is_empty() {
        return Err(AppError::InvalidInput(errors));
    }
    let app = published::tidied(app);
    let event = audit("gateway_app_published", &caller, client, &app.name, &state);
    if !state.db.publish_app(&app, event.at, Some(event)).await? {
        return Err(AppError::refused(
            StatusCode::CONFLICT,
            "prefix_taken",
            format!("Another app is published at {}.", app.prefix),
        ));
    }
    Ok(Json(app))
}

/// Stops publishing the app: the gateway answers its paths with Not found.
#[utoipa::path(delete, path = "/api/v1/admin/published-apps/{name}", tag = "gateway",
    params(("name" = String, Path, description = "The app's name")),
    responses(
        (status = 204, description = "No longer published"),
        (status = 404, body = ApiError),
        (status = 401, body = ApiError),
        (status = 403, body = ApiError, description = "Not an administrator"),
    ))]
async fn unpublish(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    caller: CurrentUser,
    Path(name): Path<String>,
) -> Result<StatusCode, AppError> {
    admin(&caller)?;
    let event = audit("gateway_app_unpublished", &caller, client, &name, &state);
    if !state.db.unpublish_app(&name, event).await? {
        return Err(AppError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_gateways_own_paths_are_handed_back() {
        let gateway = "https://apps.example.com";
        assert_eq!(
            on_gateway(gateway, "https://apps.example.com/expenses/?q=1"),
            Some("/expenses/?q=1")
        );
        for to in [
            "https://apps.example.com.evil.test/",
            "https://apps.example.com//evil.test/",
            "https://evil.test/",
            "https://apps.example.com",
            "https://apps.example.com/a\r\nSet-Cookie: x",
            "/expenses/",
        ] {
            assert_eq!(on_gateway(gateway, to), None, "{to}");
        }
    }
}
