//! Browser component tests: mount each component of `src/components/` in a
//! headless browser (Chromium, then Firefox: the test command runs both) and
//! read the DOM.
#![cfg(target_arch = "wasm32")]

mod admin_nav;
mod app_icon;
mod compliance_badge;
mod device_actions;
mod device_list;
mod device_tabs;
mod field;
mod header;
mod installs;
mod timeline;

use leptos::{prelude::*, wasm_bindgen::JsCast};
use portal::{router::provide_router, session::Session};
use portal_types::{MeResponse, Role, UserId};
use wasm_bindgen_test::wasm_bindgen_test_configure;
use web_sys::{HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

/// A fresh element in the page to mount into.
fn container() -> HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let element: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&element).unwrap();
    element
}

/// The trimmed text of each element `selector` finds.
pub fn texts(root: &HtmlElement, selector: &str) -> Vec<String> {
    let nodes = root.query_selector_all(selector).unwrap();
    (0..nodes.length())
        .map(|i| {
            nodes
                .item(i)
                .unwrap()
                .text_content()
                .unwrap_or_default()
                .trim()
                .to_string()
        })
        .collect()
}

/// The element `selector` finds, which must be there.
pub fn find(root: &HtmlElement, selector: &str) -> HtmlElement {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("nothing matches {selector}"))
        .unchecked_into()
}

/// Each button's text, and whether it is disabled (a disabled fieldset counts).
pub fn buttons(root: &HtmlElement) -> Vec<(String, bool)> {
    let nodes = root.query_selector_all("button").unwrap();
    (0..nodes.length())
        .map(|i| {
            let button: HtmlElement = nodes.item(i).unwrap().unchecked_into();
            let disabled = button.matches(":disabled").unwrap();
            (button.text_content().unwrap_or_default().trim().to_string(), disabled)
        })
        .collect()
}

/// The button whose text is `text`.
pub fn button(root: &HtmlElement, text: &str) -> HtmlElement {
    let nodes = root.query_selector_all("button").unwrap();
    (0..nodes.length())
        .map(|i| nodes.item(i).unwrap().unchecked_into::<HtmlElement>())
        .find(|b| b.text_content().unwrap_or_default().trim() == text)
        .unwrap_or_else(|| panic!("no button {text}"))
}

/// Types `value` into the input with `id`, as the user would (an input event).
pub fn type_into(root: &HtmlElement, id: &str, value: &str) {
    let input: HtmlInputElement = find(root, &format!("#{id}")).unchecked_into();
    input.set_value(value);
    input.dispatch_event(&web_sys::Event::new("input").unwrap()).unwrap();
}

/// Ada, signed in with `role`.
pub fn user(role: Role) -> MeResponse {
    MeResponse {
        id: UserId(uuid::Uuid::from_u128(7)),
        email: "ada@example.com".into(),
        display_name: "Ada Lovelace".into(),
        role,
    }
}

/// A session as the portal holds it once the server has answered: `role`'s
/// user signed in (none: signed out), and the browser `online` or not; with
/// the router, which the components that link or navigate need. Call inside
/// the mount.
pub fn provide_signed_in(role: Option<Role>, online: RwSignal<bool>) -> Session {
    provide_router(|_| true);
    let session = Session::new(role.map(user), true, online);
    provide_context(session);
    session
}

/// Mounts `view` in a fresh container, left mounted for the rest of the test.
pub async fn mounted<V: IntoView + 'static>(view: impl FnOnce() -> V + 'static) -> HtmlElement {
    let root = container();
    std::mem::forget(leptos::mount::mount_to(root.clone(), view));
    leptos::task::tick().await;
    root
}
