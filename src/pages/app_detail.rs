use leptos::prelude::*;
use portal_types::{App, AppDetail, AppInstall, Device, ManagedBy, Management};

use crate::{
    api::{self, ClientError},
    app::{error_alert, loading},
    components::{app_icon::AppIcon, installs::InstallRow},
    format,
    i18n::{
        msg::{apps, device, devices, header},
        tr, trf,
    },
    labels,
    live::use_live_events,
    loader::load,
    task,
};

/// One app: what it is, Install on one of the user's devices (or Open for a
/// web app), and where it stands on each, live.
#[component]
pub fn AppDetailPage(id: String) -> impl IntoView {
    let live = use_live_events();
    let detail = load(move || {
        live.version.track();
        api::catalog::app(id.clone())
    });
    let devices = load(api::devices::list);
    view! {
        {move || match (detail.get(), devices.get()) {
            (Some(Ok(detail)), Some(Ok(devices))) => view! { <AppView detail devices/> }.into_any(),
            (Some(Err(ClientError::Api { status: 404, .. })), _) => view! {
                <section class="cp-page">
                    <h1>{tr(apps::NOT_FOUND)}</h1>
                    <p>{tr(apps::NOT_FOUND_DETAIL)}</p>
                    <p><a href="/apps">{tr(apps::GO_TO_APPS)}</a></p>
                </section>
            }.into_any(),
            (Some(Err(error)), _) | (_, Some(Err(error))) => error_alert(error.to_string()),
            _ => loading(apps::LOADING_APP),
        }}
    }
}

/// Why the app cannot be installed on the device now, if it cannot.
fn unavailable(app: &App, device: &Device, install: Option<&AppInstall>) -> Option<String> {
    if device.wiped_at.is_some() {
        Some(tr(apps::DEVICE_RESET).into())
    } else if device.removal_pending {
        Some(tr(apps::DEVICE_BEING_REMOVED).into())
    } else if device.management == Management::Registered {
        Some(tr(apps::DEVICE_REGISTERED).into())
    } else if device.managed_by == ManagedBy::OnPremises {
        Some(tr(apps::DEVICE_ON_PREMISES).into())
    } else if !app.supports(device.platform) {
        Some(trf(apps::NOT_FOR_PLATFORM, &[("platform", device.platform.label())]))
    } else {
        install
            .filter(|i| i.state != portal_types::InstallState::Failed)
            .map(|i| labels::install_state(i.state).to_string())
    }
}

#[component]
fn AppView(detail: AppDetail, devices: Vec<Device>) -> impl IntoView {
    let AppDetail { app, installs } = detail;
    let platforms = app.platforms.iter().map(|p| p.label()).collect::<Vec<_>>().join(", ");
    let status = tr(if app.required { apps::REQUIRED } else { apps::AVAILABLE });
    let install = match app.web_url.clone() {
        Some(url) => view! {
            <p>
                <a class="cp-button cp-button--primary" href=url target="_blank" rel="noopener noreferrer">{tr(apps::OPEN)}</a>
                " " {tr(apps::WEB_APP)}
            </p>
        }
        .into_any(),
        None => view! { <InstallForm app=app.clone() devices=devices.clone() installs=installs.clone()/> }.into_any(),
    };
    let name_of = |id: &portal_types::DeviceId| {
        devices
            .iter()
            .find(|d| &d.id == id)
            .map_or_else(|| tr(apps::A_DEVICE).to_string(), |d| d.name.clone())
    };
    let rows: Vec<_> = installs
        .into_iter()
        .map(|install| {
            let label = name_of(&install.device_id);
            view! { <InstallRow install label/> }
        })
        .collect();
    let has_rows = !rows.is_empty();
    view! {
        <section class="cp-page">
            <p class="cp-breadcrumb"><a href="/apps">{tr(header::APPS)}</a></p>
            <div class="cp-app-title">
                <AppIcon name=app.name.clone() color=app.icon_color.clone() large=true/>
                <div>
                    <h1>{app.name.clone()}</h1>
                    <p class="cp-app-title__publisher">{app.publisher.clone()}</p>
                </div>
                <span class="cp-tag">{status}</span>
            </div>
            <p>{app.description.clone()}</p>
            <dl class="cp-facts">
                <div><dt>{tr(apps::VERSION)}</dt><dd>{app.version.clone()}</dd></div>
                {(app.web_url.is_none()).then(|| view! { <div><dt>{tr(apps::SIZE)}</dt><dd>{format::megabytes(app.size_bytes)}</dd></div> })}
                <div><dt>{tr(device::CATEGORY)}</dt><dd>{labels::category(&app.category).to_string()}</dd></div>
                <div><dt>{tr(apps::PLATFORMS)}</dt><dd>{platforms}</dd></div>
            </dl>
            {app.required.then(|| view! {
                <p class="cp-alert cp-alert--info">{tr(apps::REQUIRED_NOTE)}</p>
            })}
            {install}
            {has_rows.then(|| view! {
                <h2>{tr(apps::ON_YOUR_DEVICES)}</h2>
                <ul class="cp-installs" aria-label=tr(apps::ON_YOUR_DEVICES)>{rows}</ul>
            })}
        </section>
    }
}

#[component]
fn InstallForm(app: App, devices: Vec<Device>, installs: Vec<AppInstall>) -> impl IntoView {
    let choices: Vec<_> = devices
        .into_iter()
        .map(|device| {
            let install = installs.iter().find(|i| i.device_id == device.id);
            let reason = unavailable(&app, &device, install);
            (device, reason)
        })
        .collect();
    let first = choices
        .iter()
        .find(|(_, reason)| reason.is_none())
        .map(|(d, _)| d.id.to_string());
    let selected = RwSignal::new(first);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let app_id = StoredValue::new(app.id.clone());
    let install = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(device) = selected.get_untracked() else { return };
        task::run(busy, async move {
            match api::catalog::change(&device, &app_id.get_value(), "install").await {
                Ok(_) => error.set(None),
                Err(e) => error.set(Some(e.to_string())),
            }
        })
    };
    if choices.is_empty() {
        return view! {
            <p class="cp-empty">{tr(apps::NO_DEVICES)} " " <a href="/devices/add">{tr(devices::ADD)}</a></p>
        }
        .into_any();
    }
    view! {
        <form class="cp-install-form" on:submit=install>
            <fieldset class="cp-choice cp-choice--stacked">
                <legend>{tr(apps::INSTALL_ON)}</legend>
                {choices.into_iter().map(|(device, reason)| {
                    let id = device.id.to_string();
                    let value = id.clone();
                    let checked = id.clone();
                    view! {
                        <label class="cp-choice__option">
                            <input
                                type="radio"
                                name="device"
                                value=value
                                disabled=reason.is_some()
                                prop:checked=move || selected.get().as_deref() == Some(checked.as_str())
                                on:change=move |_| selected.set(Some(id.clone()))
                            />
                            <span>{device.name} " (" {device.platform.label()} ")"</span>
                            {reason.map(|r| view! { <span class="cp-choice__note">" · " {r}</span> })}
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <button class="cp-button cp-button--primary" type="submit" disabled=move || busy.get() || selected.get().is_none()>
                {tr(apps::INSTALL)}
            </button>
            {move || error.get().map(error_alert)}
        </form>
    }
    .into_any()
}
