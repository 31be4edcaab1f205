//! A device's admin page: what the organisation knows of it, its commands
//! and audit trail, and Retire and Reset device with a reason.

use leptos::prelude::*;
use portal_types::{
    AdminActionRequest, AdminDevice, Command, FieldErrors, ManagedBy, Management, PasswordConfirmation,
};

use crate::{
    api,
    components::{compliance_badge::ComplianceBadge, field::Field},
    format::date_time,
    labels,
    loader::load,
    pages::audit_log::AuditTable,
    task,
};

#[component]
pub fn AdminDevicePage(id: String) -> impl IntoView {
    // Bumped after an action, to read the device again; what the action
    // said outlives the page it replaces.
    let version = RwSignal::new(0u32);
    let notice = RwSignal::new(None::<String>);
    let page = load({
        let id = id.clone();
        move || {
            version.track();
            api::admin::device(id.clone())
        }
    });
    view! {
        <section class="cp-page cp-page--wide">
            {move || match page.get() {
                None => view! { <p class="cp-loading" role="status">"Loading the device…"</p> }.into_any(),
                // A reset device that is retired leaves at once.
                Some(Err(api::ClientError::Api { status: 404, .. })) => view! {
                    <h1>"Device"</h1>
                    {move || notice.get().map(|n| view! { <p class="cp-alert cp-alert--info" role="status">{n}</p> })}
                    <p>"This device is not managed (any more)." " " <a href="/admin/devices">"All devices"</a></p>
                }.into_any(),
                Some(Err(error)) => view! {
                    <h1>"Device"</h1>
                    <p class="cp-alert cp-alert--error" role="alert">{error.to_string()}</p>
                }.into_any(),
                Some(Ok(device)) => view! { <DeviceView device version notice/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn DeviceView(device: AdminDevice, version: RwSignal<u32>, notice: RwSignal<Option<String>>) -> impl IntoView {
    let detail = device.detail;
    let d = detail.device;
    let facts = [
        ("Owner", format!("{} ({})", device.owner_name, device.owner_email)),
        ("Platform", format!("{} {}", d.platform.label(), d.os_version)),
        ("Model", d.model.clone()),
        ("Ownership", d.ownership.label().to_string()),
        ("Managed by", d.managed_by.label().to_string()),
        ("Management", labels::management(d.management).to_string()),
        (
            "On-premises inventory",
            detail
                .onprem_stale_since
                .as_deref()
                .map_or_else(String::new, |since| format!("Missing since {}", date_time(since))),
        ),
        ("Category", detail.category),
        (
            "Serial number",
            detail
                .serial_number
                .unwrap_or_else(|| "Not kept (personal device)".into()),
        ),
        ("Enrolled", date_time(&detail.enrolled_at)),
        (
            "Last check-in",
            d.last_check_in.as_deref().map_or("Never".into(), date_time),
        ),
    ];
    let audit = RwSignal::new(device.audit);
    view! {
        <h1>{d.name.clone()}</h1>
        <p><ComplianceBadge state=d.compliance wiped=d.wiped_at.is_some() removing=d.removal_pending/></p>
        {(!detail.compliance_reasons.is_empty()).then(|| view! {
            <ul class="cp-admin__reasons">
                {detail.compliance_reasons.into_iter().map(|r| view! { <li>{r.problem}</li> }).collect_view()}
            </ul>
        })}
        <h2>"Inventory"</h2>
        {fact_list(facts.to_vec())}
        <h2>"Certificate"</h2>
        {fact_list(match detail.certificate {
            None => vec![("Certificate", "None issued".to_string())],
            Some(c) => {
                let mut list = vec![("Subject", c.subject), ("Serial", c.serial), ("Valid until", date_time(&c.expires_at))];
                list.extend(c.revoked_at.map(|at| ("Revoked", date_time(&at))));
                list
            }
        })}
        {if d.managed_by == ManagedBy::OnPremises {
            view! { <p class="cp-alert cp-alert--info">"Managed on premises: act on it with the on-premises tools."</p> }.into_any()
        } else {
            // A registered device is not the organisation's to erase.
            let resettable = d.wiped_at.is_none() && d.management == Management::Managed;
            view! { <AdminActions device=d.id.to_string() name=d.name resettable removing=d.removal_pending version notice/> }.into_any()
        }}
        <h2>"Commands"</h2>
        <CommandList commands=device.commands/>
        <h2>"Audit trail"</h2>
        {move || if audit.with(Vec::is_empty) {
            view! { <p>"No entries."</p> }.into_any()
        } else {
            view! { <AuditTable entries=audit label="Audit trail"/> }.into_any()
        }}
    }
}

fn fact_list(facts: Vec<(&'static str, String)>) -> impl IntoView {
    view! {
        <dl class="cp-admin__facts">
            // A fact with no value (not missing on premises, say) is left out.
            {facts.into_iter().filter(|(_, value)| !value.is_empty()).map(|(term, value)| view! { <dt>{term}</dt><dd>{value}</dd> }).collect_view()}
        </dl>
    }
}

#[component]
fn CommandList(commands: Vec<Command>) -> impl IntoView {
    if commands.is_empty() {
        return view! { <p>"No commands yet."</p> }.into_any();
    }
    view! {
        <div class="cp-admin__table-wrap">
            <table class="cp-admin__table" aria-label="Commands">
                <thead><tr>
                    {["Action", "State", "Requested", "By", "Reason"].map(|h| view! { <th scope="col">{h}</th> })}
                </tr></thead>
                <tbody>
                    {commands.into_iter().map(|c| view! {
                        <tr>
                            <th scope="row">{labels::command(c.kind)} {c.app_name.map(|n| format!(" {n}"))}</th>
                            <td>{labels::command_state(c.state)}</td>
                            <td>{date_time(&c.requested_at)}</td>
                            <td>{c.requested_by.unwrap_or_else(|| "Owner".into())}</td>
                            <td class="cp-admin__wrap">{c.reason.or(c.failure_reason).unwrap_or_default()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    Retire,
    Reset,
}

/// Retire and Reset device: the device's name typed again, a reason, and
/// the administrator's password (a fresh sign-in), as the owner's are.
#[component]
fn AdminActions(
    device: String,
    name: String,
    resettable: bool,
    removing: bool,
    version: RwSignal<u32>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let open = RwSignal::new(None::<Action>);
    let busy = RwSignal::new(false);
    let errors = RwSignal::new(FieldErrors::default());
    let (typed, reason, password, code) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let device = StoredValue::new(device);
    let name = StoredValue::new(name);
    let show = move |action: Action| {
        errors.set(FieldErrors::default());
        notice.set(None);
        open.update(|o| *o = if *o == Some(action) { None } else { Some(action) });
    };
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let Some(action) = open.get_untracked() else { return };
        let request = AdminActionRequest {
            device_name: typed.get_untracked(),
            reason: reason.get_untracked(),
        };
        let problems = request.field_errors();
        if !problems.is_empty() {
            errors.set(problems);
            return;
        }
        errors.set(FieldErrors::default());
        task::run(busy, async move {
            let confirmed = api::auth::reauthenticate(&PasswordConfirmation {
                password: password.get_untracked(),
                code: Some(code.get_untracked()).filter(|c| !c.trim().is_empty()),
            })
            .await;
            let path = if action == Action::Reset { "wipe" } else { "retire" };
            let result = match confirmed {
                Ok(()) => api::admin::act_on(&device.get_value(), path, &request).await,
                Err(error) => Err(error),
            };
            match result {
                Ok(()) => {
                    open.set(None);
                    password.set(String::new());
                    notice.set(Some(match action {
                        Action::Reset => {
                            "Reset requested. The owner sees it, and your reason, on the device's timeline.".into()
                        }
                        Action::Retire => {
                            "Retire requested: the device takes corporate apps and data off, then leaves management."
                                .into()
                        }
                    }));
                    version.update(|v| *v += 1);
                }
                Err(error) => {
                    let mut fields = error.fields();
                    if fields.is_empty() {
                        fields.add("password", "", &error.to_string());
                    }
                    errors.set(fields);
                }
            }
        })
    };
    let button = move |action: Action, label: &'static str, class: &'static str| {
        view! {
            <button class=class type="button" aria-expanded=move || (open.get() == Some(action)).to_string()
                on:click=move |_| show(action)>{label}</button>
        }
    };
    view! {
        <h2>"Actions"</h2>
        <div class="cp-actions">
            {resettable.then(|| button(Action::Reset, "Reset device", "cp-button cp-button--danger"))}
            {(!removing).then(|| button(Action::Retire, "Retire", "cp-button cp-button--outline"))}
        </div>
        {move || notice.get().map(|n| view! { <p class="cp-alert cp-alert--info" role="status">{n}</p> })}
        {move || open.get().map(|action| {
            let (warning, label, class) = match action {
                Action::Reset => (
                    "Reset device erases everything on the device, personal data too. Use it for a device that is lost or stolen.",
                    "Reset device",
                    "cp-button cp-button--danger",
                ),
                Action::Retire => (
                    "Retire takes corporate apps and data off the device the next time it connects and revokes its certificate; personal data stays.",
                    "Retire",
                    "cp-button cp-button--outline",
                ),
            };
            view! {
                <form class="cp-form cp-action-form" on:submit=submit novalidate>
                    <p class="cp-alert cp-alert--danger">{warning}</p>
                    <div class="cp-field">
                        <label for="reason">"Reason (the owner reads it)"</label>
                        <textarea id="reason" rows="2" maxlength="500" bind:value=reason
                            aria-invalid=move || errors.with(|e| e.get("reason").is_some()).to_string()></textarea>
                        {move || errors.with(|e| e.get("reason").map(str::to_owned)).map(|m| view! { <p class="cp-field__error">{m}</p> })}
                    </div>
                    <Field label="Type the device's name to confirm" id="device_name" value=typed errors/>
                    <Field label="Your password" id="password" kind="password" autocomplete="current-password" value=password errors/>
                    <Field label="Code (if you use an authenticator app)" id="code" autocomplete="one-time-code" value=code errors/>
                    <button class=class type="submit"
                        disabled=move || busy.get() || password.with(String::is_empty) || typed.with(|t| t.trim() != name.get_value())>
                        {label}
                    </button>
                </form>
            }
        })}
    }
}
