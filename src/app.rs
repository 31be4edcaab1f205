use leptos::prelude::*;
use portal_types::bundles::is_main_path;

use crate::{
    components::header::Header,
    i18n::{Msg, msg::common, tr},
    live::provide_live_events,
    pages::{
        device::DevicePage, device_apps::DeviceAppsPage, my_devices::MyDevicesPage, not_found::NotFoundPage,
        sign_in::SignInPage,
    },
    router::{provide_router, segments, use_router},
    session::{Session, provide_session},
};

#[component]
pub fn App() -> impl IntoView {
    let router = provide_router(is_main_path);
    let session = provide_session();
    provide_live_events(session);
    let page = move || {
        let path = router.path.get();
        match segments(&path).as_slice() {
            [] => view! { <Redirect to="/devices".into()/> }.into_any(),
            ["sign-in"] => view! { <SignInPage/> }.into_any(),
            ["devices"] => guarded(session, &path, || view! { <MyDevicesPage/> }.into_any()),
            ["devices", id] => {
                let id = id.to_string();
                guarded(session, &path, move || view! { <DevicePage id/> }.into_any())
            }
            ["devices", id, "apps"] => {
                let id = id.to_string();
                guarded(session, &path, move || view! { <DeviceAppsPage id/> }.into_any())
            }
            _ => view! { <NotFoundPage/> }.into_any(),
        }
    };
    view! {
        <a class="cp-skip-link" href="#main">{tr(common::SKIP_TO_CONTENT)}</a>
        <Header/>
        <main id="main" class="cp-main" tabindex="-1">{page}</main>
    }
}

/// The page for signed-in users. It starts while the session is still being
/// asked for, so that its own requests go out beside the session's rather
/// than after it (the API refuses them if nobody is signed in); once the
/// server says nobody is, Sign in, coming back here after.
pub(crate) fn guarded(session: Session, path: &str, page: impl FnOnce() -> AnyView) -> AnyView {
    let sign_in = format!("/sign-in?next={path}");
    let signed_out = move || session.known.get() && session.user.with(Option::is_none);
    // An effect, not a read here: the page is not built again when the
    // session arrives (`admins_only` reads the role, and is).
    let router = use_router();
    Effect::new(move |_| {
        if signed_out() {
            router.replace(&sign_in);
        }
    });
    // Known to be signed out already: no page to build, its requests refused.
    if untrack(signed_out) {
        loading(common::LOADING)
    } else {
        page()
    }
}

/// What a page shows while what it shows is on its way: `message` says what
/// (`common::LOADING` while the portal does not know yet whether it may).
pub(crate) fn loading(message: Msg) -> AnyView {
    view! { <p class="cp-loading" role="status">{tr(message)}</p> }.into_any()
}

/// What went wrong, announced at once: `message` says what and, where it
/// can, what to do.
pub(crate) fn error_alert(message: String) -> AnyView {
    view! { <p class="cp-alert cp-alert--error" role="alert">{message}</p> }.into_any()
}

/// Replaces the current address once the page has rendered.
#[component]
pub(crate) fn Redirect(to: String) -> impl IntoView {
    let router = use_router();
    Effect::new(move |_| router.replace(&to));
}
