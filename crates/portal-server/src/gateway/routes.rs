//! The gateway's side of the API: the portal's sign-in hand-off, and the
//! published apps an administrator keeps.

use std::net::SocketAddr;

use axum::{
    Extension, Json,
    extract::{ConnectInfo, Path, Query, State, rejection::QueryRejection},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use portal_types::{ApiError, FieldErrors, PublishedApp, PublishedAppsResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{HANDOFF_LIFETIME, HANDOFF_PATH, proxy, published};
use crate::{
    admin::admin_only,
    db::{Handoff, SessionKey},
    devices::ca::fingerprint,
    http::{
        client_address::Peer,
        error::{ApiJson, AppError},
        static_files::query_value,
    },
    identity::session::{self, CurrentUser},
    languages,
    state::AppState,
};

pub const HANDOFF: &str = "/api/v1/gateway/handoff";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handoff))
        .routes(routes!(published_apps, publish))
        .routes(routes!(unpublish))
        .routes(routes!(check))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct HandoffQuery {
    /// The gateway address the visitor asked for.
    to: String,
    /// What the gateway gave the asking browser to prove it is the one
    /// redeeming the hand-off (a hash, 64 hex digits).
    state: String,
}

/// The path and query of `to` when it is an address on the gateway.
fn on_gateway<'a>(gateway: &str, to: &'a str) -> Option<&'a str> {
    to.strip_prefix(gateway)
        .filter(|back| back.starts_with('/') && !back.starts_with("//"))
        .filter(|back| back.bytes().all(|b| b.is_ascii_graphic() && b != b'\\'))
}

/// Hands the signed-in portal session to the gateway, once: back to the
/// gateway address asked for with a single-use, minute-long token. Signed
/// out (or the session cookie held back, as browsers do on arriving from
/// another site), Sign in first, which comes back here.
#[utoipa::path(get, path = "/api/v1/gateway/handoff", tag = "gateway", params(HandoffQuery),
    responses(
        (status = 303, description = "To the gateway with the hand-off, or to Sign in first"),
        (status = 422, body = ApiError, description = "Not an address on the gateway, or no state"),
        (status = 404, body = ApiError, description = "The gateway is off"),
    ))]
async fn handoff(
    State(state): State<AppState>,
    caller: Result<CurrentUser, AppError>,
    query: Result<Query<HandoffQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let Query(query) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let gateway = state.gateway_url.as_deref().ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::default();
    let back = on_gateway(gateway, &query.to);
    if back.is_none() {
        errors.add(
            "to",
            "address_not_gateway",
            "Only the gateway's own addresses can be opened from here.",
        );
    }
    if query.state.len() != 64 || !query.state.bytes().all(|b| b.is_ascii_hexdigit()) {
        errors.add("state", "state_missing", "The gateway's state is missing.");
    }
    let Some(back) = back.filter(|_| errors.is_empty()) else {
        return Err(AppError::InvalidInput(errors));
    };
    let caller = match caller {
        Ok(caller) => caller,
        Err(AppError::Unauthorized | AppError::SessionExpired) => {
            let here = format!(
                "{HANDOFF}?to={}&state={}",
                url::form_urlencoded::byte_serialize(query.to.as_bytes()).collect::<String>(),
                query.state
            );
            return Ok(Redirect::to(&format!("/sign-in?next={}", query_value(&here))).into_response());
        }
        Err(error) => return Err(error),
    };
    let token = session::new_token();
    let now = state.clock.now();
    let handoff = Handoff {
        token_hash: &session::hash_token(&token),
        session_hash: &caller.token_hash,
        return_to: back,
        state_hash: &query.state.to_ascii_lowercase(),
        expires_at: now + HANDOFF_LIFETIME,
    };
    state.db.create_handoff(&handoff, now).await?;
    Ok(Redirect::to(&format!("{gateway}{HANDOFF_PATH}?token={token}")).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct CheckQuery {
    /// The published app's name.
    app: String,
}

/// A `Link`'s title in the language `tag`: a quoted string where it is
/// plain ASCII, else in RFC 8187's `title*=UTF-8'tag'…` (a header holds no
/// other bytes).
fn link_title(title: &str, tag: &str) -> String {
    if title.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        return format!(r#"title="{}""#, title.replace('\\', r"\\").replace('"', r#"\""#));
    }
    let encoded: String = title
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'!'
            | b'#'
            | b'$'
            | b'&'
            | b'+'
            | b'-'
            | b'.'
            | b'^'
            | b'_'
            | b'`'
            | b'|'
            | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("title*=UTF-8'{tag}'{encoded}")
}

/// The header in which a trusted proxy passes the client certificate it
/// verified: URL-encoded PEM, as nginx's `$ssl_client_escaped_cert` and
/// Traefik's `passTLSClientCert` give it.
const CLIENT_CERTIFICATE: &str = "x-client-certificate";

/// The gateway's decision for another proxy in front of an app (nginx
/// `auth_request`, Traefik `forwardAuth`, Envoy's HTTP `ext_authz`): the
/// caller passes the browser's cookies (the portal session) and, when it is
/// a `--certificate-proxy`, the client certificate it verified in
/// `X-Client-Certificate`. Allowed: 200 with `X-Portal-User`,
/// `X-Portal-Device` and `X-Portal-Compliance` to pass on. Refused: 401 (sign
/// in) or 403, the failed rule as the code, and the step that fixes it as a
/// `Link` (`rel="help"`, its words as the title: `title*`, RFC 8187, where
/// they are not ASCII). The words are in the reader's language
/// (`Content-Language`): the portal's Language cookie, where the browser
/// sends it here, else `Accept-Language`.
#[utoipa::path(get, path = "/api/v1/access/check", tag = "gateway", params(CheckQuery),
    responses(
        (status = 200, description = "Allowed, with the X-Portal-* headers"),
        (status = 401, body = ApiError, description = "Not signed in (code `signed_in`)"),
        (status = 403, body = ApiError, description = "A rule failed: its name is the code"),
        (status = 404, body = ApiError, description = "No app of that name"),
    ))]
async fn check(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Extension(Peer(peer)): Extension<Peer>,
    headers: HeaderMap,
    query: Result<Query<CheckQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let Query(query) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let apps = state.db.published_apps().await?;
    let app = apps
        .iter()
        .find(|app| app.name == query.app)
        .ok_or(AppError::NotFound)?;
    let session =
        session::token_from(&headers, state.secure_cookies).map(|token| SessionKey::Portal(session::hash_token(token)));
    let fingerprint = headers
        .get(CLIENT_CERTIFICATE)
        .filter(|_| state.certificate_proxies.trusts(peer.ip()))
        .and_then(|value| value.to_str().ok())
        .and_then(certificate_fingerprint);
    let visitor = super::visitor(&state, session, fingerprint.as_deref()).await?;
    match super::judge(&state, app, &visitor, client.ip()).await? {
        Ok(()) => {
            let mut response = StatusCode::OK.into_response();
            for (name, value) in proxy::identity(&visitor) {
                if let Ok(value) = HeaderValue::from_str(&value) {
                    response.headers_mut().insert(name, value);
                }
            }
            Ok(response)
        }
        Err(refused) => {
            let words = languages::words(languages::preferred(&headers));
            let explained = refused.explained(&app.name, &state.public_url, words);
            let link = format!(
                r#"<{}>; rel="help"; {}"#,
                explained.fix_url,
                link_title(&explained.fix, words.tag)
            );
            let mut response = AppError::refused(refused.status(), refused.rule(), explained.message).into_response();
            let answer = response.headers_mut();
            if let Ok(link) = HeaderValue::from_str(&link) {
                answer.insert(header::LINK, link);
            }
            answer.insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(words.tag));
            Ok(response)
        }
    }
}

/// SHA-256 of the certificate in URL-encoded PEM, colon hex as the device
/// certificates are stored.
fn certificate_fingerprint(escaped: &str) -> Option<String> {
    use rustls::pki_types::{CertificateDer, pem::PemObject};
    let pem = percent_encoding::percent_decode_str(escaped).decode_utf8().ok()?;
    let der = CertificateDer::from_pem_slice(pem.as_bytes()).ok()?;
    Some(fingerprint(&der))
}

fn admin(caller: &CurrentUser) -> Result<(), AppError> {
    admin_only(
        caller,
        "Only IT administrators can see and publish apps through the gateway.",
    )
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
        apps: state.db.published_apps().await?.to_vec(),
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
    let event = caller.audit_event_on(&state, client, "gateway_app_published", &app.name);
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
    let event = caller.audit_event_on(&state, client, "gateway_app_unpublished", &name);
    if !state.db.unpublish_app(&name, event).await? {
        return Err(AppError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_title_outside_ascii_is_encoded() {
        assert_eq!(link_title(r#"Add "a\b""#, "en"), r#"title="Add \"a\\b\"""#);
        assert_eq!(
            link_title("Gerät hinzufügen", "de"),
            "title*=UTF-8'de'Ger%C3%A4t%20hinzuf%C3%BCgen"
        );
    }

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
            "https://apps.example.com/\\evil.test/",
            "/expenses/",
        ] {
            assert_eq!(on_gateway(gateway, to), None, "{to}");
        }
    }
}
