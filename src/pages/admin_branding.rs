//! Branding: the organisation's name, theme colour and logo, which every
//! open portal takes on at once, and its privacy statement and help desk.

use leptos::{prelude::*, wasm_bindgen::JsCast};
use portal_types::{Branding, BrandingChange, BrandingSettings, FieldErrors, HelpDesk};

use crate::{
    api,
    app::{error_alert, loading},
    components::field::Field,
    format::date_time,
    i18n::{
        msg::{branding, console},
        tr, trf,
    },
    loader::load,
    session::{Session, use_session},
    task,
};

/// In force: this page's header takes it on too, as open portals do.
fn show(session: Session, saved: RwSignal<Option<Branding>>, branding: Branding) {
    session.restyle(branding.settings.organisation.clone());
    saved.set(Some(branding));
}

#[component]
pub fn AdminBrandingPage() -> impl IntoView {
    let current = load(api::admin::branding);
    view! {
        <section class="cp-page cp-page--wide">
            <h1>{tr(console::BRANDING)}</h1>
            <p class="cp-lead">{tr(branding::LEAD)}</p>
            {move || match current.get() {
                None => loading(branding::LOADING),
                Some(Err(error)) => error_alert(error.to_string()),
                Some(Ok(branding)) => view! { <Editor branding/> }.into_any(),
            }}
        </section>
    }
}

/// The version in force and its logo follow each save; the form is built
/// once, so that saving leaves the field being edited as it is, focus and all.
#[component]
fn Editor(branding: Branding) -> impl IntoView {
    let saved = RwSignal::new(None::<Branding>);
    let first = StoredValue::new(branding);
    let shown = move || saved.get().unwrap_or_else(|| first.get_value());
    let status = move || {
        let current = shown();
        let version = current.version.to_string();
        match (&current.changed_by, &current.changed_at) {
            (Some(by), Some(at)) => trf(
                console::SAVED_BY,
                &[("version", &version), ("by", by), ("date", &date_time(at))],
            ),
            _ => trf(console::SERVER_CONFIGURATION, &[("version", &version)]),
        }
    };
    let version = Signal::derive(move || shown().version);
    view! {
        <p role="status">{status}</p>
        {move || logo(shown().logo, saved)}
        {settings(version, first.get_value().settings, saved)}
    }
}

/// The logo: shown, replaced by a file picked, or taken away.
fn logo(current: Option<String>, saved: RwSignal<Option<Branding>>) -> impl IntoView {
    let session = use_session();
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let failed = move |failure: api::ClientError| {
        error.set(Some(
            failure
                .fields()
                .get("logo")
                .map_or_else(|| failure.to_string(), str::to_owned),
        ))
    };
    let upload = move |ev: leptos::ev::Event| {
        let file = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|input| input.files())
            .and_then(|files| files.get(0));
        if let Some(file) = file {
            error.set(None);
            task::run(busy, async move {
                match api::admin::upload_logo(file).await {
                    Ok(branding) => show(session, saved, branding),
                    Err(failure) => failed(failure),
                }
            });
        }
    };
    let remove = move |_| {
        task::run(busy, async move {
            match api::admin::remove_logo().await.and(Ok(api::admin::branding().await)) {
                Ok(Ok(branding)) => show(session, saved, branding),
                Ok(Err(failure)) | Err(failure) => failed(failure),
            }
        })
    };
    view! {
        <h2>{tr(branding::LOGO)}</h2>
        {current.clone().map(|src| view! { <img class="cp-logo-preview" src=src alt=tr(branding::LOGO_IN_FORCE)/> })}
        <div class="cp-field">
            <label for="logo">{tr(branding::LOGO_FILE)}</label>
            <input id="logo" type="file" accept="image/png,image/svg+xml" on:change=upload disabled=move || busy.get()
                aria-describedby="logo-error" aria-invalid=move || error.with(Option::is_some).to_string()/>
            <p class="cp-field__error" id="logo-error" role="alert">{move || error.get()}</p>
        </div>
        {current.map(|_| view! {
            <button class="cp-button" type="button" on:click=remove disabled=move || busy.get()>{tr(branding::REMOVE_LOGO)}</button>
        })}
    }
}

/// An optional field's text, and back.
fn text(value: &Option<String>) -> RwSignal<String> {
    RwSignal::new(value.clone().unwrap_or_default())
}

fn optional(value: RwSignal<String>) -> Option<String> {
    Some(value.get_untracked()).filter(|v| !v.trim().is_empty())
}

/// The name, colour, privacy statement and help desk, saved as a new version.
fn settings(version: Signal<u32>, current: BrandingSettings, saved: RwSignal<Option<Branding>>) -> impl IntoView {
    let session = use_session();
    let organisation = RwSignal::new(current.organisation);
    let color = RwSignal::new(current.color);
    let privacy = text(&current.privacy_url);
    let desk = current.help_desk;
    let desk_name = RwSignal::new(desk.name);
    let (phone, email, website, note) = (
        text(&desk.phone),
        text(&desk.email),
        text(&desk.website),
        text(&desk.note),
    );
    let errors = RwSignal::new(FieldErrors::default());
    let failure = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        failure.set(None);
        let change = BrandingChange {
            based_on: version.get_untracked(),
            settings: BrandingSettings {
                organisation: organisation.get_untracked(),
                color: color.get_untracked(),
                privacy_url: optional(privacy),
                help_desk: HelpDesk {
                    name: desk_name.get_untracked(),
                    phone: optional(phone),
                    email: optional(email),
                    website: optional(website),
                    note: optional(note),
                },
            },
        };
        task::run(busy, async move {
            match api::admin::save_branding(&change).await {
                Ok(branding) => {
                    errors.set(FieldErrors::default());
                    show(session, saved, branding);
                }
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
    view! {
        <form class="cp-form" on:submit=submit novalidate>
            <h2>{tr(branding::NAME_AND_COLOUR)}</h2>
            <Field label=tr(branding::ORGANISATION_NAME) id="organisation" value=organisation errors/>
            <Field label=tr(branding::THEME_COLOUR) id="color" kind="color" value=color errors/>
            <h2>{tr(branding::PRIVACY_AND_HELP)}</h2>
            <Field label=tr(branding::PRIVACY_URL) id="privacy_url" kind="url" value=privacy errors/>
            <Field label=tr(branding::HELP_DESK_NAME) id="help_desk.name" value=desk_name errors/>
            <Field label=tr(branding::HELP_DESK_PHONE) id="help_desk.phone" kind="tel" value=phone errors/>
            <Field label=tr(branding::HELP_DESK_EMAIL) id="help_desk.email" kind="email" value=email errors/>
            <Field label=tr(branding::HELP_DESK_WEBSITE) id="help_desk.website" kind="url" value=website errors/>
            <Field label=tr(branding::HELP_DESK_NOTE) id="help_desk.note" value=note errors/>
            {move || failure.get().map(error_alert)}
            <button class="cp-button cp-button--primary" type="submit" disabled=move || busy.get()>{tr(branding::SAVE)}</button>
        </form>
    }
}
