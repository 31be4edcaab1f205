//! Serves the built portal: precompressed assets when the build wrote them,
//! and for every client-side route the page of the bundle that shows it
//! (`index.html`, or the catalog's; see `portal_types::bundles`). Sign in
//! has a page of its own where the build wrote one: the main bundle's, with
//! Sign in already painted in it; a visitor certainly signed out is sent
//! there at once from a page that needs a sign-in.

use std::{
    convert::Infallible,
    path::{Path, PathBuf},
    sync::Arc,
};

use futures_util::future::Either;

use axum::{
    Router,
    body::Body,
    extract::State,
    http::{HeaderValue, Method, Request, header},
    middleware::{self, Next},
    response::{IntoResponse, Redirect, Response},
};
use portal_types::bundles::{OTHERS, needs_sign_in};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use super::sign_in_page::{self, SignInPages};
use crate::{identity::session, languages::SOURCES};

/// The page each bundle starts from: the main one's, then the others' in
/// the order of [`OTHERS`].
pub fn pages(dist: &Path) -> Vec<PathBuf> {
    std::iter::once(dist.join("index.html"))
        .chain(
            OTHERS
                .iter()
                .map(|bundle| dist.join(bundle.base.trim_matches('/')).join("index.html")),
        )
        .collect()
}

/// The bundles' pages and Sign in's in every language (whose inline
/// scripts the CSP allows).
pub fn every_page(dist: &Path) -> Vec<PathBuf> {
    let mut pages = pages(dist);
    pages.extend(SOURCES.iter().map(|(tag, _)| sign_in_page::file(dist, tag)));
    pages
}

fn page(file: PathBuf) -> ServeFile {
    ServeFile::new(file).precompressed_br().precompressed_gzip()
}

pub fn router(dist: &Path, secure_cookies: bool, sign_in: Option<SignInPages>) -> Router {
    if !dist.join("index.html").is_file() {
        tracing::warn!(dist = %dist.display(), "the portal is not built here; only the API is served");
    }
    let pages: Vec<ServeFile> = pages(dist).into_iter().map(page).collect();
    let sign_in = sign_in.map(Arc::new);
    let route = tower::service_fn(move |request: Request<Body>| {
        let path = request.uri().path();
        let page = match &sign_in {
            Some(sign_in) if path == "/sign-in" => Either::Left(sign_in.clone()),
            _ => {
                let bundle = OTHERS
                    .iter()
                    .position(|bundle| (bundle.shows)(path))
                    .map_or(0, |other| other + 1);
                Either::Right(pages[bundle].clone())
            }
        };
        async move {
            Ok::<_, Infallible>(match page {
                Either::Left(sign_in) => sign_in.respond(request.headers()).await,
                Either::Right(file) => file.oneshot(request).await.into_response(),
            })
        }
    });
    let files = ServeDir::new(dist)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(route);
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn(cache_control))
        .layer(middleware::from_fn_with_state(secure_cookies, signed_out_to_sign_in))
}

/// A page that needs a sign-in, asked for by a visitor certainly signed
/// out: Sign in at once, coming back here after, rather than the portal
/// starting only to find that out.
async fn signed_out_to_sign_in(State(secure_cookies): State<bool>, request: Request<Body>, next: Next) -> Response {
    let path = request.uri().path();
    if request.method() == Method::GET
        && needs_sign_in(path)
        && session::navigation_certainly_signed_out(request.headers(), secure_cookies)
    {
        let back = request.uri().path_and_query().map_or(path, |p| p.as_str());
        return Redirect::to(&format!("/sign-in?next={}", query_value(back))).into_response();
    }
    next.run(request).await
}

/// `value` as one value of a query, its slashes kept for the eye (Sign in
/// reads `next` with `decodeURIComponent`).
pub(crate) fn query_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The service worker, served from the web app's folder but governing every page.
pub const SERVICE_WORKER: &str = "/web-app/sw.js";

/// Trunk names assets by their content hash, so they can be kept forever;
/// `index.html` points at the current ones, so it is checked every time.
async fn cache_control(request: Request<axum::body::Body>, next: Next) -> Response {
    let fingerprinted = is_fingerprinted(request.uri().path());
    let service_worker = request.uri().path() == SERVICE_WORKER;
    let mut response = next.run(request).await;
    if service_worker {
        response.headers_mut().insert(
            header::HeaderName::from_static("service-worker-allowed"),
            HeaderValue::from_static("/"),
        );
    }
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let policy = if fingerprinted && !is_html {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    response
}

/// `name-0123456789abcdef.ext` or `name-0123456789abcdef_bg.wasm` (trunk
/// writes the hash without leading zeros, so it can be shorter).
fn is_fingerprinted(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or_default();
    let stem = file.split('.').next().unwrap_or_default().trim_end_matches("_bg");
    stem.rsplit_once('-')
        .is_some_and(|(_, hash)| (8..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::is_fingerprinted;

    #[test]
    fn recognises_trunk_hashed_names() {
        assert!(is_fingerprinted("/portal-1a2b3c4d5e6f7a8b_bg.wasm"));
        assert!(is_fingerprinted("/portal-1a2b3c4d5e6f7a8b.js"));
        assert!(is_fingerprinted("/main-00112233aabbccdd.css"));
        assert!(is_fingerprinted("/portal-636c7c212c85b1c.js"));
        assert!(!is_fingerprinted("/index.html"));
        assert!(!is_fingerprinted("/devices/some-device"));
    }
}
