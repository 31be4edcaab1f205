//! Client-side routing: the path as a signal, History API navigation, and
//! same-origin link clicks taken over, for the paths this bundle shows; a
//! path of the other bundle is loaded as a page (see `portal_types::bundles`).
//!
//! A few dozen lines instead of `leptos_router`, which cost the first load
//! about 40 KB brotli (measured: 149.9 KB with it, 107.3 KB without) for
//! features this portal does not use.

use leptos::{ev, prelude::*, wasm_bindgen::JsCast};

use crate::focus;
use wasm_bindgen::JsValue;

#[derive(Clone, Copy)]
pub struct Router {
    /// The current path, e.g. `/devices/3f2c…`, without query or fragment.
    pub path: RwSignal<String>,
    /// Whether this bundle shows a path.
    owns: fn(&str) -> bool,
    /// Set once another bundle's page is loading: later navigations (a guard
    /// reacting to the sign-out that led there) would only race it.
    leaving: StoredValue<bool>,
}

fn current_path() -> String {
    window().location().pathname().unwrap_or_else(|_| "/".into())
}

/// Provides the router and follows the browser's back and forward buttons
/// and every plain click on an in-portal link.
pub fn provide_router(owns: fn(&str) -> bool) -> Router {
    let router = Router {
        path: RwSignal::new(current_path()),
        owns,
        leaving: StoredValue::new(false),
    };
    provide_context(router);
    window_event_listener(ev::popstate, move |_| {
        let path = current_path();
        // Set even when it is the same: the page reads its query again.
        // The focus moves only to another page, not for the skip link.
        let another = router.path.get_untracked() != path;
        router.path.set(path);
        if another {
            focus::content();
        }
    });
    // Back on this page from the browser's cache, or its navigation cancelled.
    window_event_listener(ev::pageshow, move |_| router.leaving.set_value(false));
    window_event_listener(ev::click, move |event| {
        if let Some(href) = internal_link(&event).filter(|href| owns(path_of(href))) {
            event.prevent_default();
            router.navigate(&href);
        }
    });
    router
}

pub fn use_router() -> Router {
    expect_context::<Router>()
}

impl Router {
    /// Goes to `href` (a path within the portal), as a new history entry.
    pub fn navigate(&self, href: &str) {
        self.go(href, false);
    }

    /// Goes to `href` in place of the current entry (redirects).
    pub fn replace(&self, href: &str) {
        self.go(href, true);
    }

    fn go(&self, href: &str, replace: bool) {
        if self.leaving.get_value() {
            return;
        }
        if !(self.owns)(path_of(href)) {
            self.leaving.set_value(true);
            let location = window().location();
            let _ = if replace {
                location.replace(href)
            } else {
                location.assign(href)
            };
            return;
        }
        let Ok(history) = window().history() else { return };
        let result = if replace {
            history.replace_state_with_url(&JsValue::NULL, "", Some(href))
        } else {
            history.push_state_with_url(&JsValue::NULL, "", Some(href))
        };
        if result.is_ok() {
            let path = current_path();
            if self.path.get_untracked() != path {
                self.path.set(path);
                window().scroll_to_with_x_and_y(0.0, 0.0);
                if !replace {
                    focus::content();
                }
            }
        }
    }
}

/// The path of a link the portal should follow itself: a left click without
/// modifier keys, on an `<a href="/…">` that opens in this tab.
fn internal_link(event: &ev::MouseEvent) -> Option<String> {
    if event.default_prevented()
        || event.button() != 0
        || event.meta_key()
        || event.ctrl_key()
        || event.shift_key()
        || event.alt_key()
    {
        return None;
    }
    let anchor = event
        .target()?
        .dyn_into::<web_sys::Element>()
        .ok()?
        .closest("a[href]")
        .ok()??;
    if anchor.has_attribute("download") || anchor.get_attribute("target").is_some_and(|t| t != "_self") {
        return None;
    }
    let href = anchor.get_attribute("href")?;
    (href.starts_with('/') && !href.starts_with("//")).then_some(href)
}

/// `/apps?q=mail#top` → `/apps`.
fn path_of(href: &str) -> &str {
    href.split(['?', '#']).next().unwrap_or_default()
}

/// The path's segments: `/devices/42/` → `["devices", "42"]`.
pub fn segments(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

/// Keeps the address at `path` with the query `query()` gives, following it
/// in place: Back returns to the same list, and typing adds no history entries.
pub fn follow_in_address(path: &'static str, query: impl Fn() -> String + 'static) {
    Effect::new(move |_| {
        let query = query();
        let address = if query.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{query}")
        };
        if let Ok(history) = window().history() {
            let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&address));
        }
    });
}

/// The address's query as decoded pairs: `?q=a+b%26c&x=1` → `[("q", "a b&c"), ("x", "1")]`.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(key, value)| (decode(key), decode(value)))
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
                continue;
            }
            (b'+', _) => out.push(b' '),
            (byte, _) => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A value as a query string carries it: anything but letters, digits and
/// `-._~` percent-encoded.
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{encode, query_pairs, segments};

    #[test]
    fn query_values_survive_the_round_trip() {
        let value = "Ada's phone & co, 100% = ✓";
        let pairs = query_pairs(&format!("?q={}&empty=&x=a+b&broken=%G1", encode(value)));
        let expected = [("q", value), ("empty", ""), ("x", "a b"), ("broken", "%G1")];
        assert_eq!(pairs, expected.map(|(k, v)| (k.to_string(), v.to_string())));
    }

    #[test]
    fn splits_paths_into_segments() {
        assert_eq!(segments("/"), Vec::<&str>::new());
        assert_eq!(segments("/devices"), ["devices"]);
        assert_eq!(segments("/devices/42/"), ["devices", "42"]);
        assert_eq!(segments("//devices//add"), ["devices", "add"]);
    }
}
