use leptos::prelude::*;
use portal_types::Role;

use crate::{
    api,
    app::error_alert,
    components::language::LanguageChoice,
    i18n::{
        msg::{common, devices, header},
        tr,
    },
    router::use_router,
    session::use_session,
    task,
};

/// Brand, navigation and the signed-in user's menu.
#[component]
pub fn Header() -> impl IntoView {
    let session = use_session();
    let router = use_router();
    let busy = RwSignal::new(false);
    // A session the server could not end goes on: said, so that nobody
    // leaves a shared computer believing they signed out.
    let failed = RwSignal::new(None::<String>);
    let sign_out = move |_| {
        task::run(busy, async move {
            if let Err(error) = api::auth::sign_out().await {
                return failed.set(Some(error.to_string()));
            }
            failed.set(None);
            // Navigate first: from another bundle, Sign in's page loads and
            // a guard here must not send the user back to this one.
            router.navigate("/sign-in?signed-out");
            session.user.set(None);
        })
    };
    // The section the page belongs to: `/apps/x` is under Apps.
    let current = move |href: &'static str| {
        move || {
            router
                .path
                .with(|p| p == href || p.starts_with(&format!("{href}/")))
                .then_some("page")
        }
    };
    view! {
        <header class="cp-header">
            <a class="cp-header__brand" href="/devices">
                {move || session.organisation.get().unwrap_or_else(|| tr(common::COMPANY_PORTAL).into())}
            </a>
            {move || session.user.get().map(|user| view! {
                <nav class="cp-header__nav" aria-label=tr(header::MAIN)>
                    <a href="/devices" aria-current=current("/devices")>{tr(devices::MY_DEVICES)}</a>
                    <a href="/apps" aria-current=current("/apps")>{tr(header::APPS)}</a>
                    <a href="/activity" aria-current=current("/activity")>{tr(header::ACTIVITY)}</a>
                    <a href="/security" aria-current=current("/security")>{tr(header::SECURITY)}</a>
                    <a href="/help" aria-current=current("/help")>{tr(header::HELP)}</a>
                    {(user.role == Role::Admin).then(|| view! {
                        <a href="/admin" aria-current=current("/admin")>{tr(header::ADMIN)}</a>
                    })}
                </nav>
            })}
            <div class="cp-header__user">
                <LanguageChoice/>
                {move || session.user.get().map(|user| view! {
                    <span class="cp-header__name">{user.display_name}</span>
                    <button
                        class="cp-button cp-button--quiet"
                        type="button"
                        on:click=sign_out
                        disabled=move || busy.get() || !session.online.get()
                    >
                        {tr(header::SIGN_OUT)}
                    </button>
                })}
            </div>
        </header>
        {move || failed.get().map(error_alert)}
        {move || (!session.online.get()).then(|| view! {
            <p class="cp-offline" role="status">
                <strong>{tr(header::OFFLINE)}</strong>
                " "
                {tr(header::OFFLINE_DETAIL)}
            </p>
        })}
    }
}
