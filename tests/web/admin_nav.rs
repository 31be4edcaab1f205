//! The admin console's sections: the one the page is under marked current.

use leptos::prelude::*;
use portal::{components::admin_nav::AdminNav, router::provide_router};
use wasm_bindgen_test::wasm_bindgen_test;

use crate::{mounted, texts};

#[wasm_bindgen_test]
async fn the_section_a_page_is_under_is_marked_current() {
    let path = RwSignal::new(String::new());
    let root = mounted(move || {
        let router = provide_router(|_| true);
        Effect::new(move |_| router.path.set(path.get()));
        view! { <AdminNav/> }
    })
    .await;
    assert_eq!(
        texts(&root, "nav[aria-label='Admin'] a"),
        ["Overview", "All devices", "Apps", "Policies", "Audit log"]
    );
    let expected = [
        ("/admin", "Overview"),
        ("/admin/", "Overview"),
        ("/admin/devices", "All devices"),
        ("/admin/devices/3f2c", "All devices"),
        ("/admin/policies", "Policies"),
        ("/admin/audit", "Audit log"),
    ];
    for (at, section) in expected {
        path.set(at.into());
        leptos::task::tick().await;
        assert_eq!(texts(&root, "a[aria-current='page']"), [section], "{at}");
    }
}
