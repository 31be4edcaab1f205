use std::time::Duration;

use leptos::prelude::*;
use portal_types::{
    EnrollmentCodeRequest, EnrollmentCodeResponse, EnrollmentOptions, FieldErrors, LiveEvent, LiveEventKind,
    Management, Ownership, Platform, PlatformRule, Terms,
};

use crate::{
    api,
    app::{error_alert, loading},
    components::field::Field,
    format,
    i18n::{
        Msg,
        msg::{add_device as text, device, devices},
        tr, trf,
    },
    labels,
    live::use_live_events,
    loader::load,
    router::use_router,
    session::use_session,
    task,
};

/// Add device: the rules first, the organisation's terms to accept if it has
/// any, then the choice of enrolling or registering the device and a
/// one-time code for it; the page moves on to the device as soon as it is added.
#[component]
pub fn AddDevicePage() -> impl IntoView {
    let options = load(api::enrollment::options);
    view! {
        <section class="cp-page cp-page--medium">
            <p class="cp-breadcrumb"><a href="/devices">{tr(devices::MY_DEVICES)}</a></p>
            <h1>{tr(devices::ADD)}</h1>
            {move || match options.get() {
                None => loading(text::LOADING),
                Some(Ok(options)) => view! { <Enroll options/> }.into_any(),
                Some(Err(error)) => error_alert(error.to_string()),
            }}
        </section>
    }
}

#[component]
fn Enroll(options: EnrollmentOptions) -> impl IntoView {
    let issued = RwSignal::new(None::<(EnrollmentCodeResponse, Management)>);
    let accepted = RwSignal::new(options.terms.as_ref().is_none_or(|t| t.accepted_at.is_some()));
    let terms = StoredValue::new(options.terms.clone());
    let remaining = options.device_limit.saturating_sub(options.devices_enrolled);
    // At the limit, a device already registered may still be enrolled.
    let may_add = remaining > 0 || !options.registered_platforms.is_empty();
    let summary = match remaining {
        0 if may_add => format!(
            "{} {}",
            trf(text::LIMIT_REACHED, &[("limit", &options.device_limit.to_string())]),
            tr(text::LIMIT_ENROLL_REGISTERED)
        ),
        0 => trf(text::LIMIT_REACHED, &[("limit", &options.device_limit.to_string())]),
        1 => tr(text::ONE_MORE).to_string(),
        n => trf(text::MORE, &[("count", &n.to_string())]),
    };
    let mode = tr(match options.provisioning_mode.as_str() {
        "office365" => text::MODE_OFFICE365,
        "hybrid" => text::MODE_HYBRID,
        _ => text::MODE_CLOUD,
    });
    view! {
        <p class="cp-lead">{mode} " " {summary}</p>
        {move || match issued.get() {
            Some((code, management)) => view! { <CodePanel code management issued/> }.into_any(),
            None if may_add && !accepted.get() => match terms.get_value() {
                Some(terms) => view! { <TermsPanel terms accepted/> }.into_any(),
                None => ().into_any(),
            },
            None if may_add => view! { <EnrollForm options=options.clone() issued/> }.into_any(),
            None => ().into_any(),
        }}
    }
}

/// The terms in force, to read and accept before a code can be had; the
/// form then takes their place, its first field focused.
#[component]
fn TermsPanel(terms: Terms, accepted: RwSignal<bool>) -> impl IntoView {
    let session = use_session();
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let version = terms.version;
    let accept = move |_| {
        task::run(busy, async move {
            match api::enrollment::accept_terms(version).await {
                Ok(()) => {
                    accepted.set(true);
                    crate::focus::soon("management-managed");
                }
                Err(failure) => {
                    session.handle_error(&failure);
                    error.set(Some(failure.to_string()));
                }
            }
        })
    };
    view! {
        <div class="cp-terms-panel">
            <h2 id="terms-heading">{tr(text::TERMS)}</h2>
            <p>{trf(text::TERMS_LEAD, &[("version", &version.to_string()), ("date", &format::date_time(&terms.published_at))])}</p>
            <div class="cp-terms" tabindex="0" role="region" aria-labelledby="terms-heading" inner_html=terms.html></div>
            {move || error.get().map(error_alert)}
            <button class="cp-button cp-button--primary" type="button" on:click=accept disabled=move || busy.get()>{tr(text::ACCEPT)}</button>
        </div>
    }
}

#[component]
fn EnrollForm(
    options: EnrollmentOptions,
    issued: RwSignal<Option<(EnrollmentCodeResponse, Management)>>,
) -> impl IntoView {
    let session = use_session();
    // At the limit: only to enroll a device registered before, of its platform.
    let registered_only = options.devices_enrolled >= options.device_limit;
    let mut platforms = options.platforms;
    if registered_only {
        platforms.retain(|r| options.registered_platforms.contains(&r.platform));
    }
    let rules = StoredValue::new(platforms);
    let first = rules.with_value(|r| r.first().map(|r| r.platform));
    let platform = RwSignal::new(first.unwrap_or(Platform::Android));
    let rule = move || rules.with_value(|r| r.iter().find(|r| r.platform == platform.get()).cloned());
    let device_name = RwSignal::new(String::new());
    let ownership = RwSignal::new(Ownership::Corporate);
    let management = RwSignal::new(Management::Managed);
    let allows = move |value: Ownership| rule().is_some_and(|r| r.allows(management.get(), value));
    let category = RwSignal::new(options.categories.first().cloned().unwrap_or_default());
    let field_errors = RwSignal::new(FieldErrors::default());
    let form_error = RwSignal::new(None::<String>);

    // A platform that allows one ownership only switches to it.
    Effect::new(move |_| {
        let chosen = ownership.get_untracked();
        if !allows(chosen) {
            let other = match chosen {
                Ownership::Personal => Ownership::Corporate,
                Ownership::Corporate => Ownership::Personal,
            };
            ownership.set(other);
        }
    });

    let busy = RwSignal::new(false);
    let create = move |request: EnrollmentCodeRequest| {
        task::run(busy, async move {
            match api::enrollment::create_code(&request).await {
                Ok(code) => issued.set(Some((code, request.management))),
                // New terms were published since this page was opened: read them.
                Err(api::ClientError::Api { error, .. }) if error.code == "terms_not_accepted" => {
                    let _ = window().location().reload();
                }
                Err(error) => {
                    session.handle_error(&error);
                    field_errors.set(error.fields());
                    form_error.set(Some(error.to_string()));
                }
            }
        })
    };
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let request = EnrollmentCodeRequest {
            platform: platform.get_untracked(),
            device_name: device_name.get_untracked(),
            ownership: ownership.get_untracked(),
            category: category.get_untracked(),
            management: management.get_untracked(),
        };
        let errors = api::in_words(request.field_errors());
        form_error.set(None);
        field_errors.set(errors.clone());
        if errors.is_empty() {
            create(request);
        }
    };

    view! {
        {move || form_error.get().filter(|_| field_errors.with(|e| e.is_empty())).map(error_alert)}
        <form class="cp-form" on:submit=submit novalidate>
            {(!registered_only).then(|| view! {
                <fieldset class="cp-field cp-choice cp-choice--stacked">
                    <legend>{tr(text::HOW)}</legend>
                    <ManagementChoice value=Management::Managed management hint=text::ENROLL_HINT/>
                    <ManagementChoice value=Management::Registered management hint=text::REGISTER_HINT/>
                </fieldset>
            })}
            <div class="cp-field">
                <label for="platform">{tr(device::PLATFORM)}</label>
                <select id="platform" on:change=move |ev| {
                    if let Some(p) = Platform::parse(&event_target_value(&ev)) { platform.set(p) }
                }>
                    {rules.with_value(|rules| rules.iter().map(|r| view! {
                        <option value=r.platform.as_str() selected=r.platform == platform.get_untracked()>{r.platform.label()}</option>
                    }).collect_view())}
                </select>
                <p class="cp-field__hint">{move || rule().map(|r| rule_text(&r, management.get()))}</p>
            </div>
            <Field label=tr(text::DEVICE_NAME) id="device_name" value=device_name errors=field_errors/>
            <fieldset class="cp-field cp-choice">
                <legend>{tr(device::OWNERSHIP)}</legend>
                <OwnershipChoice value=Ownership::Corporate ownership allowed=Signal::derive(move || allows(Ownership::Corporate))/>
                <OwnershipChoice value=Ownership::Personal ownership allowed=Signal::derive(move || allows(Ownership::Personal))/>
            </fieldset>
            <div class="cp-field">
                <label for="category">{tr(device::CATEGORY)}</label>
                <select id="category" on:change=move |ev| category.set(event_target_value(&ev))>
                    {options.categories.into_iter().map(|c| view! { <option value=c.clone()>{c.clone()}</option> }).collect_view()}
                </select>
            </div>
            <button class="cp-button cp-button--primary" type="submit" disabled=move || busy.get()>
                {move || tr(match management.get() {
                    Management::Managed => text::GET_ENROLLMENT_CODE,
                    Management::Registered => text::GET_REGISTRATION_CODE,
                })}
            </button>
        </form>
    }
}

#[component]
fn ManagementChoice(value: Management, management: RwSignal<Management>, hint: Msg) -> impl IntoView {
    let id = format!("management-{}", value.as_str());
    let hint_id = format!("{id}-hint");
    let label = tr(match value {
        Management::Managed => text::ENROLL,
        Management::Registered => text::REGISTER,
    });
    view! {
        <div class="cp-choice__option cp-choice__option--described">
            <input type="radio" name="management" id=id.clone() value=value.as_str() aria-describedby=hint_id.clone()
                prop:checked=move || management.get() == value
                on:change=move |_| management.set(value)/>
            <label for=id>{label}</label>
            <p class="cp-field__hint" id=hint_id>{tr(hint)}</p>
        </div>
    }
}

#[component]
fn OwnershipChoice(value: Ownership, ownership: RwSignal<Ownership>, allowed: Signal<bool>) -> impl IntoView {
    let id = format!("ownership-{}", value.as_str());
    view! {
        <div class="cp-choice__option">
            <input type="radio" name="ownership" id=id.clone() value=value.as_str()
                prop:checked=move || ownership.get() == value
                disabled=move || !allowed.get()
                on:change=move |_| ownership.set(value)/>
            <label for=id>{labels::ownership(value)}</label>
        </div>
    }
}

/// The chosen platform's rules in a sentence.
fn rule_text(rule: &PlatformRule, management: Management) -> String {
    let name = [("platform", rule.platform.label())];
    if management == Management::Registered {
        return trf(text::RULE_REGISTER_ANY, &name);
    }
    let mut sentence = trf(
        match (rule.corporate_allowed, rule.personal_allowed) {
            (true, true) => text::RULE_ENROLL_ANY,
            (true, false) => text::RULE_NO_PERSONAL,
            (false, true) => text::RULE_NO_CORPORATE,
            (false, false) => text::RULE_NONE,
        },
        &name,
    );
    if let Some(min) = &rule.min_os_version {
        sentence.push(' ');
        sentence.push_str(&trf(text::RULE_MINIMUM, &[name[0], ("version", min)]));
    }
    sentence
}

/// The code, its QR code and command, a countdown, and a wait for the device.
#[component]
fn CodePanel(
    code: EnrollmentCodeResponse,
    management: Management,
    issued: RwSignal<Option<(EnrollmentCodeResponse, Management)>>,
) -> impl IntoView {
    let (heading, qr, waiting) = match management {
        Management::Managed => (text::ENROLLMENT_CODE, text::ENROLLMENT_QR, text::WAITING_ENROLL),
        Management::Registered => (text::REGISTRATION_CODE, text::REGISTRATION_QR, text::WAITING_REGISTER),
    };
    let (heading, qr, waiting) = (tr(heading), tr(qr), tr(waiting));
    let router = use_router();
    let live = use_live_events();
    let expires = js_sys::Date::parse(&code.expires_at);
    let now = RwSignal::new(js_sys::Date::now());
    if let Ok(timer) = set_interval_with_handle(move || now.set(js_sys::Date::now()), Duration::from_secs(1)) {
        on_cleanup(move || timer.clear());
    }
    let seconds_left = move || ((expires - now.get()) / 1000.0).max(0.0) as u64;
    // Any enrollment from here on is this code's: go to the new device.
    let seen = live.version.get_untracked();
    Effect::new(move |_| {
        if live.version.get() > seen
            && let Some(LiveEvent {
                kind: LiveEventKind::DeviceEnrolled,
                device_id,
            }) = live.last.get()
        {
            router.navigate(&format!("/devices/{device_id}"));
        }
    });
    view! {
        <div class="cp-code-panel">
            <h2>{heading}</h2>
            <p class="cp-code" aria-label=heading>{code.code.clone()}</p>
            <div class="cp-qr" role="img" aria-label=qr inner_html=code.qr_svg></div>
            <p>{tr(text::RUN_AGENT)}</p>
            <pre class="cp-command"><code>{code.command}</code></pre>
            {move || match seconds_left() {
                0 => error_alert(tr(text::EXPIRED).to_string()),
                s => view! {
                    <p class="cp-countdown">{tr(text::EXPIRES_IN)} " " <span role="timer">{format!("{}:{:02}", s / 60, s % 60)}</span></p>
                    <p class="cp-waiting" role="status">{waiting}</p>
                }.into_any(),
            }}
            <button class="cp-button" type="button" on:click=move |_| issued.set(None)>{tr(text::NEW_CODE)}</button>
        </div>
    }
}
