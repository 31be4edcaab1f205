//! The administrators' bundle: the admin console. Employees never download
//! it; one who opens its address sees Page not found, as the API refuses
//! them (403) whatever this page did.

use leptos::prelude::*;
use portal_types::{Role, bundles::is_admin_path};

use crate::{
    app::guarded,
    components::header::Header,
    pages::{
        admin_device::AdminDevicePage, admin_overview::OverviewPage, all_devices::AllDevicesPage,
        audit_log::AuditLogPage, not_found::NotFoundPage,
    },
    router::{provide_router, segments, use_router},
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
                ["admin"] => view! { <AdminNav/><OverviewPage/> }.into_any(),
                ["admin", "devices"] => view! { <AdminNav/><AllDevicesPage/> }.into_any(),
                ["admin", "audit"] => view! { <AdminNav/><AuditLogPage/> }.into_any(),
                ["admin", "devices", id] => {
                    let id = id.to_string();
                    view! { <AdminNav/><AdminDevicePage id/> }.into_any()
                }
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

/// The admin console's sections.
#[component]
fn AdminNav() -> impl IntoView {
    let router = use_router();
    // A section holds the pages under it: a device's page is under All devices.
    let current = move |href: &'static str| {
        move || {
            router
                .path
                .with(|p| {
                    let p = p.trim_end_matches('/');
                    p == href || (href != "/admin" && p.starts_with(&format!("{href}/")))
                })
                .then_some("page")
        }
    };
    view! {
        <nav class="cp-admin-nav" aria-label="Admin">
            <a href="/admin" aria-current=current("/admin")>"Overview"</a>
            <a href="/admin/devices" aria-current=current("/admin/devices")>"All devices"</a>
            <a href="/admin/audit" aria-current=current("/admin/audit")>"Audit log"</a>
        </nav>
    }
}
