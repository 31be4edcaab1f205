//! The administrators' bundle: the admin console. Employees never download
//! it; one who opens its address sees Page not found, as the API refuses
//! them (403) whatever this page did.

use leptos::prelude::*;
use portal_types::{Role, bundles::is_admin_path};

use crate::{
    app::{Redirect, guarded},
    components::header::Header,
    pages::{all_devices::AllDevicesPage, not_found::NotFoundPage},
    router::{provide_router, segments},
    session::provide_session,
};

#[component]
pub fn AdminApp() -> impl IntoView {
    let router = provide_router(is_admin_path);
    let session = provide_session();
    let page = move || {
        let path = router.path.get();
        guarded(session, &path, || {
            if !session.user.with(|u| u.as_ref().is_some_and(|u| u.role == Role::Admin)) {
                return view! { <NotFoundPage/> }.into_any();
            }
            match segments(&path).as_slice() {
                ["admin"] => view! { <Redirect to="/admin/devices".to_string()/> }.into_any(),
                ["admin", "devices"] => view! { <AllDevicesPage/> }.into_any(),
                _ => view! { <NotFoundPage/> }.into_any(),
            }
        })
    };
    view! {
        <a class="cp-skip-link" href="#main">"Skip to content"</a>
        <Header/>
        <main id="main" class="cp-main" tabindex="-1">{page}</main>
    }
}
