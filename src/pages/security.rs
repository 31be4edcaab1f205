use leptos::prelude::*;
use portal_types::{
    FieldErrors, PasskeySummary, PasswordConfirmation, SecurityResponse, TotpSetupResponse, auth::passkey_name_error,
};

use crate::{
    api::{self, ClientError},
    app::{error_alert, loading},
    components::field::Field,
    format,
    i18n::{
        msg::{common, header, security as text, sign_in},
        tr, trf,
    },
    loader::load,
    router::use_router,
    session::use_session,
    task,
};

/// Security: passkeys, two-step verification with an authenticator app, and
/// signing out everywhere.
#[component]
pub fn SecurityPage() -> impl IntoView {
    let changed = RwSignal::new(0u32);
    let state = load(move || {
        changed.track();
        api::security::state()
    });
    view! {
        <section class="cp-page cp-page--medium">
            <h1>{tr(header::SECURITY)}</h1>
            {move || match state.get() {
                None => loading(common::LOADING),
                Some(Ok(state)) => view! {
                    <Passkeys passkeys=state.passkeys.clone() offered=state.passkeys_offered totp=state.totp_enabled changed/>
                    <h2>{tr(text::TWO_STEP)}</h2>
                    <TwoStep state changed/>
                }.into_any(),
                Some(Err(error)) => error_alert(error.to_string()),
            }}
            <SignOutEverywhere/>
        </section>
    }
}

#[component]
fn TwoStep(state: SecurityResponse, changed: RwSignal<u32>) -> impl IntoView {
    let setup = RwSignal::new(None::<TotpSetupResponse>);
    let recovery = RwSignal::new(None::<Vec<String>>);
    let code = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::default());
    let busy = RwSignal::new(false);
    let failed = move |error: ClientError| {
        let mut fields = error.fields();
        if fields.is_empty() {
            let field = if matches!(&error, ClientError::Api { error, .. } if error.code == "invalid_credentials") {
                "password"
            } else {
                "code"
            };
            fields.add(field, "", &error.to_string());
        }
        errors.set(fields);
    };
    // Set-up asks for the password again when the sign-in is not recent.
    let confirming = RwSignal::new(false);
    let start = move || {
        task::run(busy, async move {
            if confirming.get_untracked() {
                let confirmation = PasswordConfirmation {
                    password: password.get_untracked(),
                    code: None,
                };
                if let Err(error) = api::auth::reauthenticate(&confirmation).await {
                    return failed(error);
                }
                password.set(String::new());
            }
            match api::security::set_up_totp().await {
                Ok(started) => setup.set(Some(started)),
                Err(ClientError::Api { error, .. }) if error.code == "reauthentication_required" => {
                    confirming.set(true);
                }
                Err(error) => failed(error),
            }
        })
    };
    let on_start = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        errors.set(FieldErrors::default());
        start();
    };
    let on_confirm = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        errors.set(FieldErrors::default());
        let code = code.get_untracked();
        task::run(busy, async move {
            match api::security::confirm_totp(code).await {
                Ok(codes) => recovery.set(Some(codes.recovery_codes)),
                Err(error) => failed(error),
            }
        });
    };
    let on_disable = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        errors.set(FieldErrors::default());
        let confirmation = PasswordConfirmation {
            password: password.get_untracked(),
            code: Some(code.get_untracked()),
        };
        task::run(busy, async move {
            match api::security::disable_totp(&confirmation).await {
                Ok(()) => changed.update(|c| *c += 1),
                Err(error) => failed(error),
            }
        });
    };

    view! {
        {move || match (recovery.get(), setup.get(), state.totp_enabled) {
            (Some(codes), _, _) => view! {
                <div class="cp-code-panel">
                    <p class="cp-alert cp-alert--info" role="status">{tr(text::TWO_STEP_TURNED_ON)}</p>
                    <h3>{tr(text::RECOVERY_CODES)}</h3>
                    <p>{tr(text::RECOVERY_CODES_KEEP)}</p>
                    <ul class="cp-recovery-codes" aria-label=tr(text::RECOVERY_CODES)>
                        {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
                    </ul>
                    <button class="cp-button cp-button--primary" type="button" on:click=move |_| changed.update(|c| *c += 1)>
                        {tr(text::SAVED_CODES)}
                    </button>
                </div>
            }.into_any(),
            (None, Some(started), _) => view! {
                <div class="cp-code-panel">
                    <p>{tr(text::SCAN)}</p>
                    <div class="cp-qr" role="img" aria-label=tr(text::QR) inner_html=started.qr_svg></div>
                    <p>{tr(text::OR_KEY)} " " <code class="cp-secret">{started.secret}</code></p>
                    <form class="cp-form" on:submit=on_confirm novalidate>
                        <Field label=tr(sign_in::CODE) id="code" autocomplete="one-time-code" value=code errors/>
                        <button class="cp-button cp-button--primary" type="submit">{tr(text::TURN_ON)}</button>
                    </form>
                </div>
            }.into_any(),
            (None, None, true) => view! {
                <p>{tr(text::ON)} " "
                    {trf(text::CODES_LEFT, &[("count", &state.recovery_codes_left.to_string())])}</p>
                <form class="cp-form" on:submit=on_disable novalidate>
                    <Field label=tr(sign_in::PASSWORD) id="password" kind="password" autocomplete="current-password" value=password errors/>
                    <Field label=tr(sign_in::CODE) id="code" autocomplete="one-time-code" value=code errors/>
                    <button class="cp-button" type="submit">{tr(text::TURN_OFF)}</button>
                </form>
            }.into_any(),
            (None, None, false) => view! {
                <p>{tr(text::OFF)}</p>
                {move || errors.with(|e| e.get("code").map(str::to_owned)).map(error_alert)}
                <form class="cp-form" on:submit=on_start novalidate>
                    {move || confirming.get().then(|| view! {
                        <p>{tr(text::CONFIRM)}</p>
                        <Field label=tr(sign_in::PASSWORD) id="password" kind="password" autocomplete="current-password" value=password errors/>
                    })}
                    <button class="cp-button cp-button--primary" type="submit">{tr(text::SET_UP)}</button>
                </form>
            }.into_any(),
        }}
    }
}

/// Passkeys: add one under a name, see when each was last used, remove one.
/// Both need a recent sign-in, asked for here when it is not.
#[component]
fn Passkeys(passkeys: Vec<PasskeySummary>, offered: bool, totp: bool, changed: RwSignal<u32>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::default());
    let busy = RwSignal::new(false);
    // What waits for the password to be entered again: an add (`None`) or
    // the removal of one passkey.
    let confirming = RwSignal::new(None::<Option<String>>);
    let change = move |remove: Option<String>| {
        errors.set(FieldErrors::default());
        // Checked before the authenticator makes a passkey the server would refuse.
        if let Some((code, message)) = remove
            .is_none()
            .then(|| passkey_name_error(&name.get_untracked()))
            .flatten()
        {
            let mut fields = FieldErrors::default();
            fields.add("passkey-name", code, message);
            return errors.set(api::in_words(fields));
        }
        task::run(busy, async move {
            if confirming.get_untracked().is_some() {
                let confirmation = PasswordConfirmation {
                    password: password.get_untracked(),
                    code: totp.then(|| code.get_untracked()),
                };
                if let Err(error) = api::auth::reauthenticate(&confirmation).await {
                    let mut fields = FieldErrors::default();
                    fields.add("passkey-password", "", &error.to_string());
                    return errors.set(fields);
                }
                password.set(String::new());
                confirming.set(None);
            }
            let done = match &remove {
                Some(id) => api::passkeys::remove(id).await,
                None => api::passkeys::add(name.get_untracked().trim()).await,
            };
            match done {
                Ok(()) => changed.update(|c| *c += 1),
                Err(ClientError::Api { error, .. }) if error.code == "reauthentication_required" => {
                    confirming.set(Some(remove));
                }
                Err(error) => {
                    let mut fields = FieldErrors::default();
                    fields.add("passkey-name", "", &error.to_string());
                    errors.set(fields);
                }
            }
        })
    };
    let on_add = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        change(None);
    };
    let on_confirm = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        change(confirming.get_untracked().flatten());
    };
    view! {
        <h2>{tr(text::PASSKEYS)}</h2>
        <p>{tr(text::PASSKEYS_LEAD)}</p>
        <ul class="cp-passkeys" aria-label=tr(text::PASSKEYS)>
            {passkeys.into_iter().map(|p| {
                let id = p.id.to_string();
                let used = p.last_used_at.map_or_else(
                    || tr(text::NEVER_USED).to_string(),
                    |at| trf(text::LAST_USED, &[("when", &format::relative_time(&at))]),
                );
                view! {
                    <li>
                        <strong>{p.name.clone()}</strong>
                        <span>{trf(text::ADDED, &[("date", &format::date_time(&p.created_at)), ("used", &used)])}</span>
                        <button class="cp-button" type="button" aria-label=trf(text::REMOVE_NAMED, &[("name", &p.name)])
                            on:click=move |_| change(Some(id.clone()))>{tr(text::REMOVE)}</button>
                    </li>
                }
            }).collect_view()}
        </ul>
        {move || confirming.get().map(|pending| view! {
            <form class="cp-form" on:submit=on_confirm novalidate>
                <p>{tr(text::CONFIRM)}</p>
                <Field label=tr(sign_in::PASSWORD) id="passkey-password" kind="password" autocomplete="current-password" value=password errors/>
                {totp.then(|| view! { <Field label=tr(sign_in::CODE) id="passkey-code" autocomplete="one-time-code" value=code errors/> })}
                <button class="cp-button cp-button--primary" type="submit" disabled=move || busy.get()>
                    {tr(if pending.is_some() { text::REMOVE_PASSKEY } else { text::ADD_PASSKEY })}
                </button>
            </form>
        })}
        {if offered {
            view! {
                <form class="cp-form" on:submit=on_add novalidate hidden=move || confirming.with(Option::is_some)>
                    <Field label=tr(text::PASSKEY_NAME) id="passkey-name" value=name errors/>
                    <button class="cp-button cp-button--primary" type="submit" disabled=move || busy.get()>{tr(text::ADD_PASSKEY)}</button>
                </form>
            }.into_any()
        } else {
            view! { <p>{tr(text::PASSKEYS_NEED_DOMAIN)}</p> }.into_any()
        }}
    }
}

#[component]
fn SignOutEverywhere() -> impl IntoView {
    let session = use_session();
    let router = use_router();
    let busy = RwSignal::new(false);
    let failed = RwSignal::new(None::<String>);
    let sign_out = move |_| {
        task::run(busy, async move {
            if let Err(error) = api::auth::sign_out_everywhere().await {
                return failed.set(Some(error.to_string()));
            }
            router.navigate("/sign-in?signed-out=everywhere");
            session.user.set(None);
        })
    };
    view! {
        <h2>{tr(text::SESSIONS)}</h2>
        <p>{tr(text::SESSIONS_LEAD)}</p>
        <button class="cp-button" type="button" on:click=sign_out
            disabled=move || busy.get() || !session.online.get()>{tr(text::SIGN_OUT_EVERYWHERE)}</button>
        {move || failed.get().map(error_alert)}
    }
}
