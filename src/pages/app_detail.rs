use leptos::prelude::*;
use portal_types::{App, AppDetail, AppInstall, Device, ManagedBy, Management};

use crate::{
    api::{self, ClientError, ClientResult},
    app::{error_alert, loading},
    components::{
        app_icon::AppIcon,
        installs::{InstallList, Row},
    },
    format,
    i18n::{
        msg::{apps, device, devices, header},
        tr, trf,
    },
    labels,
    live::use_live_events,
    loader::{changed, load},
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
    // Any event of the user's reloads the app; the page is built once and
    // follows where it stands in place, so that a device being chosen, the
    // focus and a notice stay.
    let frame = RwSignal::new(Frame::Loading);
    let installs = RwSignal::new(Vec::<AppInstall>::new());
    Effect::new(move |_| {
        detail.with(|detail| {
            // Installs first: a form built for a new frame reads them.
            if let Some(Ok(detail)) = detail {
                changed(installs, detail.installs.clone());
            }
            devices.with(|devices| changed(frame, Frame::of(detail, devices)));
        })
    });
    move || match frame.get() {
        Frame::App(app, devices) => view! { <AppView app devices installs/> }.into_any(),
        Frame::NotFound => view! {
            <section class="cp-page">
                <h1>{tr(apps::NOT_FOUND)}</h1>
                <p>{tr(apps::NOT_FOUND_DETAIL)}</p>
                <p><a href="/apps">{tr(apps::GO_TO_APPS)}</a></p>
            </section>
        }
        .into_any(),
        Frame::Failed(error) => error_alert(error),
        Frame::Loading => loading(apps::LOADING_APP),
    }
}

/// What the page is built from, beside where the app stands on each device.
#[derive(Clone, PartialEq)]
enum Frame {
    Loading,
    App(App, Vec<Device>),
    NotFound,
    Failed(String),
}

impl Frame {
    fn of(detail: &Option<ClientResult<AppDetail>>, devices: &Option<ClientResult<Vec<Device>>>) -> Self {
        match (detail, devices) {
            (Some(Ok(detail)), Some(Ok(devices))) => Frame::App(detail.app.clone(), devices.clone()),
            (Some(Err(ClientError::Api { status: 404, .. })), _) => Frame::NotFound,
            (Some(Err(error)), _) | (_, Some(Err(error))) => Frame::Failed(error.to_string()),
            _ => Frame::Loading,
        }
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
fn AppView(app: App, devices: Vec<Device>, installs: RwSignal<Vec<AppInstall>>) -> impl IntoView {
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
        None => view! { <InstallForm app=app.clone() devices=devices.clone() installs/> }.into_any(),
    };
    // Built again only when where the app stands changes.
    let rows = move || {
        let rows: Vec<Row> = installs.with(|installs| {
            installs
                .iter()
                .map(|install| Row {
                    label: devices
                        .iter()
                        .find(|d| d.id == install.device_id)
                        .map_or_else(|| tr(apps::A_DEVICE).to_string(), |d| d.name.clone()),
                    install: install.clone(),
                    href: None,
                })
                .collect()
        });
        (!rows.is_empty()).then(|| {
            view! {
                <h2>{tr(apps::ON_YOUR_DEVICES)}</h2>
                <InstallList label=tr(apps::ON_YOUR_DEVICES).to_string() rows/>
            }
        })
    };
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
            {rows}
        </section>
    }
}

#[component]
fn InstallForm(app: App, devices: Vec<Device>, installs: RwSignal<Vec<AppInstall>>) -> impl IntoView {
    if devices.is_empty() {
        return view! {
            <p class="cp-empty">{tr(apps::NO_DEVICES)} " " <a href="/devices/add">{tr(devices::ADD)}</a></p>
        }
        .into_any();
    }
    // Why each device cannot take the app now, following where it stands.
    let app = StoredValue::new(app);
    let reason = move |device: &Device| {
        installs.with(|installs| {
            let install = installs.iter().find(|i| i.device_id == device.id);
            app.with_value(|app| unavailable(app, device, install))
        })
    };
    let first = untrack(|| {
        devices
            .iter()
            .find(|device| reason(device).is_none())
            .map(|d| d.id.to_string())
    });
    // The choice stays where the user put it; Install waits for a device
    // that can take the app.
    let selected = RwSignal::new(first);
    let devices = StoredValue::new(devices);
    let can_install = move || {
        selected.with(|chosen| {
            devices.with_value(|devices| {
                devices
                    .iter()
                    .find(|d| Some(d.id.to_string()) == *chosen)
                    .is_some_and(|device| reason(device).is_none())
            })
        })
    };
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let install = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(device) = selected.get_untracked() else { return };
        let app_id = app.with_value(|app| app.id.clone());
        task::run(busy, async move {
            match api::catalog::change(&device, &app_id, "install").await {
                Ok(_) => error.set(None),
                Err(e) => error.set(Some(e.to_string())),
            }
        })
    };
    view! {
        <form class="cp-install-form" on:submit=install>
            <fieldset class="cp-choice cp-choice--stacked">
                <legend>{tr(apps::INSTALL_ON)}</legend>
                {devices.get_value().into_iter().map(|device| {
                    let id = device.id.to_string();
                    let value = id.clone();
                    let checked = id.clone();
                    let label = format!("{} ({})", device.name, device.platform.label());
                    let device = StoredValue::new(device);
                    let why = move || device.with_value(reason);
                    view! {
                        <label class="cp-choice__option">
                            <input
                                type="radio"
                                name="device"
                                value=value
                                disabled=move || why().is_some()
                                prop:checked=move || selected.get().as_deref() == Some(checked.as_str())
                                on:change=move |_| selected.set(Some(id.clone()))
                            />
                            <span>{label}</span>
                            {move || why().map(|r| view! { <span class="cp-choice__note">" · " {r}</span> })}
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <button class="cp-button cp-button--primary" type="submit" disabled=move || busy.get() || !can_install()>
                {tr(apps::INSTALL)}
            </button>
            {move || error.get().map(error_alert)}
        </form>
    }
    .into_any()
}
