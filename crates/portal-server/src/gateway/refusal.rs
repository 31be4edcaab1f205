//! The gateway's own pages: plain server-rendered HTML that needs no
//! script, reads at 360 px, names what to do next, and wears the
//! organisation's branding (its name, its colours, its help desk).

use super::decision::AccessRefusal;
use crate::branding::InForce;
use axum::body::Body;
use hyper::{Response, StatusCode, header};

/// The one stylesheet, inline (the pages load nothing else); the branding's
/// colours, where it has its own, come before it as custom properties.
const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1b1b1b;background:#f6f7f9}\
header{background:var(--cp-header-bg,#0b4a8a);color:#fff;padding:.75rem 1rem;font-weight:700}\
main{max-width:36rem;margin:0 auto;padding:2rem 1rem}\
h1{font-size:1.5rem;line-height:1.25;margin:0 0 1rem}\
a{color:var(--cp-accent,#0b5cad);font-weight:600}a:focus{outline:3px solid var(--cp-focus,#0b5cad);outline-offset:2px}\
.fix{display:inline-block;margin-top:.5rem;padding:.75rem 1rem;border:2px solid currentColor;border-radius:.375rem;text-decoration:none}\
.help{margin-top:2rem;color:#4a4f57;font-size:.95rem}\
@media (prefers-color-scheme:dark){body{color:#eef0f3;background:#15171a}a{color:var(--cp-accent,#8cc2ff)}.help{color:#b8bec7}}";

pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let _ = pulldown_cmark_escape::escape_html(&mut out, text);
    out
}

/// A page with `heading`, a paragraph, and the link that is the next step,
/// under the organisation's name and above whom to ask for help.
fn page(
    brand: &InForce,
    status: StatusCode,
    heading: &str,
    message: &str,
    link: Option<(&str, &str)>,
) -> Response<Body> {
    let settings = &brand.branding.settings;
    let link = link.map_or_else(String::new, |(words, href)| {
        format!(r#"<p><a class="fix" href="{}">{}</a></p>"#, escape(href), escape(words))
    });
    let name = match settings.organisation.as_str() {
        "" => "Company Portal".to_string(),
        organisation => format!("{organisation} Company Portal"),
    };
    let desk = &settings.help_desk;
    let contacts: Vec<String> = [desk.phone.as_deref(), desk.email.as_deref()]
        .into_iter()
        .flatten()
        .map(escape)
        .collect();
    let help = if contacts.is_empty() {
        String::new()
    } else {
        format!(
            r#"<p class="help">Need help? {}: {}</p>"#,
            escape(&desk.name),
            contacts.join(" · ")
        )
    };
    let html = format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{title} · {brand}</title><style>{colours}{STYLE}</style></head><body><header>{brand}</header><main><h1>{heading}</h1><p>{message}</p>{link}{help}</main></body></html>"#,
        colours = brand.palette,
        title = escape(heading),
        brand = escape(&name),
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
pub fn refused(brand: &InForce, app: &str, refusal: &AccessRefusal, status: StatusCode) -> Response<Body> {
    page(
        brand,
        status,
        &format!("You can't open {app} yet"),
        &refusal.message,
        Some((&refusal.fix, &refusal.fix_url)),
    )
}

pub fn nothing_here(brand: &InForce, portal: &str) -> Response<Body> {
    page(
        brand,
        StatusCode::NOT_FOUND,
        "Nothing is published here",
        "No corporate app is published at this address. Check the link, or find your apps in the Company Portal.",
        Some(("Open Company Portal", portal)),
    )
}

pub fn sign_in_link_spent(brand: &InForce, portal: &str) -> Response<Body> {
    page(
        brand,
        StatusCode::BAD_REQUEST,
        "This sign-in link has expired",
        "Sign-in links work once, for a minute. Open the app again to get a new one.",
        Some(("Open Company Portal", portal)),
    )
}

pub fn unusual_address(brand: &InForce) -> Response<Body> {
    page(
        brand,
        StatusCode::BAD_REQUEST,
        "This address can't be opened",
        "It has parts the gateway does not pass on (.. or an encoded / or \\). Check the link.",
        None,
    )
}

pub fn not_answering(brand: &InForce, app: &str) -> Response<Body> {
    page(
        brand,
        StatusCode::BAD_GATEWAY,
        &format!("{app} isn't answering"),
        "The gateway could not reach the app. Try again in a moment; if it goes on, contact your IT help desk.",
        None,
    )
}

pub fn unavailable(brand: &InForce) -> Response<Body> {
    page(
        brand,
        StatusCode::SERVICE_UNAVAILABLE,
        "The gateway can't check your access right now",
        "Try again in a moment; if it goes on, contact your IT help desk.",
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::branding::{DEFAULT_COLOR, palette};

    #[tokio::test]
    async fn what_the_page_shows_is_escaped() {
        let refusal = AccessRefusal {
            rule: "registered_device".into(),
            message: "<script>alert(1)</script>".into(),
            fix: "Add device".into(),
            fix_url: "https://portal.example.com/devices/add?a=1&b=\"2\"".into(),
        };
        let response = refused(&brand("", DEFAULT_COLOR), "Expenses", &refusal, StatusCode::FORBIDDEN);
        let html = text(response).await;
        assert!(html.contains("&lt;script&gt;") && !html.contains("<script>"), "{html}");
        assert!(
            html.contains(r#"href="https://portal.example.com/devices/add?a=1&amp;b=&quot;2&quot;""#),
            "{html}"
        );
        assert!(
            html.contains("<title>You can&#39;t open Expenses yet · Company Portal</title>"),
            "{html}"
        );
        assert!(
            !html.contains("--cp-accent:"),
            "the default colour is the stylesheet's: {html}"
        );
    }

    #[tokio::test]
    async fn a_page_wears_the_organisations_name_colours_and_help_desk() {
        let html = text(unavailable(&brand("Contoso <Ltd>", "#8a1538"))).await;
        assert!(
            html.contains(
                "<title>The gateway can&#39;t check your access right now · Contoso &lt;Ltd&gt; Company Portal</title>"
            ),
            "{html}"
        );
        assert!(
            html.contains("<header>Contoso &lt;Ltd&gt; Company Portal</header>"),
            "{html}"
        );
        assert!(html.contains(&palette::css("#8a1538")), "{html}");
        assert!(
            html.contains("Need help? IT help desk: +44 20 7946 0000 · help@contoso.example"),
            "{html}"
        );
    }

    fn brand(organisation: &str, color: &str) -> InForce {
        InForce::new(portal_types::Branding {
            version: 1,
            settings: portal_types::BrandingSettings {
                organisation: organisation.into(),
                color: color.into(),
                privacy_url: None,
                help_desk: portal_types::HelpDesk {
                    name: "IT help desk".into(),
                    phone: Some("+44 20 7946 0000".into()),
                    email: Some("help@contoso.example".into()),
                    website: None,
                    note: None,
                },
            },
            logo: None,
            changed_by: None,
            changed_at: None,
        })
    }

    async fn text(response: Response<Body>) -> String {
        let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
        String::from_utf8(body.to_vec()).unwrap()
    }
}
