//! Sign in as the server sends it: the page the build painted in each
//! language (`scripts/first-paint.mjs`) with the branding in force written
//! into it instead of linked. A linked style sheet holds the first paint
//! back by a round trip (and the inline script before the form, so the
//! form's parsing too); written in, it costs the bytes of a palette. The
//! page's policy allows that style sheet by its hash.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::SystemTime,
};

use crate::{
    branding::BrandingInForce,
    http::{revalidated::Encoded, security_headers},
    languages::{self, SOURCES},
};
use axum::{
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

/// Where the built page links the branding's style sheet (trunk's minified
/// form of `index.html`'s link).
const BRANDING_LINK: &str = "<link href=/branding.css rel=stylesheet>";

pub struct SignInPages {
    dist: PathBuf,
    /// The languages the build wrote a page for, English first.
    tags: Vec<&'static str>,
    branding: Arc<BrandingInForce>,
    /// The Content-Security-Policy of every page, for this one to extend.
    policy: String,
    /// Each language's page as last written.
    written: Mutex<HashMap<&'static str, Arc<Written>>>,
    /// Held while a page is written.
    writing: tokio::sync::Mutex<()>,
}

struct Written {
    /// What it was written from: the branding version and the built file's
    /// date (a release may replace the files while the server runs).
    from: (u32, SystemTime),
    page: Encoded,
    policy: HeaderValue,
}

impl SignInPages {
    /// None where the build wrote no Sign in page.
    pub fn load(dist: &Path, branding: Arc<BrandingInForce>, policy: String) -> Option<Self> {
        let tags: Vec<_> = SOURCES
            .iter()
            .map(|(tag, _)| *tag)
            .filter(|tag| file(dist, tag).is_file())
            .collect();
        (!tags.is_empty()).then(|| Self {
            dist: dist.to_path_buf(),
            tags,
            branding,
            policy,
            written: Mutex::default(),
            writing: tokio::sync::Mutex::default(),
        })
    }

    /// The reader's language's page, as the branding in force makes it.
    pub async fn respond(self: Arc<Self>, headers: &HeaderMap) -> Response {
        let wanted = languages::preferred(headers);
        let tag = *self.tags.iter().find(|tag| **tag == wanted).unwrap_or(&self.tags[0]);
        let written = match self.written(tag).await {
            Ok(Some(written)) => written,
            Ok(None) => return StatusCode::NOT_FOUND.into_response(),
            Err(error) => {
                tracing::error!(%error, "writing Sign in's page failed");
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
        };
        let mut response = written.page.response(headers, "text/html; charset=utf-8");
        let answer = response.headers_mut();
        answer.insert(header::CONTENT_SECURITY_POLICY, written.policy.clone());
        answer.insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(tag));
        // Written for its reader: a cache keeps each language apart.
        answer.insert(
            header::VARY,
            HeaderValue::from_static("accept-encoding, accept-language, cookie"),
        );
        response
    }

    /// The page as last written, or written again (once, however many ask
    /// meanwhile) where the branding or the built file changed since; `Err`
    /// where writing it failed.
    async fn written(self: Arc<Self>, tag: &'static str) -> Result<Option<Arc<Written>>, tokio::task::JoinError> {
        let path = file(&self.dist, tag);
        let Ok(built_at) = std::fs::metadata(&path).and_then(|m| m.modified()) else {
            return Ok(None);
        };
        let fresh = |pages: &Self| {
            let version = pages.branding.current().branding.version;
            pages
                .written
                .lock()
                .expect("not poisoned")
                .get(tag)
                .filter(|written| written.from == (version, built_at))
                .cloned()
        };
        if let Some(written) = fresh(&self) {
            return Ok(Some(written));
        }
        let _turn = self.writing.lock().await;
        if let Some(written) = fresh(&self) {
            return Ok(Some(written));
        }
        // Compressing at brotli's best takes milliseconds: not on a worker
        // that serves other requests meanwhile.
        let pages = self.clone();
        tokio::task::spawn_blocking(move || pages.write(tag, &path, built_at)).await
    }

    fn write(&self, tag: &'static str, path: &Path, built_at: SystemTime) -> Option<Arc<Written>> {
        let in_force = self.branding.current();
        let built = std::fs::read_to_string(path).ok()?;
        let (page, styled) = branded(&built, &in_force.css);
        let policy = if styled {
            security_headers::allowing_style(&self.policy, &in_force.css)
        } else {
            self.policy.clone()
        };
        let written = Arc::new(Written {
            from: (in_force.branding.version, built_at),
            page: Encoded::new(page.into_bytes()),
            policy: HeaderValue::from_str(&policy).expect("ASCII policy"),
        });
        self.written.lock().expect("not poisoned").insert(tag, written.clone());
        Some(written)
    }
}

/// Sign in painted in the language `tag`: `sign-in.html` in English,
/// `sign-in.de.html`, ...
pub fn file(dist: &Path, tag: &str) -> PathBuf {
    dist.join(match tag {
        "en" => "sign-in.html".to_string(),
        tag => format!("sign-in.{tag}.html"),
    })
}

/// The page with `css` written in place of its link (nothing for none), and
/// whether it now holds a style sheet the policy must allow. A page without
/// the link, or a style sheet that could end its element, stays as built.
fn branded(page: &str, css: &str) -> (String, bool) {
    if !page.contains(BRANDING_LINK) || css.contains("</") {
        return (page.to_string(), false);
    }
    if css.is_empty() {
        return (page.replacen(BRANDING_LINK, "", 1), false);
    }
    // `data-branding`: the portal swaps it for the linked sheet when the
    // branding changes while it is open (`session::restyle`).
    let style = format!("<style data-branding>{css}</style>");
    (page.replacen(BRANDING_LINK, &style, 1), true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_branding_is_written_in_with_its_hash_and_the_default_is_nothing() {
        use base64::{Engine, engine::general_purpose::STANDARD};
        use sha2::{Digest, Sha256};

        let page = format!("<head><style>a{{}}</style>{BRANDING_LINK}<script type=module></script></head>");
        let css = ":root{--cp-fill:#6b2fa0}";
        let (written, styled) = branded(&page, css);
        assert_eq!(
            written,
            "<head><style>a{}</style><style data-branding>:root{--cp-fill:#6b2fa0}</style><script type=module></script></head>"
        );
        assert!(styled);
        let expected = STANDARD.encode(Sha256::digest(css.as_bytes()));
        assert_eq!(
            security_headers::allowing_style("default-src 'self'; style-src 'self' 'sha256-x'; img-src 'self'", css),
            format!("default-src 'self'; style-src 'self' 'sha256-{expected}' 'sha256-x'; img-src 'self'")
        );

        assert_eq!(
            branded(&page, ""),
            (
                "<head><style>a{}</style><script type=module></script></head>".into(),
                false
            )
        );
        // Nothing that could close the element is written in.
        assert_eq!(branded(&page, "a{}</style><script>"), (page.clone(), false));
        assert_eq!(branded("<head></head>", ":root{}"), ("<head></head>".into(), false));
    }
}
