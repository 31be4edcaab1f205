//! Policies: the enrollment restrictions and the compliance policy, edited
//! in the browser and saved as a new version; then every device is checked
//! against it, with the progress shown here.

use std::time::Duration;

use leptos::prelude::*;
use portal_types::{FieldErrors, PolicyChange, PolicySettings, PolicyVersion};

use crate::{
    api,
    app::{error_alert, loading},
    format::date_time,
    i18n::{
        msg::{apps, console, device, policies as text},
        tr, trf,
    },
    loader::load,
    task,
};

/// How often the page asks how far the check of every device has gone.
const PROGRESS_EVERY: Duration = Duration::from_millis(700);

#[component]
pub fn PoliciesPage() -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let policy = load(move || {
        reload.track();
        api::admin::policy()
    });
    // Asks again while devices are being checked.
    Effect::new(move |_| {
        let running = policy.with(|p| matches!(p, Some(Ok(p)) if p.evaluation.finished_at.is_none()));
        if running {
            set_timeout(move || reload.try_update(|n| *n += 1).unwrap_or(()), PROGRESS_EVERY);
        }
    });
    // The form is made again only for a new version, not at each progress answer.
    let version = Memo::new(move |_| policy.with(|p| p.as_ref().and_then(|p| p.as_ref().ok()).map(|p| p.version)));
    let editor = move || {
        version.get()?;
        let current = policy.get_untracked()?.ok()?;
        Some(view! { <PolicyEditor current reload/> })
    };
    view! {
        <section class="cp-page cp-page--wide">
            <h1>{tr(console::POLICIES)}</h1>
            {move || match policy.get() {
                None => Some(loading(text::LOADING)),
                Some(Err(error)) => Some(error_alert(error.to_string())),
                Some(Ok(current)) => Some(view! { <VersionStatus current/> }.into_any()),
            }}
            {editor}
        </section>
    }
}

/// Which version is in force, who saved it, and how checking the devices goes.
#[component]
fn VersionStatus(current: PolicyVersion) -> impl IntoView {
    let version = current.version.to_string();
    let saved = match &current.changed_by {
        Some(by) => trf(
            console::SAVED_BY,
            &[
                ("version", &version),
                ("by", by),
                ("date", &date_time(&current.changed_at)),
            ],
        ),
        None => trf(console::SERVER_CONFIGURATION, &[("version", &version)]),
    };
    let e = current.evaluation;
    let progress = match e.finished_at {
        // The configuration's version judged devices as they enrolled.
        Some(_) if e.devices == 0 => ().into_any(),
        None => view! {
            <p>{trf(text::CHECKING, &[
                ("version", &version),
                ("checked", &e.evaluated.to_string()),
                ("count", &e.devices.to_string()),
            ])}</p>
            <progress max=e.devices.max(1) value=e.evaluated aria-label=tr(text::DEVICES_CHECKED)></progress>
        }
        .into_any(),
        Some(_) => {
            let changed = e.changed.to_string();
            let checked = if e.devices == 1 {
                trf(text::CHECKED_ONE, &[("version", &version), ("changed", &changed)])
            } else {
                trf(
                    text::CHECKED,
                    &[
                        ("version", &version),
                        ("changed", &changed),
                        ("count", &e.devices.to_string()),
                    ],
                )
            };
            view! { <p>{checked}</p> }.into_any()
        }
    };
    view! {
        <div class="cp-policy__status" role="status">
            <p>{saved}</p>
            {progress}
        </div>
    }
}

/// A number field of the form; a value that is not a number is left as it was.
fn number_field(
    label: &'static str,
    id: &'static str,
    draft: RwSignal<PolicySettings>,
    errors: RwSignal<FieldErrors>,
    get: fn(&PolicySettings) -> u32,
    set: fn(&mut PolicySettings, u32),
) -> impl IntoView {
    let error = move || errors.with(|e| e.get(id).map(str::to_owned));
    view! {
        <div class="cp-field">
            <label for=id>{label}</label>
            <input id=id type="number" inputmode="numeric" min="0"
                prop:value=move || draft.with(get).to_string()
                on:change=move |ev| if let Ok(n) = event_target_value(&ev).trim().parse() { draft.update(|d| set(d, n)) }
                aria-invalid=move || error().is_some().to_string()
                aria-describedby=move || error().map(|_| format!("{id}-error"))/>
            {move || error().map(|m| view! { <p class="cp-field__error" id=format!("{id}-error")>{m}</p> })}
        </div>
    }
}

fn check_box(
    label: &'static str,
    id: &'static str,
    draft: RwSignal<PolicySettings>,
    get: fn(&PolicySettings) -> bool,
    set: fn(&mut PolicySettings, bool),
) -> impl IntoView {
    view! {
        <div class="cp-check">
            <input id=id type="checkbox" prop:checked=move || draft.with(get)
                on:change=move |ev| draft.update(|d| set(d, event_target_checked(&ev)))/>
            <label for=id>{label}</label>
        </div>
    }
}

#[component]
fn PolicyEditor(current: PolicyVersion, reload: RwSignal<u32>) -> impl IntoView {
    let based_on = current.version;
    let draft = RwSignal::new(current.settings.clone());
    let errors = RwSignal::new(FieldErrors::default());
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let settings = draft.get_untracked();
        let problems = settings.field_errors();
        if !problems.is_empty() {
            errors.set(problems);
            return;
        }
        errors.set(FieldErrors::default());
        failure.set(None);
        task::run(busy, async move {
            match api::admin::save_policy(&PolicyChange { based_on, settings }).await {
                Ok(_) => reload.update(|n| *n += 1),
                Err(error) => {
                    let fields = error.fields();
                    if fields.is_empty() {
                        failure.set(Some(error.to_string()));
                    }
                    errors.set(fields);
                }
            }
        })
    };
    let platforms = current.settings.platforms.iter().enumerate().map(|(i, rule)| {
        let label = rule.platform.label();
        let id = rule.platform.as_str();
        let allowed = move |personal: bool| {
            let name = if personal { text::PERSONAL_ALLOWED_FOR } else { text::CORPORATE_ALLOWED_FOR };
            view! {
                <td>
                    <input type="checkbox" aria-label=trf(name, &[("platform", label)])
                        prop:checked=move || draft.with(|d| {
                            let r = &d.platforms[i];
                            if personal { r.personal_allowed } else { r.corporate_allowed }
                        })
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            draft.update(|d| {
                                let r = &mut d.platforms[i];
                                if personal { r.personal_allowed = on } else { r.corporate_allowed = on }
                            });
                        }/>
                </td>
            }
        };
        let version = move |compliant: bool| {
            let (what, field) = if compliant {
                (text::MIN_COMPLIANT_FOR, format!("{id}.min_compliant_os"))
            } else {
                (text::MIN_ENROLL_FOR, format!("{id}.min_enroll_os"))
            };
            let field = StoredValue::new(field);
            let error = move || errors.with(|e| field.with_value(|f| e.get(f).map(str::to_owned)));
            view! {
                <td>
                    <input type="text" inputmode="decimal" size="10" placeholder=tr(text::ANY)
                        aria-label=trf(what, &[("platform", label)])
                        prop:value=move || draft.with(|d| {
                            let r = &d.platforms[i];
                            if compliant { r.min_compliant_os.clone() } else { r.min_enroll_os.clone() }.unwrap_or_default()
                        })
                        on:change=move |ev| {
                            let text = event_target_value(&ev).trim().to_string();
                            let value = (!text.is_empty()).then_some(text);
                            draft.update(|d| {
                                let r = &mut d.platforms[i];
                                if compliant { r.min_compliant_os = value } else { r.min_enroll_os = value }
                            });
                        }
                        aria-invalid=move || error().is_some().to_string()/>
                    {move || error().map(|m| view! { <p class="cp-field__error">{m}</p> })}
                </td>
            }
        };
        view! {
            <tr>
                <th scope="row">{label}</th>
                {allowed(false)}
                {allowed(true)}
                {version(false)}
                {version(true)}
            </tr>
        }
    }).collect_view();
    view! {
        <form class="cp-form cp-policy" on:submit=submit novalidate>
            <h2>{tr(text::ENROLLMENT_RESTRICTIONS)}</h2>
            {number_field(tr(text::DEVICE_LIMIT), "device_limit", draft, errors, |d| d.device_limit, |d, n| d.device_limit = n)}
            <div class="cp-admin__table-wrap">
                <table class="cp-admin__table" aria-label=tr(apps::PLATFORMS)>
                    <thead><tr>
                        {[device::PLATFORM, text::CORPORATE_ALLOWED, text::PERSONAL_ALLOWED, text::MIN_ENROLL, text::MIN_COMPLIANT]
                            .map(|h| view! { <th scope="col">{tr(h)}</th> })}
                    </tr></thead>
                    <tbody>{platforms}</tbody>
                </table>
            </div>
            <h2>{tr(text::COMPLIANCE_POLICY)}</h2>
            {check_box(tr(text::REQUIRE_ENCRYPTION), "require_encryption", draft, |d| d.require_encryption, |d, on| d.require_encryption = on)}
            {check_box(tr(text::REQUIRE_PASSCODE), "require_passcode", draft, |d| d.require_passcode, |d, on| d.require_passcode = on)}
            {check_box(tr(text::BLOCK_JAILBROKEN), "block_jailbroken", draft, |d| d.block_jailbroken, |d, on| d.block_jailbroken = on)}
            {number_field(tr(text::GRACE_PERIOD), "grace_period_hours", draft, errors,
                |d| d.grace_period_hours, |d, n| d.grace_period_hours = n)}
            {number_field(tr(text::CHECK_IN_DAYS), "check_in_days", draft, errors,
                |d| d.check_in_days, |d, n| d.check_in_days = n)}
            {move || failure.get().map(error_alert)}
            <button class="cp-button cp-button--primary" type="submit" disabled=move || busy.get()>
                {move || tr(if busy.get() { text::SAVING } else { text::SAVE })}
            </button>
        </form>
    }
}
