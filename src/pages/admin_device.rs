//! A device's admin page: what the organisation knows of it, its commands
//! and audit trail, and Retire and Reset device with a reason.

use leptos::prelude::*;
use portal_types::{
    AdminActionRequest, AdminDevice, Command, CommandId, CommandKind, CommandState, FieldErrors, ManagedBy, Management,
    Ownership, PasswordConfirmation,
};

use crate::{
    api,
    app::{error_alert, loading},
    components::{compliance_badge::ComplianceBadge, field::Field, timeline::CancelReset},
    format::date_time,
    i18n::{
        msg::{actions, certificate, common, console, device as text, fleet, label},
        tr, trf,
    },
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
                None => loading(text::LOADING),
                // A reset device that is retired leaves at once.
                Some(Err(api::ClientError::Api { status: 404, .. })) => view! {
                    <h1>{tr(text::HEADING)}</h1>
                    {move || notice.get().map(|n| view! { <p class="cp-alert cp-alert--info" role="status">{n}</p> })}
                    <p>{tr(fleet::NOT_MANAGED)} " " <a href="/admin/devices">{tr(console::ALL_DEVICES)}</a></p>
                }.into_any(),
                Some(Err(error)) => view! {
                    <h1>{tr(text::HEADING)}</h1>
                    {error_alert(error.to_string())}
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
        (
            tr(fleet::OWNER),
            format!("{} ({})", device.owner_name, device.owner_email),
        ),
        (tr(text::PLATFORM), format!("{} {}", d.platform.label(), d.os_version)),
        (tr(text::MODEL), d.model.clone()),
        (tr(text::OWNERSHIP), labels::ownership(d.ownership).to_string()),
        (tr(fleet::MANAGED_BY), labels::managed_by(d.managed_by).to_string()),
        (tr(text::MANAGEMENT), labels::management(d.management).to_string()),
        (
            tr(fleet::ON_PREMISES_INVENTORY),
            detail.onprem_stale_since.as_deref().map_or_else(String::new, |since| {
                trf(fleet::MISSING_SINCE, &[("date", &date_time(since))])
            }),
        ),
        (tr(text::CATEGORY), detail.category),
        (
            tr(text::SERIAL_NUMBER),
            detail
                .serial_number
                .unwrap_or_else(|| tr(fleet::SERIAL_NOT_KEPT).into()),
        ),
        (tr(text::ENROLLED), date_time(&detail.enrolled_at)),
        (
            tr(text::LAST_CHECK_IN),
            d.last_check_in.as_deref().map_or(tr(common::NEVER).into(), date_time),
        ),
    ];
    let audit = RwSignal::new(device.audit);
    view! {
        <h1>{d.name.clone()}</h1>
        <p><ComplianceBadge state=d.compliance wiped=d.wiped_at.is_some() removing=d.removal_pending/></p>
        {(!detail.compliance_reasons.is_empty()).then(|| view! {
            <ul class="cp-admin__reasons">
                {detail.compliance_reasons.into_iter().map(|r| view! { <li>{labels::compliance_reason(r).0}</li> }).collect_view()}
            </ul>
        })}
        <h2>{tr(fleet::INVENTORY)}</h2>
        {fact_list(facts.to_vec())}
        <h2>{tr(certificate::HEADING)}</h2>
        {fact_list(match detail.certificate {
            None => vec![(tr(certificate::HEADING), tr(fleet::NO_CERTIFICATE).to_string())],
            Some(c) => {
                let mut list = vec![
                    (tr(certificate::SUBJECT), c.subject),
                    (tr(fleet::SERIAL), c.serial),
                    (tr(fleet::VALID_UNTIL), date_time(&c.expires_at)),
                ];
                list.extend(c.revoked_at.map(|at| (tr(fleet::REVOKED), date_time(&at))));
                list
            }
        })}
        {if d.managed_by == ManagedBy::OnPremises {
            view! { <p class="cp-alert cp-alert--info">{tr(fleet::MANAGED_ON_PREMISES)}</p> }.into_any()
        } else {
            // A registered or personal device is not the organisation's to erase.
            let personal = d.ownership == Ownership::Personal;
            let resettable = d.wiped_at.is_none() && d.management == Management::Managed && !personal;
            view! {
                <AdminActions device=d.id.to_string() name=d.name resettable removing=d.removal_pending version notice/>
                {personal.then(|| view! { <p class="cp-lead">{tr(fleet::PERSONAL_NOT_RESET)}</p> })}
            }.into_any()
        }}
        <h2>{tr(fleet::COMMANDS)}</h2>
        <CommandList device=d.id.to_string() commands=device.commands version/>
        <h2>{tr(fleet::AUDIT_TRAIL)}</h2>
        {move || if audit.with(Vec::is_empty) {
            view! { <p>{tr(fleet::NO_ENTRIES)}</p> }.into_any()
        } else {
            view! { <AuditTable entries=audit label=tr(fleet::AUDIT_TRAIL)/> }.into_any()
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
fn CommandList(device: String, commands: Vec<Command>, version: RwSignal<u32>) -> impl IntoView {
    if commands.is_empty() {
        return view! { <p>{tr(fleet::NO_COMMANDS)}</p> }.into_any();
    }
    view! {
        <div class="cp-admin__table-wrap">
            <table class="cp-admin__table" aria-label=tr(fleet::COMMANDS)>
                <thead><tr>
                    {[console::ACTION, fleet::STATE, fleet::REQUESTED_AT, fleet::BY, fleet::REASON]
                        .map(|h| view! { <th scope="col">{tr(h)}</th> })}
                </tr></thead>
                <tbody>
                    {commands.into_iter().map(|c| view! {
                        <tr>
                            <th scope="row">{labels::command(c.kind)} {c.app_name.map(|n| format!(" {n}"))}</th>
                            <td>
                                {labels::command_state(c.state)}
                                // Anyone's Reset, until the device has taken it.
                                {(c.kind == CommandKind::Wipe && c.state == CommandState::Requested)
                                    .then(|| cancel_reset(device.clone(), c.id, version))}
                            </td>
                            <td>{date_time(&c.requested_at)}</td>
                            <td>{c.requested_by.unwrap_or_else(|| tr(fleet::OWNER).into())}</td>
                            <td class="cp-admin__wrap">{c.reason.or(c.failure_reason).unwrap_or_default()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// Takes a Reset device back; the page reads the device again after.
fn cancel_reset(device: String, command: CommandId, version: RwSignal<u32>) -> impl IntoView {
    let cancel = move || {
        let device = device.clone();
        async move {
            api::admin::cancel(&device, &command.to_string()).await?;
            version.update(|v| *v += 1);
            Ok(())
        }
    };
    view! { " " <CancelReset cancel/> }
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
                        Action::Reset => tr(fleet::RESET_REQUESTED).into(),
                        Action::Retire => tr(fleet::RETIRE_REQUESTED).into(),
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
        <h2>{tr(actions::HEADING)}</h2>
        <div class="cp-actions">
            {resettable.then(|| button(Action::Reset, tr(label::RESET_DEVICE), "cp-button cp-button--danger"))}
            {(!removing).then(|| button(Action::Retire, tr(fleet::RETIRE), "cp-button cp-button--outline"))}
        </div>
        {move || notice.get().map(|n| view! { <p class="cp-alert cp-alert--info" role="status">{n}</p> })}
        {move || open.get().map(|action| {
            let (warning, label, class) = match action {
                Action::Reset => (
                    tr(fleet::RESET_EXPLAINED),
                    tr(label::RESET_DEVICE),
                    "cp-button cp-button--danger",
                ),
                Action::Retire => (
                    tr(fleet::RETIRE_EXPLAINED),
                    tr(fleet::RETIRE),
                    "cp-button cp-button--outline",
                ),
            };
            view! {
                <form class="cp-form cp-action-form" on:submit=submit novalidate>
                    <p class="cp-alert cp-alert--danger">{warning}</p>
                    <div class="cp-field">
                        <label for="reason">{tr(fleet::REASON_FOR_OWNER)}</label>
                        <textarea id="reason" rows="2" maxlength="500" bind:value=reason
                            aria-invalid=move || errors.with(|e| e.get("reason").is_some()).to_string()></textarea>
                        {move || errors.with(|e| e.get("reason").map(str::to_owned)).map(|m| view! { <p class="cp-field__error">{m}</p> })}
                    </div>
                    <Field label=tr(actions::TYPE_NAME) id="device_name" value=typed errors/>
                    <Field label=tr(fleet::YOUR_PASSWORD) id="password" kind="password" autocomplete="current-password" value=password errors/>
                    <Field label=tr(actions::CODE) id="code" autocomplete="one-time-code" value=code errors/>
                    <button class=class type="submit"
                        disabled=move || busy.get() || password.with(String::is_empty) || typed.with(|t| t.trim() != name.get_value())>
                        {label}
                    </button>
                </form>
            }
        })}
    }
}
