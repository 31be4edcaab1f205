//! An app's icon: its initials on its colour, hidden from screen readers
//! (the app's name is beside it).

use leptos::prelude::*;
use portal::components::app_icon::AppIcon;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::{find, mounted};

#[wasm_bindgen_test]
async fn initials_on_the_apps_colour() {
    let root =
        mounted(|| view! { <AppIcon name="Northwind Mail".to_string() color="#b06000".to_string() large=true/> }).await;
    let icon = find(&root, "span");
    assert_eq!(icon.text_content().unwrap(), "NM");
    assert_eq!(icon.class_name(), "cp-app-icon cp-app-icon--large");
    assert_eq!(icon.get_attribute("aria-hidden").as_deref(), Some("true"));
    assert_eq!(
        icon.style().get_property_value("background-color").unwrap(),
        "rgb(176, 96, 0)"
    );
}
