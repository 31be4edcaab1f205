use leptos::prelude::*;

/// A device's two views: its overview and its managed apps.
#[component]
pub fn DeviceTabs(device: String, apps: bool) -> impl IntoView {
    let current = |on: bool| on.then_some("page");
    view! {
        <nav class="cp-tabs" aria-label="Device">
            <a href=format!("/devices/{device}") aria-current=current(!apps)>"Overview"</a>
            <a href=format!("/devices/{device}/apps") aria-current=current(apps)>"Apps"</a>
        </nav>
    }
}
