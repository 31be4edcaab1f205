use leptos::prelude::*;
use portal_types::ActivityEntry;

use crate::{
    actions::{describe, outcome},
    api,
    app::{error_alert, loading},
    format,
    i18n::{
        msg::{activity, common},
        tr, trf,
    },
    live::use_live_events,
    loader::load,
};

/// Activity: every action the user took, and what became of it.
#[component]
pub fn ActivityPage() -> impl IntoView {
    let live = use_live_events();
    let entries = load(move || {
        live.version.track();
        api::commands::activity()
    });
    view! {
        <section class="cp-page cp-page--medium">
            <h1>{tr(activity::HEADING)}</h1>
            {move || match entries.get() {
                None => loading(common::LOADING),
                Some(Err(error)) => error_alert(error.to_string()),
                Some(Ok(activity)) => view! {
                    <ol class="cp-activity" aria-label=tr(activity::HEADING)>
                        {activity.entries.into_iter().map(|entry| view! { <Entry entry/> }).collect_view()}
                    </ol>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Entry(entry: ActivityEntry) -> impl IntoView {
    // Command results carry their outcome in the action already (`wipe_failed`).
    let failed = entry.outcome != "success" && !entry.action.ends_with(&entry.outcome);
    view! {
        <li class="cp-activity__entry">
            <time datetime=entry.at.clone()>{format::date_time(&entry.at)}</time>
            <span>
                {describe(&entry.action)} {entry.by.map(|admin| trf(activity::BY_ADMIN, &[("admin", &admin)]))}
                {entry.detail.map(|reason| format!(": {reason}"))}
            </span>
            {failed.then(|| view! { <span class="cp-activity__outcome">{outcome(&entry.outcome)}</span> })}
        </li>
    }
}
