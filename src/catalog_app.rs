//! The catalog bundle's root: Apps, an app's page, Help and Privacy. Loaded
//! only when the user goes there, so the first load of the portal does not
//! carry it.

use leptos::prelude::*;
use portal_types::{Ownership, bundles::is_catalog_path};

use crate::{
    app::guarded,
    components::header::Header,
    live::provide_live_events,
    pages::{app_detail::AppDetailPage, apps::AppsPage, help::HelpPage, not_found::NotFoundPage, privacy::PrivacyPage},
    router::{provide_router, segments},
    session::provide_session,
};

#[component]
pub fn CatalogApp() -> impl IntoView {
    let router = provide_router(is_catalog_path);
    let session = provide_session();
    provide_live_events(session);
    let page = move || {
        let path = router.path.get();
        match segments(&path).as_slice() {
            ["apps"] => guarded(session, &path, || view! { <AppsPage/> }.into_any()),
            ["apps", id] => {
                let id = id.to_string();
                guarded(session, &path, move || view! { <AppDetailPage id/> }.into_any())
            }
            ["help"] => view! { <HelpPage/> }.into_any(),
            ["privacy"] | ["privacy", "corporate"] => {
                view! { <PrivacyPage ownership=Ownership::Corporate/> }.into_any()
            }
            ["privacy", "personal"] => view! { <PrivacyPage ownership=Ownership::Personal/> }.into_any(),
            _ => view! { <NotFoundPage/> }.into_any(),
        }
    };
    view! {
        <a class="cp-skip-link" href="#main">"Skip to content"</a>
        <Header/>
        <main id="main" class="cp-main" tabindex="-1">{page}</main>
    }
}
