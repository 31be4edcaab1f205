//! The admin console's organisation bundle: Branding, Terms and Published
//! apps, apart from
//! the fleet's pages and the settings so that each keeps a small first load.

use leptos::prelude::*;
use portal_types::bundles::is_organisation_path;

use crate::{
    components::{
        admin_nav::{AdminNav, admins_only},
        header::Header,
    },
    i18n::{msg::common, tr},
    pages::{
        admin_branding::AdminBrandingPage, admin_published_apps::AdminPublishedAppsPage, admin_terms::AdminTermsPage,
    },
    router::provide_router,
    session::provide_session,
};

#[component]
pub fn OrganisationApp() -> impl IntoView {
    let router = provide_router(is_organisation_path);
    let session = provide_session();
    let page = move || {
        let path = router.path.get();
        admins_only(session, &path, || {
            let page = match path.trim_end_matches('/') {
                "/admin/terms" => view! { <AdminTermsPage/> }.into_any(),
                "/admin/published-apps" => view! { <AdminPublishedAppsPage/> }.into_any(),
                _ => view! { <AdminBrandingPage/> }.into_any(),
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
