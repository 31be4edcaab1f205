use leptos::prelude::*;
use portal_types::{FieldErrors, SignInRequest};

use crate::{
    api::{self, ClientError},
    app::error_alert,
    components::field::Field,
    i18n::{msg::sign_in, tr},
    router::use_router,
    session::use_session,
    task,
};

#[component]
pub fn SignInPage() -> impl IntoView {
    let session = use_session();
    // Carried in the address: signing out may have loaded this page anew.
    match query("signed-out").as_deref() {
        Some("everywhere") => session.notice.set(Some(tr(sign_in::SIGNED_OUT_EVERYWHERE).into())),
        Some(_) => session.notice.set(Some(tr(sign_in::SIGNED_OUT).into())),
        None => {}
    }
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    // Shown once the server says this account has a second factor.
    let asks_code = RwSignal::new(false);
    let field_errors = RwSignal::new(FieldErrors::default());
    let form_error = RwSignal::new(None::<String>);

    let busy = RwSignal::new(false);
    let signed_in = move |me| {
        password.set(String::new());
        session.notice.set(None);
        session.user.set(Some(me));
    };
    // A passkey picked among the email field's suggestions, where the browser offers them.
    if session.user.with_untracked(Option::is_none) {
        leptos::task::spawn_local(async move {
            if let Ok(me) = api::passkeys::sign_in(true).await {
                signed_in(me);
            }
        });
        on_cleanup(api::passkeys::cancel_autofill);
    }
    let with_passkey = move |_| {
        form_error.set(None);
        task::run(busy, async move {
            match api::passkeys::sign_in(false).await {
                Ok(me) => signed_in(me),
                Err(error) => form_error.set(Some(error.to_string())),
            }
        })
    };
    let sign_in = move |request: SignInRequest| {
        task::run(busy, async move {
            match api::auth::sign_in(&request).await {
                Ok(me) => signed_in(me),
                Err(ClientError::Api { error, .. }) if error.code.starts_with("second_factor") => {
                    let mut errors = FieldErrors::default();
                    if asks_code.get_untracked() {
                        errors.add("code", "", &api::error_text(&error));
                    } else {
                        form_error.set(Some(api::error_text(&error)));
                    }
                    asks_code.set(true);
                    field_errors.set(errors);
                }
                Err(error) => {
                    field_errors.set(error.fields());
                    form_error.set(Some(error.to_string()));
                }
            }
        })
    };

    let router = use_router();
    // Already signed in, or just signed in: go where the user was going.
    Effect::new(move |_| {
        if session.user.with(Option::is_some) {
            router.replace(&next_path());
        }
    });

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let request = SignInRequest {
            email: email.get_untracked(),
            password: password.get_untracked(),
            code: asks_code.get_untracked().then(|| code.get_untracked()),
        };
        let errors = api::in_words(request.field_errors());
        form_error.set(None);
        field_errors.set(errors.clone());
        if errors.is_empty() {
            sign_in(request);
        }
    };

    view! {
        <section class="cp-page cp-page--narrow">
            <h1>{tr(sign_in::HEADING)}</h1>
            <p class="cp-lead">{tr(sign_in::LEAD)}</p>
            {move || session.notice.get().map(|notice| view! {
                <p class="cp-alert cp-alert--info" role="status">{notice}</p>
            })}
            {move || form_error.get().filter(|_| field_errors.with(|e| e.is_empty())).map(error_alert)}
            <form class="cp-form" on:submit=submit novalidate>
                <Field label=tr(sign_in::EMAIL) id="email" kind="email" autocomplete="username webauthn" value=email errors=field_errors/>
                <Field label=tr(sign_in::PASSWORD) id="password" kind="password" autocomplete="current-password" value=password errors=field_errors/>
                <Show when=move || asks_code.get()>
                    <Field label=tr(sign_in::CODE) id="code" autocomplete="one-time-code" value=code errors=field_errors/>
                </Show>
                <button class="cp-button cp-button--primary" type="submit" disabled=move || busy.get()>
                    {move || tr(if busy.get() { sign_in::SIGNING_IN } else { sign_in::SUBMIT })}
                </button>
            </form>
            <button class="cp-button cp-passkey" type="button" on:click=with_passkey disabled=move || busy.get()>
                {tr(sign_in::WITH_PASSKEY)}
            </button>
        </section>
    }
}

/// Where to go after signing in: the `next` the guard sent along, when it is
/// a path within the portal.
fn next_path() -> String {
    query("next")
        .and_then(|next| js_sys::decode_uri_component(&next).ok())
        .map(String::from)
        .filter(|next| next.starts_with('/') && !next.starts_with("//"))
        .unwrap_or_else(|| "/devices".into())
}

/// The value of `name` in the address's query (empty for a bare `?name`).
fn query(name: &str) -> Option<String> {
    let search = window().location().search().unwrap_or_default();
    search.trim_start_matches('?').split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then(|| value.to_string())
    })
}
