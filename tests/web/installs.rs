//! An app's install on a device: each state, why one failed, and Uninstall
//! only where the user may, in a list of such rows.

use leptos::prelude::*;
use portal::components::installs::{InstallList, Row};
use portal_types::{AppInstall, DeviceId, InstallState};
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::HtmlElement;

use crate::{find, mounted, texts};

fn install(state: InstallState, required: bool) -> AppInstall {
    AppInstall {
        device_id: DeviceId(uuid::Uuid::from_u128(1)),
        app_id: "northwind-mail".into(),
        app_name: "Northwind Mail".into(),
        icon_color: "#0b5cad".into(),
        required,
        state,
        reason: None,
        updated_at: "2026-12-01T10:00:00Z".into(),
    }
}

fn listed(install: AppInstall, label: &str) -> Row {
    Row {
        install,
        label: label.into(),
        href: None,
    }
}

async fn list(rows: Vec<Row>) -> HtmlElement {
    mounted(move || view! { <InstallList label="Managed apps".to_string() rows/> }).await
}

/// A list of one row, `install` on the work phone.
async fn row(install: AppInstall) -> HtmlElement {
    list(vec![listed(install, "Work phone")]).await
}

#[wasm_bindgen_test]
async fn each_state_has_its_words_and_colour_and_only_an_installed_optional_app_uninstalls() {
    let expected = [
        (InstallState::Pending, "warn", false),
        (InstallState::Installing, "warn", false),
        (InstallState::Installed, "ok", true),
        (InstallState::Failed, "bad", false),
        (InstallState::Uninstalling, "warn", false),
    ];
    assert_eq!(expected.len(), InstallState::ALL.len(), "every state");
    for (state, colour, uninstalls) in expected {
        let root = row(install(state, false)).await;
        let badge = find(&root, ".cp-badge");
        assert_eq!(badge.text_content().unwrap(), portal::labels::install_state(state));
        assert_eq!(badge.class_name(), format!("cp-badge cp-badge--{colour}"));
        assert_eq!(badge.get_attribute("role").as_deref(), Some("status"));
        assert_eq!(texts(&root, "button") == ["Uninstall"], uninstalls, "{state:?}");
        assert_eq!(
            find(&root, "li").get_attribute("aria-label").as_deref(),
            Some("Work phone")
        );
    }
}

#[wasm_bindgen_test]
async fn a_required_app_says_so_and_offers_no_uninstall() {
    let root = row(install(InstallState::Installed, true)).await;
    assert_eq!(texts(&root, ".cp-install__note"), ["Required by your organisation"]);
    assert!(texts(&root, "button").is_empty());
}

#[wasm_bindgen_test]
async fn a_failed_install_says_why() {
    let mut failed = install(InstallState::Failed, false);
    failed.reason = Some("The device has no room for it.".into());
    let root = row(failed).await;
    assert_eq!(texts(&root, ".cp-install__reason"), ["The device has no room for it."]);
}

#[wasm_bindgen_test]
async fn the_list_is_named_and_each_row_by_its_label_linking_where_asked() {
    let mut mail = listed(install(InstallState::Installed, false), "Northwind Mail");
    mail.href = Some("/apps/northwind-mail".into());
    let vpn = listed(install(InstallState::Installing, false), "Sentry VPN");
    let root = list(vec![mail, vpn]).await;
    assert_eq!(
        find(&root, "ul").get_attribute("aria-label").as_deref(),
        Some("Managed apps")
    );
    assert_eq!(texts(&root, "li strong"), ["Northwind Mail", "Sentry VPN"]);
    assert_eq!(
        find(&root, "li[aria-label='Northwind Mail'] a")
            .get_attribute("href")
            .as_deref(),
        Some("/apps/northwind-mail")
    );
    assert!(
        root.query_selector("li[aria-label='Sentry VPN'] a").unwrap().is_none(),
        "no link asked for"
    );
}
