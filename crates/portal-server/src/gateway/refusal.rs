//! The gateway's own pages: plain server-rendered HTML that needs no
//! script, reads at 360 px and names what to do next.

use super::decision::AccessRefusal;
use axum::body::Body;
use hyper::{Response, StatusCode, header};

/// The one stylesheet, inline (the pages load nothing else).
const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1b1b1b;background:#f6f7f9}\
main{max-width:36rem;margin:0 auto;padding:2rem 1rem}\
h1{font-size:1.5rem;line-height:1.25;margin:0 0 1rem}\
a{color:#0b5cad;font-weight:600}a:focus{outline:3px solid #0b5cad;outline-offset:2px}\
.fix{display:inline-block;margin-top:.5rem;padding:.75rem 1rem;border:2px solid #0b5cad;border-radius:.375rem;text-decoration:none}\
@media (prefers-color-scheme:dark){body{color:#eef0f3;background:#15171a}a{color:#8cc2ff}.fix{border-color:#8cc2ff}}";

pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let _ = pulldown_cmark_escape::escape_html(&mut out, text);
    out
}

/// A page with `heading`, a paragraph, and the link that is the next step.
fn page(status: StatusCode, heading: &str, message: &str, link: Option<(&str, &str)>) -> Response<Body> {
    let link = link.map_or_else(String::new, |(words, href)| {
        format!(r#"<p><a class="fix" href="{}">{}</a></p>"#, escape(href), escape(words))
    });
    let html = format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{title} · Company Portal</title><style>{STYLE}</style></head><body><main><h1>{heading}</h1><p>{message}</p>{link}</main></body></html>"#,
        title = escape(heading),
        heading = escape(heading),
        message = escape(message),
    );
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        .header(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        )
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::REFERRER_POLICY, "no-referrer")
        .body(Body::from(html))
        .expect("a page's headers are valid")
}

/// The app refused the visitor: which rule, and the step that fixes it.
pub fn refused(app: &str, refusal: &AccessRefusal, status: StatusCode) -> Response<Body> {
    page(
        status,
        &format!("You can't open {app} yet"),
        &refusal.message,
        Some((&refusal.fix, &refusal.fix_url)),
    )
}

pub fn nothing_here(portal: &str) -> Response<Body> {
    page(
        StatusCode::NOT_FOUND,
        "Nothing is published here",
        "No corporate app is published at this address. Check the link, or find your apps in the Company Portal.",
        Some(("Open Company Portal", portal)),
    )
}

pub fn sign_in_link_spent(portal: &str) -> Response<Body> {
    page(
        StatusCode::BAD_REQUEST,
        "This sign-in link has expired",
        "Sign-in links work once, for a minute. Open the app again to get a new one.",
        Some(("Open Company Portal", portal)),
    )
}

pub fn unusual_address() -> Response<Body> {
    page(
        StatusCode::BAD_REQUEST,
        "This address can't be opened",
        "It has parts the gateway does not pass on (.. or an encoded / or \\). Check the link.",
        None,
    )
}

pub fn not_answering(app: &str) -> Response<Body> {
    page(
        StatusCode::BAD_GATEWAY,
        &format!("{app} isn't answering"),
        "The gateway could not reach the app. Try again in a moment; if it goes on, contact your IT help desk.",
        None,
    )
}

pub fn unavailable() -> Response<Body> {
    page(
        StatusCode::SERVICE_UNAVAILABLE,
        "The gateway can't check your access right now",
        "Try again in a moment; if it goes on, contact your IT help desk.",
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn what_the_page_shows_is_escaped() {
        let refusal = AccessRefusal {
            rule: "registered_device".into(),
            message: "<script>alert(1)</script>".into(),
            fix: "Add device".into(),
            fix_url: "https://portal.example.com/devices/add?a=1&b=\"2\"".into(),
        };
        let response = refused("Expenses", &refusal, StatusCode::FORBIDDEN);
        let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
        let html = String::from_utf8(body.to_vec()).unwrap();
        assert!(html.contains("&lt;script&gt;") && !html.contains("<script>"), "{html}");
        assert!(
            html.contains(r#"href="https://portal.example.com/devices/add?a=1&amp;b=&quot;2&quot;""#),
            "{html}"
        );
    }
}
