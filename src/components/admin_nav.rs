//! What every page of the admin console shares: its sections, and the gate
//! that shows anybody but an administrator Page not found.

use leptos::prelude::*;
use portal_types::Role;

use crate::{
    app::{guarded, loading},
    i18n::{
        msg::{common, console, header},
        tr,
    },
    pages::not_found::NotFoundPage,
    router::use_router,
    session::Session,
};

/// `page` for an administrator, once the session says so; Page not found for
/// anybody else signed in, Sign in for nobody.
pub fn admins_only(session: Session, path: &str, page: impl FnOnce() -> AnyView) -> AnyView {
    guarded(session, path, || {
        match session.user.with(|u| u.as_ref().map(|u| u.role == Role::Admin)) {
            None => loading(common::LOADING),
            Some(true) => page(),
            Some(false) => view! { <NotFoundPage/> }.into_any(),
        }
    })
}

/// The admin console's sections.
#[component]
pub fn AdminNav() -> impl IntoView {
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
        <nav class="cp-admin-nav" aria-label=tr(header::ADMIN)>
            <a href="/admin" aria-current=current("/admin")>{tr(console::OVERVIEW)}</a>
            <a href="/admin/devices" aria-current=current("/admin/devices")>{tr(console::ALL_DEVICES)}</a>
            <a href="/admin/apps" aria-current=current("/admin/apps")>{tr(header::APPS)}</a>
            <a href="/admin/policies" aria-current=current("/admin/policies")>{tr(console::POLICIES)}</a>
            <a href="/admin/branding" aria-current=current("/admin/branding")>{tr(console::BRANDING)}</a>
            <a href="/admin/terms" aria-current=current("/admin/terms")>{tr(console::TERMS)}</a>
            <a href="/admin/published-apps" aria-current=current("/admin/published-apps")>{tr(console::PUBLISHED_APPS)}</a>
            <a href="/admin/audit" aria-current=current("/admin/audit")>{tr(console::AUDIT_LOG)}</a>
        </nav>
    }
}
