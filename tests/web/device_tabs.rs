//! A device's tabs: Overview and Apps, the current one marked.

use leptos::prelude::*;
use portal::components::device_tabs::DeviceTabs;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::mounted;

#[wasm_bindgen_test]
async fn the_current_tab_is_marked_for_screen_readers() {
    for apps in [false, true] {
        let root = mounted(move || view! { <DeviceTabs device="d1".to_string() apps/> }).await;
        let links = root.query_selector_all("nav[aria-label='Device'] a").unwrap();
        let tab = |i| -> (String, Option<String>, Option<String>) {
            let link: web_sys::Element = leptos::wasm_bindgen::JsCast::unchecked_into(links.item(i).unwrap());
            (
                link.text_content().unwrap(),
                link.get_attribute("href"),
                link.get_attribute("aria-current"),
            )
        };
        let current = |on: bool| on.then(|| "page".to_string());
        assert_eq!(tab(0), ("Overview".into(), Some("/devices/d1".into()), current(!apps)));
        assert_eq!(tab(1), ("Apps".into(), Some("/devices/d1/apps".into()), current(apps)));
    }
}
