use leptos::prelude::*;

use crate::{
    api,
    app::{error_alert, loading},
    components::{
        device_tabs::DeviceTabs,
        installs::{InstallList, Row},
    },
    i18n::{
        msg::{apps as text, device, devices},
        tr,
    },
    live::use_live_events,
    loader::{changed, load},
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
    // Any event of the user's reloads the list; it is built again only when
    // it changed, as a device's Overview is.
    let listing = RwSignal::new(Listing::Loading);
    Effect::new(move |_| apps.with(|answer| changed(listing, Listing::of(answer))));
    view! {
        <section class="cp-page">
            <p class="cp-breadcrumb"><a href="/devices">{tr(devices::MY_DEVICES)}</a></p>
            <h1>{move || match device.get() {
                Some(Ok(detail)) => detail.device.name,
                Some(Err(_)) => tr(device::NOT_FOUND).to_string(),
                None => tr(device::HEADING).to_string(),
            }}</h1>
            <DeviceTabs device=id apps=true/>
            {move || match listing.get() {
                Listing::Loading => loading(text::LOADING_DEVICE_APPS),
                Listing::Failed(error) => error_alert(error),
                Listing::Empty => view! {
                    <p class="cp-empty">{tr(text::NO_MANAGED_APPS)} " " <a href="/apps">{tr(text::BROWSE)}</a></p>
                }.into_any(),
                Listing::Apps(rows) => view! {
                    <InstallList label=tr(text::MANAGED_APPS).to_string() rows/>
                    <p><a href="/apps">{tr(text::BROWSE)}</a></p>
                }.into_any(),
            }}
        </section>
    }
}

/// What the tab shows of the newest answer, built again only when it changes.
#[derive(Clone, PartialEq)]
enum Listing {
    Loading,
    Failed(String),
    Empty,
    Apps(Vec<Row>),
}

impl Listing {
    fn of(answer: &Option<api::ClientResult<Vec<portal_types::AppInstall>>>) -> Self {
        match answer {
            None => Listing::Loading,
            Some(Err(error)) => Listing::Failed(error.to_string()),
            Some(Ok(apps)) if apps.is_empty() => Listing::Empty,
            Some(Ok(apps)) => Listing::Apps(apps.iter().map(row).collect()),
        }
    }
}

/// An install on this device, named by its app and linking to its page.
fn row(install: &portal_types::AppInstall) -> Row {
    Row {
        href: Some(format!("/apps/{}", install.app_id)),
        label: install.app_name.clone(),
        install: install.clone(),
    }
}
