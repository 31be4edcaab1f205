use leptos::prelude::*;
use portal_types::{AppInstall, InstallState};

use crate::{
    api,
    app::error_alert,
    i18n::{msg::apps, tr},
    labels, task,
};

/// One row of an [`InstallList`]: the install, what names it and where
/// that links.
#[derive(Clone, PartialEq)]
pub struct Row {
    pub install: AppInstall,
    pub label: String,
    pub href: Option<String>,
}

/// `rows` as a list named `label`. Pages keep it while their rows are the
/// same (it is built again only when one of them changes), so a live reload
/// that changed nothing here keeps the keyboard's focus and a row's notice.
/// (Following each row apart, with Leptos' keyed `<For>` or a signal per
/// row, costs 7 KB or 3.8 KB brotli of everyone's first load.)
#[component]
pub fn InstallList(label: String, rows: Vec<Row>) -> impl IntoView {
    view! {
        <ul class="cp-installs" aria-label=label>
            {rows.into_iter().map(|Row { install, label, href }| view! { <InstallRow install label href/> }).collect_view()}
        </ul>
    }
}

/// Where an app stands on a device, with Uninstall for an available app
/// that is installed. `label` names the row: the device, or the app.
#[component]
fn InstallRow(install: AppInstall, label: String, href: Option<String>) -> impl IntoView {
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let modifier = match install.state {
        InstallState::Installed => "ok",
        InstallState::Failed => "bad",
        _ => "warn",
    };
    let removable = !install.required && install.state == InstallState::Installed;
    let (device, app) = (install.device_id.to_string(), install.app_id.clone());
    let uninstall = move |_| {
        let (device, app) = (device.clone(), app.clone());
        task::run(busy, async move {
            if let Err(e) = api::catalog::change(&device, &app, "uninstall").await {
                error.set(Some(e.to_string()));
            }
        })
    };
    let name = match href {
        Some(href) => view! { <a href=href>{label.clone()}</a> }.into_any(),
        None => view! { <span>{label.clone()}</span> }.into_any(),
    };
    view! {
        <li class="cp-install" aria-label=label>
            <div class="cp-install__top">
                <strong>{name}</strong>
                <span class=format!("cp-badge cp-badge--{modifier}") role="status">{labels::install_state(install.state)}</span>
            </div>
            {install.reason.map(|reason| view! { <p class="cp-install__reason">{reason}</p> })}
            {install.required.then(|| view! { <p class="cp-install__note">{tr(apps::REQUIRED_BY_ORGANISATION)}</p> })}
            {removable.then(|| view! {
                <button class="cp-button" type="button" on:click=uninstall disabled=move || busy.get()>{tr(apps::UNINSTALL)}</button>
            })}
            {move || error.get().map(error_alert)}
        </li>
    }
}
