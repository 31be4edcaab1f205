//! Terms and conditions: the version employees accept before Add device
//! gives them a code, and a new version published from here, which everyone
//! accepts again at their next enrollment.

use leptos::prelude::*;
use portal_types::{TermsChange, TermsVersion};

use crate::{
    api,
    app::{error_alert, loading},
    format::date_time,
    i18n::{
        msg::{add_device, terms},
        tr, trf,
    },
    loader::load,
    task,
};

#[component]
pub fn AdminTermsPage() -> impl IntoView {
    let published = RwSignal::new(None::<TermsVersion>);
    let current = load(api::admin::terms);
    view! {
        <section class="cp-page cp-page--wide">
            <h1>{tr(add_device::TERMS)}</h1>
            <p class="cp-lead">{tr(terms::LEAD)}</p>
            {move || match published.get().map(Ok).or_else(|| current.get()) {
                None => loading(terms::LOADING),
                Some(Ok(version)) if version.version > 0 => {
                    let number = version.version.to_string();
                    let date = date_time(&version.published_at.unwrap_or_default());
                    let publication = match version.published_by {
                        Some(by) => trf(terms::PUBLISHED_BY, &[("version", &number), ("by", &by), ("date", &date)]),
                        None => trf(terms::PUBLISHED_ON, &[("version", &number), ("date", &date)]),
                    };
                    let people = match version.accepted_by {
                        1 => tr(terms::ACCEPTED_BY_ONE_PERSON).to_string(),
                        n => trf(terms::ACCEPTED_BY_PEOPLE, &[("count", &n.to_string())]),
                    };
                    view! {
                        <p role="status">{format!("{publication} {people}")}</p>
                        <h2 id="terms-in-force">{tr(terms::IN_FORCE)}</h2>
                        <div class="cp-terms" tabindex="0" role="region" aria-labelledby="terms-in-force" inner_html=version.html></div>
                        {editor(version.version, version.text, published)}
                    }.into_any()
                }
                Some(Ok(_)) => view! {
                    <p role="status">{tr(terms::NONE)}</p>
                    {editor(0, String::new(), published)}
                }.into_any(),
                Some(Err(error)) => error_alert(error.to_string()),
            }}
        </section>
    }
}

/// The text of the next version, starting from the one in force.
fn editor(based_on: u32, text: String, published: RwSignal<Option<TermsVersion>>) -> impl IntoView {
    let draft = RwSignal::new(text);
    let error = RwSignal::new(None::<String>);
    // Whether the message is about the text (not a refusal of the publish).
    let invalid = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let change = TermsChange {
            based_on,
            text: draft.get_untracked(),
        };
        task::run(busy, async move {
            match api::admin::publish_terms(&change).await {
                Ok(version) => published.set(Some(version)),
                // The text's own message, or why publishing failed.
                Err(failure) => error.set(Some(
                    failure
                        .fields()
                        .get("text")
                        .map_or_else(|| failure.to_string(), str::to_owned),
                )),
            }
        })
    };
    view! {
        <form class="cp-form" on:submit=submit novalidate>
            <div class="cp-field">
                <label for="terms-text">{tr(terms::NEW_VERSION)}</label>
                <textarea id="terms-text" rows="14" aria-describedby="terms-text-error terms-text-hint"
                    aria-invalid=move || invalid.get().to_string()
                    prop:value=move || draft.get()
                    on:input=move |ev| draft.set(event_target_value(&ev))></textarea>
                <p class="cp-field__hint" id="terms-text-hint">{tr(terms::FORMAT_HINT)}</p>
                <p class="cp-field__error" id="terms-text-error" role="alert">{move || error.get()}</p>
            </div>
            <button class="cp-button cp-button--primary" type="submit" disabled=move || busy.get()>{tr(terms::PUBLISH)}</button>
        </form>
    }
}
