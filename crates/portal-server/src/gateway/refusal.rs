//! The gateway's own pages: plain server-rendered HTML that needs no
//! script, reads at 360 px, names what to do next, and wears the
//! organisation's branding (its name, its colours, its help desk), in the
//! reader's language.

use std::sync::Arc;

use super::decision::AccessRefusal;
use crate::{branding::InForce, languages::Words};
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

/// The gateway's pages for one reader: the branding in force, in their language.
pub struct Pages {
    pub brand: Arc<InForce>,
    pub words: Words,
}

impl Pages {
    /// A page with `heading`, a paragraph, and the link that is the next step,
    /// under the organisation's name and above whom to ask for help, in the
    /// reader's `words`.
    fn page(&self, status: StatusCode, heading: &str, message: &str, link: Option<(&str, &str)>) -> Response<Body> {
        let (brand, words) = (&self.brand, self.words);
        let settings = &brand.branding.settings;
        let link = link.map_or_else(String::new, |(text, href)| {
            format!(r#"<p><a class="fix" href="{}">{}</a></p>"#, escape(href), escape(text))
        });
        let name = match settings.organisation.as_str() {
            "" => words.say("common.company_portal", &[]),
            organisation => words.say("common.organisation_portal", &[("organisation", organisation)]),
        };
        let desk = &settings.help_desk;
        let contacts: Vec<&str> = [desk.phone.as_deref(), desk.email.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        let help = if contacts.is_empty() {
            String::new()
        } else {
            let line = words.say(
                "gateway.need_help",
                &[("desk", &desk.name), ("contacts", &contacts.join(" · "))],
            );
            format!(r#"<p class="help">{}</p>"#, escape(&line))
        };
        let html = format!(
            r#"<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{title} · {brand}</title><style>{colours}{STYLE}</style></head><body><header>{brand}</header><main><h1>{heading}</h1><p>{message}</p>{link}{help}</main></body></html>"#,
            lang = words.tag,
            colours = brand.palette,
            title = escape(heading),
            brand = escape(&name),
            heading = escape(heading),
            message = escape(message),
        );
        Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            .header(header::CONTENT_LANGUAGE, words.tag)
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
    pub fn refused(&self, app: &str, refusal: &AccessRefusal, status: StatusCode) -> Response<Body> {
        self.page(
            status,
            &self.words.say("gateway.cannot_open_yet", &[("app", app)]),
            &refusal.message,
            Some((&refusal.fix, &refusal.fix_url)),
        )
    }

    pub fn nothing_here(&self, portal: &str) -> Response<Body> {
        self.page(
            StatusCode::NOT_FOUND,
            &self.words.say("gateway.nothing_here", &[]),
            &self.words.say("gateway.nothing_here_detail", &[]),
            Some((&self.words.say("gateway.open_portal", &[]), portal)),
        )
    }

    pub fn sign_in_link_spent(&self, portal: &str) -> Response<Body> {
        self.page(
            StatusCode::BAD_REQUEST,
            &self.words.say("gateway.link_spent", &[]),
            &self.words.say("gateway.link_spent_detail", &[]),
            Some((&self.words.say("gateway.open_portal", &[]), portal)),
        )
    }

    pub fn unusual_address(&self) -> Response<Body> {
        self.page(
            StatusCode::BAD_REQUEST,
            &self.words.say("gateway.unusual_address", &[]),
            &self.words.say("gateway.unusual_address_detail", &[]),
            None,
        )
    }

    pub fn not_answering(&self, app: &str) -> Response<Body> {
        self.page(
            StatusCode::BAD_GATEWAY,
            &self.words.say("gateway.not_answering", &[("app", app)]),
            &self.words.say("gateway.not_answering_detail", &[]),
            None,
        )
    }

    pub fn unavailable(&self) -> Response<Body> {
        self.page(
            StatusCode::SERVICE_UNAVAILABLE,
            &self.words.say("gateway.unavailable", &[]),
            &self.words.say("gateway.unavailable_detail", &[]),
            None,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        branding::{DEFAULT_COLOR, palette},
        languages::words,
    };

    #[tokio::test]
    async fn what_the_page_shows_is_escaped() {
        let refusal = AccessRefusal {
            rule: "registered_device".into(),
            message: "<script>alert(1)</script>".into(),
            fix: "Add device".into(),
            fix_url: "https://portal.example.com/devices/add?a=1&b=\"2\"".into(),
        };
        let response = pages("", DEFAULT_COLOR, "en").refused("Expenses", &refusal, StatusCode::FORBIDDEN);
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
        let html = text(pages("Contoso <Ltd>", "#8a1538", "en").unavailable()).await;
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

    #[tokio::test]
    async fn a_page_speaks_the_readers_language() {
        let response = pages("Contoso", DEFAULT_COLOR, "de").nothing_here("https://portal.example.com");
        assert_eq!(response.headers()[header::CONTENT_LANGUAGE], "de");
        let html = text(response).await;
        assert!(html.contains(r#"<html lang="de">"#), "{html}");
        assert!(html.contains("<h1>Hier ist nichts veröffentlicht</h1>"), "{html}");
        assert!(html.contains(">Company Portal öffnen</a>"), "{html}");
        assert!(
            html.contains("Brauchen Sie Hilfe? IT help desk: +44 20 7946 0000 · help@contoso.example"),
            "{html}"
        );
    }

    fn pages(organisation: &str, color: &str, language: &str) -> Pages {
        let brand = InForce::new(portal_types::Branding {
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
        });
        Pages {
            brand: Arc::new(brand),
            words: words(language),
        }
    }

    async fn text(response: Response<Body>) -> String {
        let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
        String::from_utf8(body.to_vec()).unwrap()
    }
}
