//! The device list: a card per device with its state.

use leptos::prelude::*;
use portal::components::device_list::DeviceList;
use portal_types::{ComplianceState, Device, DeviceId, ManagedBy, Management, Ownership, Platform};
use wasm_bindgen_test::wasm_bindgen_test;

use crate::{mounted, texts};

pub fn device(
    n: u128,
    name: &str,
    platform: Platform,
    ownership: Ownership,
    compliance: ComplianceState,
    last_check_in: Option<&str>,
) -> Device {
    Device {
        id: DeviceId(uuid::Uuid::from_u128(n)),
        name: name.into(),
        platform,
        model: format!("Model {n}"),
        os_version: format!("{n}.0"),
        ownership,
        compliance,
        last_check_in: last_check_in.map(Into::into),
        wiped_at: None,
        removal_pending: false,
        managed_by: ManagedBy::Portal,
        management: Management::Managed,
    }
}

#[wasm_bindgen_test]
async fn device_list_renders_a_card_per_device_with_its_state() {
    let devices = vec![
        device(
            1,
            "Work phone",
            Platform::Android,
            Ownership::Corporate,
            ComplianceState::CanAccess,
            Some("2026-11-27T10:00:00Z"),
        ),
        device(
            2,
            "Personal iPhone",
            Platform::Ios,
            Ownership::Personal,
            ComplianceState::OutOfCompliance,
            Some("2026-11-20T08:30:00Z"),
        ),
        device(
            3,
            "Old Surface",
            Platform::Windows,
            Ownership::Corporate,
            ComplianceState::CannotAccess,
            None,
        ),
    ];
    let root = mounted(move || view! { <DeviceList devices/> }).await;

    assert_eq!(
        texts(&root, "ul[aria-label='Devices'] > li"),
        texts(&root, "li.cp-device")
    );
    assert_eq!(texts(&root, "li h2"), ["Work phone", "Personal iPhone", "Old Surface"]);
    assert_eq!(
        texts(&root, ".cp-badge > span:not([aria-hidden])"),
        ["Can access", "Out of compliance", "Cannot access"]
    );
    assert_eq!(texts(&root, ".cp-badge--warn").len(), 1);

    let facts = texts(&root, "li:nth-child(2) dd");
    assert_eq!(facts[..5], ["iOS/iPadOS", "Model 2", "2.0", "Personal", "Managed"]);
    let third = texts(&root, "li:nth-child(3) dd");
    assert_eq!(third.last().unwrap(), "Never", "no check-in yet");

    let time = root
        .query_selector("li:nth-child(1) time")
        .unwrap()
        .expect("a <time> for a check-in");
    assert_eq!(time.get_attribute("datetime").as_deref(), Some("2026-11-27T10:00:00Z"));
    assert!(!time.text_content().unwrap().is_empty());

    // Each card is named after its device for screen readers.
    let first = root.query_selector("li.cp-device").unwrap().unwrap();
    assert_eq!(first.get_attribute("aria-label").as_deref(), Some("Work phone"));
}

#[wasm_bindgen_test]
async fn a_wiped_device_says_so_instead_of_its_compliance() {
    let mut wiped = device(
        4,
        "Lost phone",
        Platform::Android,
        Ownership::Corporate,
        ComplianceState::CanAccess,
        None,
    );
    wiped.wiped_at = Some("2026-11-27T11:00:00Z".into());
    let root = mounted(move || view! { <DeviceList devices=vec![wiped]/> }).await;
    assert_eq!(texts(&root, ".cp-badge > span:not([aria-hidden])"), ["Wiped"]);
}

#[wasm_bindgen_test]
async fn a_device_being_removed_says_removing() {
    let mut removing = device(
        5,
        "Old tablet",
        Platform::Android,
        Ownership::Personal,
        ComplianceState::CanAccess,
        None,
    );
    removing.removal_pending = true;
    let root = mounted(move || view! { <DeviceList devices=vec![removing]/> }).await;
    assert_eq!(texts(&root, ".cp-badge > span:not([aria-hidden])"), ["Removing"]);
    assert_eq!(texts(&root, ".cp-badge--warn").len(), 1);
}

#[wasm_bindgen_test]
async fn an_empty_device_list_says_so() {
    let root = mounted(|| view! { <DeviceList devices=Vec::new()/> }).await;
    assert_eq!(texts(&root, "p"), ["You have no devices yet."]);
    assert!(root.query_selector("ul").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn a_registered_device_says_so() {
    let mut registered = device(
        6,
        "Own phone",
        Platform::Android,
        Ownership::Personal,
        ComplianceState::CanAccess,
        None,
    );
    registered.management = Management::Registered;
    let root = mounted(move || view! { <DeviceList devices=vec![registered]/> }).await;
    let facts = texts(&root, "li dt");
    let values = texts(&root, "li dd");
    let at = facts.iter().position(|f| f == "Management").expect("a Management fact");
    assert_eq!(values[at], "Registered");
}
