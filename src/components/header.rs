use leptos::prelude::*;
use portal_types::Role;

use crate::{api, router::use_router, session::use_session, task};

/// Brand, navigation and the signed-in user's menu.
#[component]
pub fn Header() -> impl IntoView {
    let session = use_session();
    let router = use_router();
    let busy = RwSignal::new(false);
    let sign_out = move |_| {
        task::run(busy, async move {
            // The server may already have ended the session; either way it is over here.
            let _ = api::auth::sign_out().await;
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
                {move || session.organisation.get().unwrap_or_else(|| "Company Portal".into())}
            </a>
            {move || session.user.get().map(|user| view! {
                <nav class="cp-header__nav" aria-label="Main">
                    <a href="/devices" aria-current=current("/devices")>"My devices"</a>
                    <a href="/apps" aria-current=current("/apps")>"Apps"</a>
                    <a href="/activity" aria-current=current("/activity")>"Activity"</a>
                    <a href="/security" aria-current=current("/security")>"Security"</a>
                    <a href="/help" aria-current=current("/help")>"Help"</a>
                    {(user.role == Role::Admin).then(|| view! {
                        <a href="/admin" aria-current=current("/admin")>"Admin"</a>
                    })}
                </nav>
                <div class="cp-header__user">
                    <span class="cp-header__name">{user.display_name}</span>
                    <button
                        class="cp-button cp-button--quiet"
                        type="button"
                        on:click=sign_out
                        disabled=move || busy.get()
                    >
                        "Sign out"
                    </button>
                </div>
            })}
        </header>
        {move || (!session.online.get()).then(|| view! {
            <p class="cp-offline" role="status">
                <strong>"You're offline."</strong>
                " What you see is what the portal last saw; actions come back when the network does."
            </p>
        })}
    }
}
