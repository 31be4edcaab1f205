//! The admin console's sections: the one the page is under marked current.

use leptos::prelude::*;
use portal::{
    components::admin_nav::{AdminNav, admins_only},
    router::provide_router,
    session::Session,
};
use portal_types::Role;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::{mounted, texts, user};

#[wasm_bindgen_test]
async fn the_console_waits_for_the_role_then_shows_an_employee_page_not_found() {
    let session = Session::new(None, false, RwSignal::new(true));
    let root = mounted(move || {
        provide_router(|_| true);
        provide_context(session);
        move || admins_only(session, "/admin", || view! { <h1>"Overview"</h1> }.into_any())
    })
    .await;
    // Still asking the server: neither the console nor Page not found.
    assert_eq!(texts(&root, "[role=status]"), ["Loading…"]);
    assert!(texts(&root, "h1").is_empty());

    session.user.set(Some(user(Role::Employee)));
    session.known.set(true);
    leptos::task::tick().await;
    assert_eq!(texts(&root, "h1"), ["Page not found"]);

    session.user.set(Some(user(Role::Admin)));
    leptos::task::tick().await;
    assert_eq!(texts(&root, "h1"), ["Overview"]);
}

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
        [
            "Overview",
            "All devices",
            "Apps",
            "Policies",
            "Branding",
            "Terms",
            "Published apps",
            "Audit log"
        ]
    );
    let expected = [
        ("/admin", "Overview"),
        ("/admin/", "Overview"),
        ("/admin/devices", "All devices"),
        ("/admin/devices/3f2c", "All devices"),
        ("/admin/policies", "Policies"),
        ("/admin/branding", "Branding"),
        ("/admin/terms", "Terms"),
        ("/admin/published-apps", "Published apps"),
        ("/admin/audit", "Audit log"),
    ];
    for (at, section) in expected {
        path.set(at.into());
        leptos::task::tick().await;
        assert_eq!(texts(&root, "a[aria-current='page']"), [section], "{at}");
    }
}
