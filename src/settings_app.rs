//! The admin console's settings bundle: Apps, Policies and the audit log,
//! apart from the fleet's pages so that each keeps a small first load.

use leptos::prelude::*;
use portal_types::bundles::is_settings_path;

use crate::{
    components::{
        admin_nav::{AdminNav, admins_only},
        header::Header,
    },
    i18n::{msg::common, tr},
    pages::{admin_apps::AdminAppsPage, audit_log::AuditLogPage, policies::PoliciesPage},
    router::provide_router,
    session::provide_session,
};

#[component]
pub fn SettingsApp() -> impl IntoView {
    let router = provide_router(is_settings_path);
    let session = provide_session();
    let page = move || {
        let path = router.path.get();
        admins_only(session, &path, || {
            let page = match path.trim_end_matches('/') {
                "/admin/policies" => view! { <PoliciesPage/> }.into_any(),
                "/admin/apps" => view! { <AdminAppsPage/> }.into_any(),
                _ => view! { <AuditLogPage/> }.into_any(),
            };
            view! { <AdminNav/>{page} }.into_any()
        })
    };
    view! {
        <a class="cp-skip-link" href="#main">{tr(common::SKIP_TO_CONTENT)}</a>
        <Header/>
        <main id="main" class="cp-main" tabindex="-1">{page}</main>
    }
}
