//! Headers every response carries. The Content-Security-Policy allows only
//! the portal's own files, the pages' inline scripts and style sheets by
//! their hashes (trunk's bootstrap; Sign in's first paint, whose style sheet
//! is inline so that nothing stands between the page and its paint), and
//! compiling WebAssembly; nothing inline otherwise, no eval, no framing.

use std::path::Path;

use axum::http::{HeaderName, HeaderValue, header};
use base64::{Engine, engine::general_purpose::STANDARD};
use sha2::{Digest, Sha256};

/// The Content-Security-Policy, computed once at start from the bundles'
/// pages being served.
pub fn policy(dist: &Path) -> String {
    let pages: Vec<String> = crate::http::static_files::every_page(dist)
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();
    let script_hashes = hashes(&pages, "script");
    let style_hashes = hashes(&pages, "style");
    format!(
        "default-src 'self'; script-src 'self'{script_hashes} 'wasm-unsafe-eval'; style-src 'self'{style_hashes}; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         frame-ancestors 'none'; form-action 'self'"
    )
}

/// The headers every response carries, `policy` first (a page the server
/// writes may extend it: see `sign_in_page`); with `tls`, HSTS too.
pub fn headers(policy: &str, tls: bool) -> Vec<(HeaderName, HeaderValue)> {
    let mut headers = vec![
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(policy).expect("ASCII policy"),
        ),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ),
        (
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
        ),
    ];
    if tls {
        headers.push((
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        ));
    }
    headers
}

/// ` 'sha256-…'` for each distinct inline `tag` of the pages (Sign in's
/// page has its own bootstrap, which imports the main page's scripts too).
fn hashes(pages: &[String], tag: &str) -> String {
    let mut hashes: Vec<String> = pages
        .iter()
        .flat_map(|page| inline(page, tag))
        .map(|text| format!(" {}", source(text)))
        .collect();
    hashes.sort();
    hashes.dedup();
    hashes.concat()
}

/// `policy` allowing one more inline style sheet, `css`, by its hash.
pub fn allowing_style(policy: &str, css: &str) -> String {
    policy.replacen("style-src 'self'", &format!("style-src 'self' {}", source(css)), 1)
}

/// `'sha256-…'`: the policy's source for an inline element's text.
fn source(text: &str) -> String {
    format!("'sha256-{}'", STANDARD.encode(Sha256::digest(text.as_bytes())))
}

/// The text of each `<tag>` without a `src`, exactly as the browser hashes it.
fn inline<'a>(html: &'a str, tag: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{tag}"), format!("</{tag}>"));
    html.split(open.as_str())
        .skip(1)
        .filter_map(|rest| {
            let (attributes, rest) = rest.split_once('>')?;
            let (body, _) = rest.split_once(close.as_str())?;
            (!attributes.contains("src=")).then_some(body)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::inline;

    #[test]
    fn finds_inline_scripts_and_styles_only() {
        let html = "<head><script type=\"module\">\nimport init from '/a.js';\n</script>\
                    <script src=\"/b.js\"></script><script>x()</script><style>a{}</style>\
                    <link rel=\"stylesheet\" href=\"/c.css\"></head>";
        assert_eq!(inline(html, "script"), ["\nimport init from '/a.js';\n", "x()"]);
        assert_eq!(inline(html, "style"), ["a{}"]);
    }
}
