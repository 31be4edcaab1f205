use leptos::prelude::*;

use crate::{
    api,
    app::{error_alert, loading},
    components::{device_tabs::DeviceTabs, installs::InstallRow},
    i18n::{
        msg::{apps as text, device, devices},
        tr,
    },
    live::use_live_events,
    loader::load,
};

/// A device's Apps tab: its managed apps and where each stands, live.
#[component]
pub fn DeviceAppsPage(id: String) -> impl IntoView {
    let live = use_live_events();
    let device = load({
        let id = id.clone();
        move || {
            let id = id.clone();
            async move { api::devices::detail(&id).await }
        }
    });
    let apps = load({
        let id = id.clone();
        move || {
            live.version.track();
            api::catalog::device_apps(id.clone())
        }
    });
    view! {
        <section class="cp-page">
            <p class="cp-breadcrumb"><a href="/devices">{tr(devices::MY_DEVICES)}</a></p>
            <h1>{move || match device.get() {
                Some(Ok(detail)) => detail.device.name,
                Some(Err(_)) => tr(device::NOT_FOUND).to_string(),
                None => tr(device::HEADING).to_string(),
            }}</h1>
            <DeviceTabs device=id apps=true/>
            {move || match apps.get() {
                None => loading(text::LOADING_DEVICE_APPS),
                Some(Err(error)) => error_alert(error.to_string()),
                Some(Ok(apps)) if apps.is_empty() => view! {
                    <p class="cp-empty">{tr(text::NO_MANAGED_APPS)} " " <a href="/apps">{tr(text::BROWSE)}</a></p>
                }.into_any(),
                Some(Ok(apps)) => view! {
                    <ul class="cp-installs" aria-label=tr(text::MANAGED_APPS)>
                        {apps.into_iter().map(|install| {
                            let href = format!("/apps/{}", install.app_id);
                            let label = install.app_name.clone();
                            view! { <InstallRow install label href/> }
                        }).collect_view()}
                    </ul>
                    <p><a href="/apps">{tr(text::BROWSE)}</a></p>
                }.into_any(),
            }}
        </section>
    }
}
