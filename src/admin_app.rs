//! The admin console's fleet bundle: Overview, All devices and a device's
//! page (the audit log is a bundle of its own). Employees never download it;
//! one who opens its address sees Page not found, as the API refuses them
//! (403) whatever this page did.

use leptos::prelude::*;
use portal_types::bundles::is_admin_path;

use crate::{
    components::{
        admin_nav::{AdminNav, admins_only},
        header::Header,
    },
    i18n::{msg::common, tr},
    pages::{
        admin_device::AdminDevicePage, admin_overview::OverviewPage, all_devices::AllDevicesPage,
        not_found::NotFoundPage,
    },
    router::{provide_router, segments},
    session::provide_session,
};

#[component]
pub fn AdminApp() -> impl IntoView {
    let router = provide_router(is_admin_path);
    let session = provide_session();
    let page = move || {
        let path = router.path.get();
        admins_only(session, &path, || match segments(&path).as_slice() {
            ["admin"] => view! { <AdminNav/><OverviewPage/> }.into_any(),
            ["admin", "devices"] => view! { <AdminNav/><AllDevicesPage/> }.into_any(),
            ["admin", "devices", id] => {
                let id = id.to_string();
                view! { <AdminNav/><AdminDevicePage id/> }.into_any()
            }
            _ => view! { <NotFoundPage/> }.into_any(),
        })
    };
    view! {
        <a class="cp-skip-link" href="#main">{tr(common::SKIP_TO_CONTENT)}</a>
        <Header/>
        <main id="main" class="cp-main" tabindex="-1">{page}</main>
    }
}
