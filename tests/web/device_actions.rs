//! A device's actions: which it offers in each state, why Lock may not be
//! offered, Reset device's guards, and every action waiting while offline.

use leptos::prelude::*;
use portal::components::device_actions::DeviceActions;
use portal_types::Role;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::{button, buttons, mounted, provide_signed_in, texts, type_into};

async fn actions(
    wiped: bool,
    removing: bool,
    lock_not_offered: Option<&str>,
    online: RwSignal<bool>,
) -> web_sys::HtmlElement {
    mounted_actions(wiped, removing, false, lock_not_offered, online).await
}

async fn mounted_actions(
    wiped: bool,
    removing: bool,
    registered: bool,
    lock_not_offered: Option<&str>,
    online: RwSignal<bool>,
) -> web_sys::HtmlElement {
    let lock_not_offered = lock_not_offered.map(String::from);
    mounted(move || {
        provide_signed_in(Some(Role::Employee), online);
        view! {
            <DeviceActions device="d1".to_string() name="Work phone".to_string() wiped removing registered lock_not_offered/>
        }
    })
    .await
}

fn owned(list: &[(&str, bool)]) -> Vec<(String, bool)> {
    list.iter().map(|(t, d)| (t.to_string(), *d)).collect()
}

#[wasm_bindgen_test]
async fn a_managed_device_offers_every_action() {
    let root = actions(false, false, None, RwSignal::new(true)).await;
    assert_eq!(
        buttons(&root),
        owned(&[
            ("Rename", false),
            ("Check status", false),
            ("Lock", false),
            ("Reset device", false),
            ("Remove device", false)
        ])
    );
}

#[wasm_bindgen_test]
async fn a_wiped_device_can_only_be_removed_and_one_being_removed_only_reset() {
    let wiped = actions(true, false, None, RwSignal::new(true)).await;
    assert_eq!(buttons(&wiped), owned(&[("Remove device", false)]));
    let removing = actions(false, true, None, RwSignal::new(true)).await;
    assert_eq!(buttons(&removing), owned(&[("Reset device", false)]));
}

#[wasm_bindgen_test]
async fn a_registered_device_offers_rename_and_remove_device_alone() {
    let root = mounted_actions(false, false, true, None, RwSignal::new(true)).await;
    assert_eq!(buttons(&root), owned(&[("Rename", false), ("Remove device", false)]));
    button(&root, "Remove device").click();
    leptos::task::tick().await;
    assert!(
        texts(&root, "form p")
            .concat()
            .contains("revokes the certificate of Work phone at once"),
        "{:?}",
        texts(&root, "form p")
    );
}

#[wasm_bindgen_test]
async fn lock_the_plan_does_not_offer_is_shown_disabled_with_the_reason() {
    let why = "Your organisation's plan manages apps and data on this device, not the device itself.";
    let root = actions(false, false, Some(why), RwSignal::new(true)).await;
    let lock = button(&root, "Lock");
    assert!(lock.matches(":disabled").unwrap());
    assert_eq!(
        lock.get_attribute("aria-describedby").as_deref(),
        Some("lock-not-offered")
    );
    assert_eq!(texts(&root, "#lock-not-offered"), [why]);
}

#[wasm_bindgen_test]
async fn offline_every_action_waits_for_the_network() {
    let online = RwSignal::new(true);
    let root = actions(false, false, None, online).await;
    online.set(false);
    leptos::task::tick().await;
    assert!(
        buttons(&root).iter().all(|(_, disabled)| *disabled),
        "{:?}",
        buttons(&root)
    );
    online.set(true);
    leptos::task::tick().await;
    assert!(
        buttons(&root).iter().all(|(_, disabled)| !*disabled),
        "{:?}",
        buttons(&root)
    );
}

#[wasm_bindgen_test]
async fn reset_device_explains_and_waits_for_the_password_and_the_devices_name() {
    let root = actions(false, false, None, RwSignal::new(true)).await;
    button(&root, "Reset device").click();
    leptos::task::tick().await;
    assert!(
        texts(&root, ".cp-alert--danger strong")
            .concat()
            .contains("Reset device erases everything on Work phone.")
    );
    let confirm = || root.query_selector("form button.cp-button--danger").unwrap().unwrap();
    assert!(confirm().matches(":disabled").unwrap(), "no password yet");
    type_into(&root, "password", "demo-password-1");
    type_into(&root, "device_name", "work phone");
    leptos::task::tick().await;
    assert!(confirm().matches(":disabled").unwrap(), "the name as typed must match");
    type_into(&root, "device_name", " Work phone ");
    leptos::task::tick().await;
    assert!(!confirm().matches(":disabled").unwrap());
}
