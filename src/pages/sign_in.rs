use leptos::prelude::*;
use portal_types::{FieldErrors, SignInRequest};

use crate::{api, router::use_router, session::use_session};

#[component]
pub fn SignInPage() -> impl IntoView {
    let session = use_session();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let field_errors = RwSignal::new(FieldErrors::default());
    let form_error = RwSignal::new(None::<String>);

    let sign_in = Action::new_local(move |request: &SignInRequest| {
        let request = request.clone();
        async move {
            match api::auth::sign_in(&request).await {
                Ok(me) => {
                    password.set(String::new());
                    session.notice.set(None);
                    session.user.set(Some(me));
                }
                Err(error) => {
                    field_errors.set(error.fields());
                    form_error.set(Some(error.to_string()));
                }
            }
        }
    });

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
        };
        let errors = request.field_errors();
        form_error.set(None);
        field_errors.set(errors.clone());
        if errors.is_empty() {
            sign_in.dispatch(request);
        }
    };
    let error_for = move |field: &'static str| move || field_errors.with(|e| e.get(field).map(str::to_owned));

    view! {
        <section class="cp-page cp-page--narrow">
            <h1>"Sign in"</h1>
            <p class="cp-lead">"Use your work email address and password to manage your devices."</p>
            {move || session.notice.get().map(|notice| view! {
                <p class="cp-alert cp-alert--info" role="status">{notice}</p>
            })}
            {move || form_error.get().filter(|_| field_errors.with(|e| e.is_empty())).map(|message| view! {
                <p class="cp-alert cp-alert--error" role="alert">{message}</p>
            })}
            <form class="cp-form" on:submit=submit novalidate>
                <Field label="Email" id="email" kind="email" autocomplete="username" value=email error=Signal::derive(error_for("email"))/>
                <Field label="Password" id="password" kind="password" autocomplete="current-password" value=password error=Signal::derive(error_for("password"))/>
                <button class="cp-button cp-button--primary" type="submit" disabled=move || sign_in.pending().get()>
                    {move || if sign_in.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </section>
    }
}

/// A labelled input with its message underneath, tied together for screen readers.
#[component]
fn Field(
    label: &'static str,
    id: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    value: RwSignal<String>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    view! {
        <div class="cp-field">
            <label for=id>{label}</label>
            <input
                id=id
                name=id
                type=kind
                autocomplete=autocomplete
                required
                bind:value=value
                aria-invalid=move || error.with(Option::is_some).to_string()
                aria-describedby=move || error.with(Option::is_some).then(|| error_id.clone())
            />
            {move || error.get().map(|message| view! {
                <p class="cp-field__error" id=format!("{id}-error")>{message}</p>
            })}
        </div>
    }
}

/// Where to go after signing in: the `next` the guard sent along, when it is
/// a path within the portal.
fn next_path() -> String {
    let search = window().location().search().unwrap_or_default();
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix("next="))
        .and_then(|next| js_sys::decode_uri_component(next).ok())
        .map(String::from)
        .filter(|next| next.starts_with('/') && !next.starts_with("//"))
        .unwrap_or_else(|| "/devices".into())
}
