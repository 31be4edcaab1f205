use leptos::prelude::*;
use portal_types::{CertificateInfo, DeviceDetail, ManagedBy, Management, Ownership};

use crate::{
    api::{self, ClientError, ClientResult},
    app::{error_alert, loading},
    components::{
        compliance_badge::ComplianceBadge, device_actions::DeviceActions, device_tabs::DeviceTabs, timeline::Timeline,
    },
    format,
    i18n::{
        Msg,
        msg::{certificate as cert, common, device as text, devices},
        tr, trf,
    },
    labels,
    live::use_live_events,
    loader::{Loaded, changed, load},
};

/// One device: its facts, why it is or is not compliant, and its certificate.
#[component]
pub fn DevicePage(id: String) -> impl IntoView {
    let live = use_live_events();
    // The user's devices change one event at a time; reloading this one on
    // each is simpler than telling which concern it, and as cheap.
    let detail = load({
        let id = id.clone();
        move || {
            live.version.track();
            let id = id.clone();
            async move { api::devices::detail(&id).await }
        }
    });
    // The page is built once and follows each newer answer in place: any
    // device's check-in reloads this one, and must not close a form being
    // filled in, drop a notice or lose the focus. The actions are built
    // again only when what they depend on changes (signals set only then,
    // rather than memos: less code in everyone's download).
    let frame = RwSignal::new(Frame::Loading);
    let acting = RwSignal::new(None::<Acting>);
    let offers_commands = RwSignal::new(false);
    Effect::new(move |_| {
        changed(frame, detail.with(Frame::of));
        let now = detail.with(|answer| shown(answer).map(Acting::of));
        changed(offers_commands, now.as_ref().is_some_and(Acting::offers_commands));
        changed(acting, now);
    });
    let actions = {
        let id = id.clone();
        move || acting.get().map(|acting| actions(id.clone(), acting))
    };
    let id_for_tabs = id.clone();
    view! {
        <section class="cp-page">
            <p class="cp-breadcrumb"><a href="/devices">{tr(devices::MY_DEVICES)}</a></p>
            {move || match frame.get() {
                Frame::Loading => loading(text::LOADING),
                Frame::Device(top) => overview(id_for_tabs.clone(), top, detail).into_any(),
                Frame::NotFound => view! {
                    <h1>{tr(text::NOT_FOUND)}</h1>
                    <p>{tr(text::NOT_FOUND_DETAIL)}</p>
                    <p><a href="/devices">{tr(common::GO_TO_MY_DEVICES)}</a></p>
                }.into_any(),
                Frame::Failed(error) => error_alert(error),
            }}
            {actions}
            {move || offers_commands.get().then(|| view! { <Timeline device=id.clone()/> })}
            {move || detail.with(|answer| shown(answer).map(compliance_and_certificate))}
        </section>
    }
}

/// What the page shows of the newest answer, built again only when it
/// changes: the device's tabs and links keep the focus through a reload.
#[derive(Clone, PartialEq)]
enum Frame {
    Loading,
    Device(Top),
    NotFound,
    Failed(String),
}

/// What the top of the device's page is built from, beside what it reads
/// of each answer (its name, state and facts).
#[derive(Clone, PartialEq)]
struct Top {
    registered: bool,
    ownership: Ownership,
}

impl Frame {
    fn of(answer: &Option<ClientResult<DeviceDetail>>) -> Self {
        match answer {
            None => Frame::Loading,
            Some(Ok(detail)) => Frame::Device(Top {
                registered: detail.device.management == Management::Registered,
                ownership: detail.device.ownership,
            }),
            Some(Err(ClientError::Api { status: 404, .. })) => Frame::NotFound,
            Some(Err(error)) => Frame::Failed(error.to_string()),
        }
    }
}

/// What the device's actions depend on: they are built again only when it
/// changes (a rename, a reset completed, a removal begun).
#[derive(Clone, PartialEq)]
struct Acting {
    name: String,
    wiped: bool,
    removing: bool,
    registered: bool,
    managed_by: ManagedBy,
    lock_not_offered: Option<String>,
}

impl Acting {
    fn of(detail: &DeviceDetail) -> Self {
        let device = &detail.device;
        Acting {
            name: device.name.clone(),
            wiped: device.wiped_at.is_some(),
            removing: device.removal_pending,
            registered: device.management == Management::Registered,
            managed_by: device.managed_by,
            lock_not_offered: detail.lock_not_offered.clone(),
        }
    }

    /// Remote actions, and so their timeline, are the portal's to offer.
    fn offers_commands(&self) -> bool {
        !self.registered && self.managed_by != ManagedBy::OnPremises
    }
}

/// The device of the newest answer, unless it was an error (the page then
/// gives way to it).
fn shown(answer: &Option<ClientResult<DeviceDetail>>) -> Option<&DeviceDetail> {
    answer.as_ref()?.as_ref().ok()
}

/// The device's name and state, its tabs, its facts and its privacy notice:
/// the name, state and facts follow each answer.
fn overview(id: String, top: Top, detail: Loaded<DeviceDetail>) -> impl IntoView {
    let Top { registered, ownership } = top;
    let title = move || {
        detail.with(|answer| {
            shown(answer).map(|detail| {
                let device = &detail.device;
                view! {
                    <h1>{device.name.clone()}</h1>
                    <ComplianceBadge state=device.compliance wiped=device.wiped_at.is_some() removing=device.removal_pending/>
                }
                .into_any()
            })
        })
    };
    view! {
        <div class="cp-page__title">{title}</div>
        // A registered device has no managed apps: its overview is all there is.
        {(!registered).then(|| view! { <DeviceTabs device=id apps=false/> })}
        {move || detail.with(|answer| shown(answer).map(|detail| facts(detail, registered)))}
        <p>
            <a href=format!("/privacy/{}", ownership.as_str())>
                {tr(match ownership {
                    Ownership::Corporate => text::PRIVACY_CORPORATE,
                    Ownership::Personal => text::PRIVACY_PERSONAL,
                })}
            </a>
        </p>
    }
}

/// What the device is and when it was last seen.
fn facts(detail: &DeviceDetail, registered: bool) -> AnyView {
    let device = detail.device.clone();
    let last_check_in = device
        .last_check_in
        .as_deref()
        .map_or_else(|| tr(common::NEVER).to_string(), format::date_time);
    view! {
        <dl class="cp-facts">
            <Fact label=text::PLATFORM value=device.platform.label().to_string()/>
            <Fact label=text::MODEL value=device.model/>
            <Fact label=text::OS_VERSION value=device.os_version/>
            <Fact label=text::OWNERSHIP value=labels::ownership(device.ownership).to_string()/>
            <Fact label=text::CATEGORY value=detail.category.clone()/>
            <Fact label=text::MANAGEMENT value=labels::management(device.management).to_string()/>
            {detail.serial_number.clone().map(|serial| view! { <Fact label=text::SERIAL_NUMBER value=serial/> })}
            <Fact label=if registered { text::REGISTERED } else { text::ENROLLED } value=format::date_time(&detail.enrolled_at)/>
            <Fact label=text::LAST_CHECK_IN value=last_check_in/>
        </dl>
    }
    .into_any()
}

/// What the user can do with the device, or why the portal cannot.
fn actions(id: String, acting: Acting) -> impl IntoView {
    let Acting {
        name,
        wiped,
        removing,
        registered,
        managed_by,
        lock_not_offered,
    } = acting;
    view! {
        {removing.then(|| view! {
            <p class="cp-alert cp-alert--info">
                {tr(text::REMOVAL_PENDING)}
            </p>
        })}
        {labels::managed_by_note(managed_by).map(|note| view! { <p class="cp-device__managed">{note}</p> })}
        {if managed_by == ManagedBy::OnPremises {
            view! {
                <p class="cp-alert cp-alert--info">
                    {tr(text::ON_PREMISES)}
                </p>
            }.into_any()
        } else if registered {
            view! {
                <p class="cp-alert cp-alert--info">
                    {tr(text::REGISTERED_NOTE)} " " {tr(text::TO_ENROLL_GET_CODE)} " "
                    <a href="/devices/add">{tr(devices::ADD)}</a> " " {tr(text::TO_ENROLL_RUN)} " "
                    <code>"portal-agent enroll"</code> " " {tr(text::TO_ENROLL_KEEPS)}
                </p>
                <DeviceActions device=id name wiped removing registered lock_not_offered=None/>
            }.into_any()
        } else {
            view! { <DeviceActions device=id name wiped removing registered lock_not_offered/> }.into_any()
        }}
    }
}

/// Why the device is or is not compliant, and its certificate.
fn compliance_and_certificate(detail: &DeviceDetail) -> AnyView {
    let reasons = detail.compliance_reasons.clone();
    let compliant = reasons.is_empty();
    view! {
        <h2>{tr(text::COMPLIANCE)}</h2>
        {compliant.then(|| view! { <p>{tr(text::COMPLIANT)}</p> })}
        {detail.compliance_deadline.clone().map(|deadline| view! {
            <p class="cp-alert cp-alert--warn">
                {tr(text::DEADLINE_BEFORE)} " " <strong>{format::date_time(&deadline)}</strong>
                {tr(text::DEADLINE_AFTER)}
            </p>
        })}
        {(!compliant).then(|| view! {
            <ul class="cp-reasons" aria-label=tr(text::COMPLIANCE_PROBLEMS)>
                {reasons.into_iter().map(|reason| {
                    let (problem, fix) = labels::compliance_reason(reason);
                    view! {
                        <li>
                            <p class="cp-reasons__problem">{problem}</p>
                            <p>{tr(text::HOW_TO_FIX)} " " {fix}</p>
                        </li>
                    }
                }).collect_view()}
            </ul>
        })}

        <h2>{tr(cert::HEADING)}</h2>
        {match detail.certificate.clone() {
            Some(certificate) => view! { <Certificate certificate/> }.into_any(),
            None => view! { <p>{tr(cert::NONE)}</p> }.into_any(),
        }}
    }
    .into_any()
}

#[component]
fn Certificate(certificate: CertificateInfo) -> impl IntoView {
    let status = match &certificate.revoked_at {
        Some(at) => trf(cert::REVOKED_ON, &[("date", &format::date_time(at))]),
        None => tr(cert::VALID).to_string(),
    };
    view! {
        <dl class="cp-facts cp-facts--wide">
            <Fact label=cert::STATUS value=status/>
            <Fact label=cert::SUBJECT value=certificate.subject/>
            <Fact label=cert::ISSUED_BY value=certificate.issuer/>
            <Fact label=text::SERIAL_NUMBER value=certificate.serial/>
            <Fact label=cert::FINGERPRINT value=certificate.fingerprint_sha256/>
            <Fact label=cert::ISSUED value=format::date_time(&certificate.issued_at)/>
            <Fact label=cert::EXPIRES value=format::date_time(&certificate.expires_at)/>
        </dl>
    }
}

#[component]
fn Fact(label: Msg, value: String) -> impl IntoView {
    view! { <div><dt>{tr(label)}</dt><dd>{value}</dd></div> }
}
