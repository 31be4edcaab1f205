//! The account's bundle: Security (passkeys, two-step verification,
//! sessions), Activity (every action and what became of it) and Add device
//! (the terms, a code, the wait for the device). Visited now and then, so
//! the first load does not carry them.

use leptos::prelude::*;
use portal_types::bundles::is_account_path;

use crate::{
    app::guarded,
    components::header::Header,
    live::provide_live_events,
    pages::{activity::ActivityPage, add_device::AddDevicePage, not_found::NotFoundPage, security::SecurityPage},
    router::{provide_router, segments},
    session::provide_session,
};

#[component]
pub fn AccountApp() -> impl IntoView {
    let router = provide_router(is_account_path);
    let session = provide_session();
    provide_live_events(session);
    let page = move || {
        let path = router.path.get();
        match segments(&path).as_slice() {
            ["security"] => guarded(session, &path, || view! { <SecurityPage/> }.into_any()),
            ["activity"] => guarded(session, &path, || view! { <ActivityPage/> }.into_any()),
            ["devices", "add"] => guarded(session, &path, || view! { <AddDevicePage/> }.into_any()),
            _ => view! { <NotFoundPage/> }.into_any(),
        }
    };
    view! {
        <a class="cp-skip-link" href="#main">"Skip to content"</a>
        <Header/>
        <main id="main" class="cp-main" tabindex="-1">{page}</main>
    }
}
