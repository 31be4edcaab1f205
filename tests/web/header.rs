//! The header: the sections for the signed-in user, Admin for administrators
//! only, and the offline notice.

use leptos::prelude::*;
use portal::components::header::Header;
use portal_types::Role;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::{buttons, mounted, provide_signed_in, texts};

async fn header(role: Option<Role>, online: RwSignal<bool>) -> web_sys::HtmlElement {
    mounted(move || {
        provide_signed_in(role, online);
        view! { <Header/> }
    })
    .await
}

#[wasm_bindgen_test]
async fn an_employee_sees_the_portals_sections_and_an_administrator_admin_too() {
    let employee = header(Some(Role::Employee), RwSignal::new(true)).await;
    assert_eq!(
        texts(&employee, "nav[aria-label='Main'] a"),
        ["My devices", "Apps", "Activity", "Security", "Help"]
    );
    assert_eq!(texts(&employee, ".cp-header__name"), ["Ada Lovelace"]);
    assert_eq!(texts(&employee, "button"), ["Sign out"]);
    let admin = header(Some(Role::Admin), RwSignal::new(true)).await;
    assert_eq!(
        texts(&admin, "nav[aria-label='Main'] a").last().map(String::as_str),
        Some("Admin")
    );
}

#[wasm_bindgen_test]
async fn signed_out_the_header_holds_only_the_brand() {
    let root = header(None, RwSignal::new(true)).await;
    assert_eq!(texts(&root, "a"), ["Company Portal"]);
    assert!(root.query_selector("nav").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn offline_a_notice_says_so_and_sign_out_waits_until_the_network_returns() {
    let online = RwSignal::new(true);
    let root = header(Some(Role::Employee), online).await;
    assert!(texts(&root, "[role='status']").is_empty());
    online.set(false);
    leptos::task::tick().await;
    let notice = texts(&root, ".cp-offline[role='status']");
    assert_eq!(notice.len(), 1);
    assert!(notice[0].starts_with("You're offline."), "{notice:?}");
    // A sign-out the server cannot hear of would leave the session going.
    assert_eq!(buttons(&root), [("Sign out".to_string(), true)]);
    online.set(true);
    leptos::task::tick().await;
    assert!(texts(&root, "[role='status']").is_empty());
    assert_eq!(buttons(&root), [("Sign out".to_string(), false)]);
}
