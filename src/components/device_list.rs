use leptos::prelude::*;
use portal_types::Device;

use crate::{
    components::compliance_badge::ComplianceBadge,
    format,
    i18n::{
        msg::{common, device, devices},
        tr,
    },
    labels,
};

/// The user's devices as cards: one column on a phone, a grid on a desktop.
#[component]
pub fn DeviceList(devices: Vec<Device>) -> impl IntoView {
    if devices.is_empty() {
        return view! {
            <p class="cp-empty">{tr(devices::NONE)}</p>
        }
        .into_any();
    }
    view! {
        <ul class="cp-device-list" aria-label=tr(devices::LIST)>
            {devices.into_iter().map(|device| view! { <DeviceCard device/> }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn DeviceCard(device: Device) -> impl IntoView {
    let label = device.name.clone();
    let last_check_in = match &device.last_check_in {
        Some(at) => view! {
            <time datetime=at.clone() title=format::date_time(at)>{format::relative_time(at)}</time>
        }
        .into_any(),
        None => view! { <span>{tr(common::NEVER)}</span> }.into_any(),
    };
    view! {
        <li class="cp-device" aria-label=label>
            <div class="cp-device__top">
                <h2 class="cp-device__name"><a href=format!("/devices/{}", device.id)>{device.name}</a></h2>
                <ComplianceBadge state=device.compliance wiped=device.wiped_at.is_some() removing=device.removal_pending/>
            </div>
            <dl class="cp-device__facts">
                <div><dt>{tr(device::PLATFORM)}</dt><dd>{device.platform.label()}</dd></div>
                <div><dt>{tr(device::MODEL)}</dt><dd>{device.model}</dd></div>
                <div><dt>{tr(device::OS_VERSION)}</dt><dd>{device.os_version}</dd></div>
                <div><dt>{tr(device::OWNERSHIP)}</dt><dd>{labels::ownership(device.ownership)}</dd></div>
                <div><dt>{tr(device::MANAGEMENT)}</dt><dd>{labels::management(device.management)}</dd></div>
                <div><dt>{tr(device::LAST_CHECK_IN)}</dt><dd>{last_check_in}</dd></div>
            </dl>
            {labels::managed_by_note(device.managed_by).map(|note| view! { <p class="cp-device__managed">{note}</p> })}
        </li>
    }
}
