use leptos::prelude::*;

use crate::{
    api,
    components::{device_tabs::DeviceTabs, installs::InstallRow},
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
            <p class="cp-breadcrumb"><a href="/devices">"My devices"</a></p>
            <h1>{move || match device.get() {
                Some(Ok(detail)) => detail.device.name,
                Some(Err(_)) => "Device not found".to_string(),
                None => "Device".to_string(),
            }}</h1>
            <DeviceTabs device=id apps=true/>
            {move || match apps.get() {
                None => view! { <p class="cp-loading" role="status">"Loading the device's apps…"</p> }.into_any(),
                Some(Err(error)) => view! { <p class="cp-alert cp-alert--error" role="alert">{error.to_string()}</p> }.into_any(),
                Some(Ok(apps)) if apps.is_empty() => view! {
                    <p class="cp-empty">"No managed apps on this device yet. " <a href="/apps">"Browse apps"</a></p>
                }.into_any(),
                Some(Ok(apps)) => view! {
                    <ul class="cp-installs" aria-label="Managed apps">
                        {apps.into_iter().map(|install| {
                            let href = format!("/apps/{}", install.app_id);
                            let label = install.app_name.clone();
                            view! { <InstallRow install label href/> }
                        }).collect_view()}
                    </ul>
                    <p><a href="/apps">"Browse apps"</a></p>
                }.into_any(),
            }}
        </section>
    }
}
