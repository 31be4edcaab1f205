use leptos::prelude::*;
use portal_types::{CertificateInfo, DeviceDetail, ManagedBy, Management};

use crate::{
    api::{self, ClientError},
    components::{
        compliance_badge::ComplianceBadge, device_actions::DeviceActions, device_tabs::DeviceTabs, timeline::Timeline,
    },
    format,
    live::use_live_events,
    loader::load,
};

/// One device: its facts, why it is or is not compliant, and its certificate.
#[component]
pub fn DevicePage(id: String) -> impl IntoView {
    let live = use_live_events();
    // The user's devices change one event at a time; reloading this one on
    // each is simpler than telling which concern it, and as cheap.
    let detail = load(move || {
        live.version.track();
        let id = id.clone();
        async move { api::devices::detail(&id).await }
    });
    view! {
        {move || match detail.get() {
            None => view! { <p class="cp-loading" role="status">"Loading the device…"</p> }.into_any(),
            Some(Ok(detail)) => view! { <DeviceView detail/> }.into_any(),
            Some(Err(ClientError::Api { status: 404, .. })) => view! {
                <section class="cp-page">
                    <h1>"Device not found"</h1>
                    <p>"This device is not one of yours, or it has been removed."</p>
                    <p><a href="/devices">"Go to My devices"</a></p>
                </section>
            }.into_any(),
            Some(Err(error)) => view! {
                <p class="cp-alert cp-alert--error" role="alert">{error.to_string()}</p>
            }.into_any(),
        }}
    }
}

#[component]
fn DeviceView(detail: DeviceDetail) -> impl IntoView {
    let device = detail.device;
    let id = device.id.to_string();
    let wiped = device.wiped_at.is_some();
    let removing = device.removal_pending;
    let last_check_in = device
        .last_check_in
        .as_deref()
        .map_or_else(|| "Never".to_string(), format::date_time);
    let reasons = detail.compliance_reasons;
    let compliant = reasons.is_empty();
    let registered = device.management == Management::Registered;
    view! {
        <section class="cp-page">
            <p class="cp-breadcrumb"><a href="/devices">"My devices"</a></p>
            <div class="cp-page__title">
                <h1>{device.name.clone()}</h1>
                <ComplianceBadge state=device.compliance wiped removing/>
            </div>
            // A registered device has no managed apps: its overview is all there is.
            {(!registered).then(|| view! { <DeviceTabs device=id.clone() apps=false/> })}
            <dl class="cp-facts">
                <Fact label="Platform" value=device.platform.label().to_string()/>
                <Fact label="Model" value=device.model/>
                <Fact label="OS version" value=device.os_version/>
                <Fact label="Ownership" value=device.ownership.label().to_string()/>
                <Fact label="Category" value=detail.category/>
                <Fact label="Management" value=device.management.label().to_string()/>
                {detail.serial_number.map(|serial| view! { <Fact label="Serial number" value=serial/> })}
                <Fact label=if registered { "Registered" } else { "Enrolled" } value=format::date_time(&detail.enrolled_at)/>
                <Fact label="Last check-in" value=last_check_in/>
            </dl>
            <p>
                <a href=format!("/privacy/{}", device.ownership.as_str())>
                    "What your organisation can see on this " {device.ownership.as_str()} " device"
                </a>
            </p>

            {removing.then(|| view! {
                <p class="cp-alert cp-alert--info">
                    "Removal pending: corporate apps and data leave this device the next time it connects, then it leaves your list."
                </p>
            })}
            {device.managed_by.note().map(|note| view! { <p class="cp-device__managed">{note}</p> })}
            {if device.managed_by == ManagedBy::OnPremises {
                view! {
                    <p class="cp-alert cp-alert--info">
                        "Your IT department manages this device with its on-premises tools: the portal shows it but cannot act on it."
                    </p>
                }.into_any()
            } else if registered {
                view! {
                    <p class="cp-alert cp-alert--info">
                        "This device is registered, not managed: it reaches work apps with its certificate, and your organisation can only remove it. "
                        "To have it managed, get an enrollment code in " <a href="/devices/add">"Add device"</a>
                        " and run " <code>"portal-agent enroll"</code> " on the device: it keeps its certificate."
                    </p>
                    <DeviceActions device=id.clone() name=device.name wiped removing registered lock_not_offered=None/>
                }.into_any()
            } else {
                view! {
                    <DeviceActions device=id.clone() name=device.name wiped removing registered lock_not_offered=detail.lock_not_offered/>
                    <Timeline device=id/>
                }.into_any()
            }}

            <h2>"Compliance"</h2>
            {compliant.then(|| view! { <p>"This device meets your organisation's policies."</p> })}
            {detail.compliance_deadline.map(|deadline| view! {
                <p class="cp-alert cp-alert--warn">
                    "Fix the problems below by " <strong>{format::date_time(&deadline)}</strong>
                    " to keep access to work resources."
                </p>
            })}
            {(!compliant).then(|| view! {
                <ul class="cp-reasons" aria-label="Compliance problems">
                    {reasons.into_iter().map(|reason| view! {
                        <li>
                            <p class="cp-reasons__problem">{reason.problem}</p>
                            <p>"How to fix: " {reason.fix}</p>
                        </li>
                    }).collect_view()}
                </ul>
            })}

            <h2>"Certificate"</h2>
            {match detail.certificate {
                Some(certificate) => view! { <Certificate certificate/> }.into_any(),
                None => view! { <p>"No device certificate is on record for this device."</p> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Certificate(certificate: CertificateInfo) -> impl IntoView {
    let status = match &certificate.revoked_at {
        Some(at) => format!("Revoked on {}", format::date_time(at)),
        None => "Valid".to_string(),
    };
    view! {
        <dl class="cp-facts cp-facts--wide">
            <Fact label="Status" value=status/>
            <Fact label="Subject" value=certificate.subject/>
            <Fact label="Issued by" value=certificate.issuer/>
            <Fact label="Serial number" value=certificate.serial/>
            <Fact label="SHA-256 fingerprint" value=certificate.fingerprint_sha256/>
            <Fact label="Issued" value=format::date_time(&certificate.issued_at)/>
            <Fact label="Expires" value=format::date_time(&certificate.expires_at)/>
        </dl>
    }
}

#[component]
fn Fact(label: &'static str, value: String) -> impl IntoView {
    view! { <div><dt>{label}</dt><dd>{value}</dd></div> }
}
