use leptos::prelude::*;
use portal_types::{FieldErrors, LockRequest, PasswordConfirmation, RenameRequest, WipeRequest};

use crate::{
    api,
    app::error_alert,
    components::field::Field,
    i18n::{
        Msg,
        msg::{actions as text, add_device, label, server, sign_in},
        server_words, tr, trf,
    },
    router::use_router,
    session::use_session,
    task,
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Panel {
    Rename,
    Lock,
    Reset,
    Remove,
}

/// Rename, Check status, Lock, Reset device and Remove device, each opening
/// its own short form; Reset and Remove ask for the password again. A
/// registered device offers Rename and Remove device alone.
#[component]
pub fn DeviceActions(
    device: String,
    name: String,
    wiped: bool,
    removing: bool,
    /// Registered, not managed: the organisation cannot act on the device itself.
    registered: bool,
    /// The plan's reason, where it offers no Lock: said, not hidden.
    lock_not_offered: Option<String>,
) -> impl IntoView {
    let router = use_router();
    let session = use_session();
    let online = session.online;
    let open = RwSignal::new(None::<Panel>);
    let busy = RwSignal::new(false);
    let errors = RwSignal::new(FieldErrors::default());
    let notice = RwSignal::new(None::<String>);
    let problem = RwSignal::new(None::<String>);
    let (new_name, message, phone) = (
        RwSignal::new(name.clone()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let (password, code, typed) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let device = StoredValue::new(device);
    let name = StoredValue::new(name);

    let show = move |panel: Panel| {
        errors.set(FieldErrors::default());
        notice.set(None);
        problem.set(None);
        open.update(|o| *o = if *o == Some(panel) { None } else { Some(panel) });
    };
    let failed = move |field: &str, error: api::ClientError| {
        session.handle_error(&error);
        let mut fields = error.fields();
        if fields.is_empty() {
            fields.add(field, "", &error.to_string());
        }
        errors.set(fields);
    };
    // An error that is no field's.
    let alert = move |error: api::ClientError| {
        session.handle_error(&error);
        problem.set(Some(error.to_string()));
    };
    // Set by the passkey button, which submits the same form.
    let by_passkey = RwSignal::new(false);
    let confirm_it_is_you = move || async move {
        if by_passkey.get_untracked() {
            api::passkeys::confirm().await
        } else {
            api::auth::reauthenticate(&PasswordConfirmation {
                password: password.get_untracked(),
                code: Some(code.get_untracked()).filter(|c| !c.trim().is_empty()),
            })
            .await
        }
    };

    let check_status = move |_| {
        notice.set(None);
        problem.set(None);
        task::run(busy, async move {
            match api::commands::sync(&device.get_value()).await {
                Ok(_) => notice.set(Some(tr(text::CHECK_STATUS_REQUESTED).into())),
                Err(e) => alert(e),
            }
        })
    };
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        errors.set(FieldErrors::default());
        problem.set(None);
        let id = device.get_value();
        match open.get_untracked() {
            Some(Panel::Rename) => task::run(busy, async move {
                match api::commands::rename(
                    &id,
                    &RenameRequest {
                        name: new_name.get_untracked(),
                    },
                )
                .await
                {
                    Ok(()) => open.set(None),
                    Err(e) => failed("name", e),
                }
            }),
            Some(Panel::Lock) => task::run(busy, async move {
                let request = LockRequest {
                    message: Some(message.get_untracked()).filter(|m| !m.trim().is_empty()),
                    phone: Some(phone.get_untracked()).filter(|p| !p.trim().is_empty()),
                };
                match api::commands::lock(&id, &request).await {
                    Ok(_) => {
                        open.set(None);
                        notice.set(Some(tr(text::LOCK_REQUESTED).into()));
                    }
                    Err(e) => failed("message", e),
                }
            }),
            Some(Panel::Reset) => task::run(busy, async move {
                // Read before the wait for the user's authenticator.
                let request = WipeRequest {
                    device_name: typed.get_untracked(),
                };
                if let Err(e) = confirm_it_is_you().await {
                    return failed("password", e);
                }
                match api::commands::wipe(&id, &request).await {
                    Ok(_) => {
                        open.set(None);
                        password.set(String::new());
                        notice.set(Some(tr(text::RESET_REQUESTED).into()));
                    }
                    Err(e) => failed("device_name", e),
                }
            }),
            Some(Panel::Remove) => task::run(busy, async move {
                if let Err(e) = confirm_it_is_you().await {
                    return failed("password", e);
                }
                match api::commands::remove(&id).await {
                    Ok(()) => router.navigate("/devices"),
                    Err(e) => alert(e),
                }
            }),
            None => {}
        }
    };

    let button = move |panel: Panel, label: Msg, class: &'static str| {
        view! {
            <button class=class type="button" aria-expanded=move || (open.get() == Some(panel)).to_string()
                on:click=move |_| show(panel)>{tr(label)}</button>
        }
    };
    let reauth_fields = move || {
        view! {
            <Field label=tr(sign_in::PASSWORD) id="password" kind="password" autocomplete="current-password" value=password errors/>
            <Field label=tr(text::CODE) id="code" autocomplete="one-time-code" value=code errors/>
        }
    };
    // After the action's own button, so that Enter in a field submits with the password.
    let passkey_button = move |ready: Signal<bool>| {
        view! {
            <button class="cp-button" type="submit" on:click=move |_| by_passkey.set(true)
                disabled=move || busy.get() || !ready.get()>{tr(text::CONFIRM_WITH_PASSKEY)}</button>
        }
    };

    view! {
        <h2>{tr(text::HEADING)}</h2>
        // Offline, every action waits for the network (the header says so).
        <fieldset class="cp-actions-set" disabled=move || !online.get()>
        <div class="cp-actions">
            {(!wiped && !removing).then(|| button(Panel::Rename, text::RENAME, "cp-button"))}
            {(!wiped && !removing && !registered).then(|| view! {
                <button class="cp-button" type="button" on:click=check_status disabled=move || busy.get()>{tr(label::CHECK_STATUS)}</button>
                {match lock_not_offered.clone() {
                    None => button(Panel::Lock, label::LOCK, "cp-button").into_any(),
                    Some(_) => view! { <button class="cp-button" type="button" disabled aria-describedby="lock-not-offered">{tr(label::LOCK)}</button> }.into_any(),
                }}
            })}
            {(!wiped && !registered).then(|| button(Panel::Reset, label::RESET_DEVICE, "cp-button cp-button--danger"))}
            {(!removing).then(|| button(Panel::Remove, label::REMOVE_DEVICE, "cp-button cp-button--outline"))}
        </div>
        {lock_not_offered.map(|why| view! { <p class="cp-lead" id="lock-not-offered">{server_words(server::LOCK_NOT_OFFERED, why, &[])}</p> })}
        {move || notice.get().map(|n| view! { <p class="cp-alert cp-alert--info" role="status">{n}</p> })}
        {move || problem.get().map(error_alert)}
        {move || open.get().map(|panel| {
            let body = match panel {
                Panel::Rename => view! {
                    <Field label=tr(add_device::DEVICE_NAME) id="name" value=new_name errors/>
                    <button class="cp-button cp-button--primary" type="submit">{tr(text::SAVE_NAME)}</button>
                }.into_any(),
                Panel::Lock => view! {
                    <p>{tr(text::LOCK_EXPLAINED)}</p>
                    <Field label=tr(text::MESSAGE) id="message" value=message errors/>
                    <Field label=tr(text::PHONE) id="phone" kind="tel" value=phone errors/>
                    <button class="cp-button cp-button--primary" type="submit">{tr(text::LOCK_DEVICE)}</button>
                }.into_any(),
                Panel::Reset => view! {
                    <div class="cp-alert cp-alert--danger">
                        <p><strong>{trf(text::RESET_ERASES, &[("name", &name.get_value())])}</strong></p>
                        <p>{tr(text::RESET_EXPLAINED)}</p>
                    </div>
                    {reauth_fields()}
                    <Field label=tr(text::TYPE_NAME) id="device_name" value=typed errors/>
                    <button class="cp-button cp-button--danger" type="submit" on:click=move |_| by_passkey.set(false)
                        disabled=move || {
                            busy.get() || password.with(String::is_empty) || typed.with(|t| t.trim() != name.get_value())
                        }>{tr(label::RESET_DEVICE)}</button>
                    {passkey_button(Signal::derive(move || typed.with(|t| t.trim() == name.get_value())))}
                }.into_any(),
                Panel::Remove => view! {
                    <p>{trf(if registered { text::REMOVE_REGISTERED } else { text::REMOVE_MANAGED }, &[("name", &name.get_value())])}</p>
                    {reauth_fields()}
                    <button class="cp-button cp-button--outline" type="submit" on:click=move |_| by_passkey.set(false)
                        disabled=move || busy.get()>{tr(label::REMOVE_DEVICE)}</button>
                    {passkey_button(Signal::derive(|| true))}
                }.into_any(),
            };
            view! { <form class="cp-form cp-action-form" on:submit=submit novalidate>{body}</form> }
        })}
        </fieldset>
    }
}
