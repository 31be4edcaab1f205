use leptos::prelude::*;

use crate::i18n::{
    msg::{device, header},
    tr,
};

/// A device's two views: its overview and its managed apps.
#[component]
pub fn DeviceTabs(device: String, apps: bool) -> impl IntoView {
    let current = |on: bool| on.then_some("page");
    view! {
        <nav class="cp-tabs" aria-label=tr(device::TABS)>
            <a href=format!("/devices/{device}") aria-current=current(!apps)>{tr(device::OVERVIEW)}</a>
            <a href=format!("/devices/{device}/apps") aria-current=current(apps)>{tr(header::APPS)}</a>
        </nav>
    }
}
