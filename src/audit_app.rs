//! The audit log's bundle, apart from the rest of the admin console so that
//! each keeps a small first load.

use leptos::prelude::*;
use portal_types::bundles::is_audit_path;

use crate::{
    components::{
        admin_nav::{AdminNav, admins_only},
        header::Header,
    },
    pages::audit_log::AuditLogPage,
    router::provide_router,
    session::provide_session,
};

#[component]
pub fn AuditApp() -> impl IntoView {
    let router = provide_router(is_audit_path);
    let session = provide_session();
    let page = move || {
        let path = router.path.get();
        admins_only(session, &path, || view! { <AdminNav/><AuditLogPage/> }.into_any())
    };
    view! {
        <a class="cp-skip-link" href="#main">"Skip to content"</a>
        <Header/>
        <main id="main" class="cp-main" tabindex="-1">{page}</main>
    }
}
