//! The gateway: corporate web apps published behind a second HTTPS
//! listener that lets through only what each app's access rule allows (a
//! signed-in user, their registered and compliant device, a second factor),
//! decided afresh on every request and forwarded with headers the app can
//! trust.
//!
//! Sign-in is the portal's: a visitor without a gateway session goes to the
//! portal, which hands its session over once (`routes::handoff`); the
//! gateway's session then lives and ends with the portal's.

pub mod decision;
pub mod expenses;
pub mod listener;
pub mod proxy;
pub mod published;
pub mod refusal;
pub mod routes;
pub mod tls;

use std::{net::IpAddr, sync::Arc};

use axum::body::Body;
use hyper::{HeaderMap, Method, Request, Response, StatusCode, Uri, header};
use portal_types::{Enforcement, PublishedApp};
use time::Duration;

use crate::{
    db::{AuditEvent, SessionKey},
    gateway::{
        decision::{Refusal, Visitor},
        listener::Connection,
        published::GATEWAY_PATHS,
        refusal::Pages,
    },
    identity::session,
    languages,
    state::AppState,
};

/// The gateway's session cookie.
pub const COOKIE: &str = "__Host-cp_gateway";
/// The state of a sign-in under way, which only the browser that began it holds.
pub const STATE_COOKIE: &str = "__Host-cp_gateway_state";
/// How long a sign-in may take.
const HANDOFF_STATE_LIFETIME: Duration = Duration::minutes(10);
/// Where the portal's hand-off lands on the gateway.
pub const HANDOFF_PATH: &str = "/.portal/handoff";
/// How long a hand-off may wait to be used.
pub const HANDOFF_LIFETIME: Duration = Duration::seconds(60);
/// How often an open tunnel's access is looked at again: twice a second,
/// so that a revoked device or an ended session closes it within a second,
/// as it refuses the next request.
const RECHECK_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

pub struct Gateway {
    state: AppState,
    /// As browsers reach the gateway: `https://host:port`.
    url: Arc<str>,
    upstreams: proxy::Upstreams,
}

impl Gateway {
    pub fn new(state: AppState, url: Arc<str>, upstreams: proxy::Upstreams) -> Self {
        Self { state, url, upstreams }
    }

    /// Answers one request; whatever fails inside is a page, never a dropped connection.
    pub async fn handle(&self, request: Request<Body>, connection: &Connection) -> Response<Body> {
        // The gateway's own pages, in the reader's language.
        let pages = Pages {
            brand: self.state.branding.current(),
            words: languages::words(languages::preferred(request.headers())),
        };
        match self.answer(request, connection, &pages).await {
            Ok(response) => response,
            Err(error) => {
                tracing::error!(%error, "the gateway could not decide");
                pages.unavailable()
            }
        }
    }

    async fn answer(
        &self,
        request: Request<Body>,
        connection: &Connection,
        pages: &Pages,
    ) -> anyhow::Result<Response<Body>> {
        let portal = &*self.state.public_url;
        let path = request.uri().path();
        if path == HANDOFF_PATH {
            return self.redeem(request.uri(), request.headers(), pages).await;
        }
        // No app is published at the root: the gateway's own pages, and the
        // browser's tab, show the portal's icon.
        if path == "/favicon.ico" {
            return Ok(redirect(
                StatusCode::PERMANENT_REDIRECT,
                &format!("{portal}/web-app/icon.svg"),
            ));
        }
        let apps = self.state.db.published_apps().await?;
        let app = match published::reached_by(&apps, path) {
            Some(app) if !path.starts_with(GATEWAY_PATHS) => app,
            _ => return Ok(pages.nothing_here(portal)),
        };
        if !published::plain_path(path) {
            return Ok(pages.unusual_address());
        }
        if !path.starts_with(&app.prefix) {
            let query = request.uri().query().map(|q| format!("?{q}")).unwrap_or_default();
            return Ok(redirect(
                StatusCode::PERMANENT_REDIRECT,
                &format!("{}{query}", app.prefix),
            ));
        }
        // Who is asking: the portal session behind the gateway's cookie, if it
        // is still open, and the device whose certificate the handshake verified.
        let session = session_key(request.headers());
        let fingerprint = connection.fingerprint.as_deref();
        let visitor = visitor(&self.state, session.clone(), fingerprint).await?;
        // Audit mode signs visitors in too, so that the log can say who would have been refused.
        let audited = app.enforcement == Enforcement::Audit && decision::asks_who(&app.rule);
        if audited && visitor.user.is_none() && request.method() == Method::GET {
            return Ok(self.to_sign_in(request.uri()));
        }
        if let Err(refused) = judge(&self.state, app, &visitor, connection.peer.ip()).await? {
            if refused == Refusal::SignIn && request.method() == Method::GET {
                return Ok(self.to_sign_in(request.uri()));
            }
            let explained = refused.explained(&app.name, portal, pages.words);
            return Ok(pages.refused(&app.name, &explained, refused.status()));
        }
        let watch = || self.access_ends(app.name.clone(), session, fingerprint.map(String::from));
        Ok(
            match proxy::forward(&self.upstreams, app, request, &visitor, connection.peer, watch).await {
                Ok(response) => response,
                Err(error) => {
                    tracing::warn!(%error, app = %app.name, "upstream unreachable");
                    pages.not_answering(&app.name)
                }
            },
        )
    }

    /// Completes once this visitor may no longer reach the app named `app`
    /// (its rule refuses them, or it is no longer published), looked at
    /// every [`RECHECK_EVERY`]: what an open WebSocket is held to, as each
    /// request is.
    fn access_ends(&self, app: String, session: Option<SessionKey>, fingerprint: Option<String>) -> proxy::AccessEnds {
        let state = self.state.clone();
        Box::pin(async move {
            let mut every = tokio::time::interval(RECHECK_EVERY);
            loop {
                every.tick().await;
                let allowed = async {
                    let apps = state.db.published_apps().await?;
                    let Some(app) = apps.iter().find(|a| a.name == app) else {
                        return anyhow::Ok(false);
                    };
                    let visitor = visitor(&state, session.clone(), fingerprint.as_deref()).await?;
                    Ok(app.enforcement != Enforcement::Required || decision::decide(&app.rule, &visitor).is_ok())
                };
                // A database that does not answer ends nothing; the next look may.
                if let Ok(false) = allowed.await {
                    return;
                }
            }
        })
    }

    /// To the portal's hand-off for this request's address, with a state
    /// that only this browser holds (in a cookie of the gateway's), so that
    /// a hand-off made for another browser is no use in this one.
    fn to_sign_in(&self, asked: &Uri) -> Response<Body> {
        let back = asked.path_and_query().map_or("/", |p| p.as_str());
        let to = format!("{}{back}", self.url);
        let state = session::new_token();
        let address = format!(
            "{}{}?to={}&state={}",
            self.state.public_url,
            routes::HANDOFF,
            url::form_urlencoded::byte_serialize(to.as_bytes()).collect::<String>(),
            session::hash_token(&state)
        );
        let mut response = redirect(StatusCode::SEE_OTHER, &address);
        set_cookie(
            &mut response,
            STATE_COOKIE,
            &state,
            HANDOFF_STATE_LIFETIME.whole_seconds(),
        );
        response
    }

    /// The portal's hand-off arrives: a gateway session of the portal's, and
    /// back to the page asked for, if this browser is the one that asked.
    async fn redeem(&self, asked: &Uri, headers: &HeaderMap, pages: &Pages) -> anyhow::Result<Response<Body>> {
        let token = asked
            .query()
            .and_then(|q| url::form_urlencoded::parse(q.as_bytes()).find(|(name, _)| name == "token"))
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default();
        let state = session::cookie_value(headers, STATE_COOKIE).unwrap_or_default();
        let own = session::new_token();
        let now = self.state.clock.now();
        let hash = session::hash_token;
        let redeemed = self
            .state
            .db
            .redeem_handoff(&hash(&token), &hash(state), &hash(&own), now)
            .await?;
        let Some(back) = redeemed else {
            return Ok(pages.sign_in_link_spent(&self.state.public_url));
        };
        let mut response = redirect(StatusCode::SEE_OTHER, &format!("{}{back}", self.url));
        set_cookie(&mut response, COOKIE, &own, session::ABSOLUTE_TIMEOUT.whole_seconds());
        set_cookie(&mut response, STATE_COOKIE, "", 0);
        Ok(response)
    }
}

/// One of the gateway's cookies: HTTPS only, this host only, sent on
/// top-level navigations from other sites (the portal's redirects).
fn set_cookie(response: &mut Response<Body>, name: &str, value: &str, max_age: i64) {
    let cookie = format!("{name}={value}; Path=/; Max-Age={max_age}; Secure; HttpOnly; SameSite=Lax");
    response
        .headers_mut()
        .append(header::SET_COOKIE, cookie.parse().expect("a token is a cookie value"));
}

fn redirect(status: StatusCode, to: &str) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::LOCATION, to)
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::empty())
        .expect("a redirect's headers are valid")
}

/// The gateway session a request's cookie names, if any.
fn session_key(headers: &HeaderMap) -> Option<SessionKey> {
    session::cookie_value(headers, COOKIE).map(|token| SessionKey::Gateway(session::hash_token(token)))
}

/// Who is asking: the user of an open session (`session`), and the device
/// a certificate (by its fingerprint) was issued to.
pub async fn visitor(
    state: &AppState,
    session: Option<SessionKey>,
    fingerprint: Option<&str>,
) -> anyhow::Result<Visitor> {
    let user = match session {
        Some(key) => match state.db.visitor_session(&key).await? {
            Some(open) if session::still_open(state, &open.portal_hash, &open.session, state.clock.now()).await? => {
                Some(open.user)
            }
            _ => None,
        },
        None => None,
    };
    let device = match fingerprint {
        Some(fingerprint) => state.db.device_by_certificate(fingerprint).await?.map(|mut device| {
            let now = state.clock.now();
            // The handshake checked the dates; a proxy's word is checked here.
            device.revoked |= device.expires_at <= now;
            // A grace period that ended since the device was last judged
            // ends here too, rather than at the next hourly sweep.
            device.compliance =
                state
                    .policies
                    .current()
                    .state_now(device.compliance, &device.reasons, device.failing_since, now);
            device
        }),
        None => None,
    };
    Ok(Visitor { user, device })
}

/// The app's rule applied to `visitor` as its enforcement mode says: `off`
/// lets anyone through, `audit` everyone, writing down what it would have
/// refused. Refusals are audited, once an hour for each visitor, app, rule
/// and outcome, but for a missing sign-in where it is required, which is how
/// every visit begins.
pub async fn judge(
    state: &AppState,
    app: &PublishedApp,
    visitor: &Visitor,
    source: IpAddr,
) -> anyhow::Result<Result<(), Refusal>> {
    if app.enforcement == Enforcement::Off {
        return Ok(Ok(()));
    }
    let Err(refused) = decision::decide(&app.rule, visitor) else {
        return Ok(Ok(()));
    };
    let enforced = app.enforcement == Enforcement::Required;
    // A missing sign-in starts every visit where it is required; in audit
    // mode it is what a request that was not sent to sign in (not a GET)
    // would have been refused for, and is written down as such.
    if refused != Refusal::SignIn || !enforced {
        let actor = visitor.user.as_ref().map(|user| user.id);
        let subject = format!("{}: {}", app.name, refused.rule());
        let outcome = if enforced { "refused" } else { "allowed_in_audit_mode" };
        let event = AuditEvent::new(state.clock.now(), "gateway_access_refused", outcome)
            .actor(actor)
            .subject(subject)
            .source(source.to_string());
        // Once an hour for each visitor (user and device, or else the
        // address), app, rule and outcome: in audit mode every asset of
        // every page passes, and would otherwise be written down.
        let user = actor.map(|user| user.to_string()).unwrap_or_default();
        let device = match &visitor.device {
            Some(device) => device.id.to_string(),
            None if actor.is_none() => source.to_string(),
            None => String::new(),
        };
        let subject = event.subject.as_deref().unwrap_or_default();
        let key = format!("gateway:{}:{subject}:{user}:{device}", event.outcome);
        state.audit_refusal(&key, event).await?;
    }
    Ok(if enforced { Err(refused) } else { Ok(()) })
}
