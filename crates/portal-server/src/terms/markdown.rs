//! The terms' Markdown subset, rendered to HTML that can only be read:
//! paragraphs, headings, lists, emphasis, quotes, code and links to https,
//! mailto or the portal's own pages. Raw HTML shows as the text it is,
//! images as their description, any other link as its text, so that what an
//! administrator writes can never run script or load anything in an
//! employee's browser.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// `text` as HTML. Headings start at `<h3>`: the terms sit under the page's
/// `<h1>` and the panel's `<h2>`.
pub fn to_html(text: &str) -> String {
    // Whether each open link was kept, to drop the ends of those that were not.
    let mut links: Vec<bool> = Vec::new();
    let events = Parser::new_ext(text, Options::empty()).filter_map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        Event::Start(Tag::HtmlBlock) | Event::End(TagEnd::HtmlBlock) => None,
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let kept = safe_destination(&dest_url);
            links.push(kept);
            kept.then_some(Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }))
        }
        Event::End(TagEnd::Link) => links.pop().unwrap_or(false).then_some(Event::End(TagEnd::Link)),
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Some(Event::Start(Tag::Heading {
            level: below_the_panel(level),
            id,
            classes,
            attrs,
        })),
        Event::End(TagEnd::Heading(level)) => Some(Event::End(TagEnd::Heading(below_the_panel(level)))),
        other => Some(other),
    });
    let mut html = String::with_capacity(text.len() * 5 / 4);
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

fn below_the_panel(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H3,
        HeadingLevel::H2 => HeadingLevel::H4,
        HeadingLevel::H3 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    }
}

/// https, mailto, or a path on the portal itself (not `//host`).
fn safe_destination(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("https://")
        || lower.starts_with("mailto:")
        || (lower.starts_with('/') && !lower.starts_with("//"))
}

#[cfg(test)]
mod tests {
    use super::to_html;

    #[test]
    fn the_subset_renders() {
        assert_eq!(
            to_html("# Use of devices\n\nKeep your device **locked**.\n\n- one\n- two"),
            "<h3>Use of devices</h3>\n<p>Keep your device <strong>locked</strong>.</p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"
        );
        assert_eq!(
            to_html("See [the policy](https://example.com/policy) or [IT](mailto:it@example.com)."),
            "<p>See <a href=\"https://example.com/policy\">the policy</a> or <a href=\"mailto:it@example.com\">IT</a>.</p>\n"
        );
    }

    #[test]
    fn plain_text_stays_plain() {
        assert_eq!(to_html("You agree.\nLine two."), "<p>You agree.\nLine two.</p>\n");
    }

    #[test]
    fn nothing_written_can_run_or_load() {
        let html = to_html(
            "<script>alert(1)</script>\n\nHi <img src=x onerror=alert(1)> \
             [click](javascript:alert(1)) [data](data:text/html,x) [other](//evil.example) \
             ![pixel](https://tracker.example/p.png) [JS](  JavaScript:alert(1))\n\n<div onclick=\"x\">block</div>",
        );
        for refused in [
            "<script",
            "<img",
            "<div",
            "href=\"javascript",
            "href=\"data",
            "//evil",
            "tracker",
        ] {
            assert!(!html.contains(refused), "{refused} in {html}");
        }
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
        assert!(
            html.contains("click") && html.contains("pixel") && html.contains("other"),
            "{html}"
        );
    }

    #[test]
    fn a_link_inside_a_dropped_link_keeps_the_ends_paired() {
        let html = to_html("[a [b](https://example.com) c](javascript:x)");
        assert_eq!(html.matches("<a ").count(), html.matches("</a>").count(), "{html}");
    }
}
