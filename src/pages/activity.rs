use leptos::prelude::*;
use portal_types::ActivityEntry;

use crate::{api, format, live::use_live_events, loader::load};

/// What each audit action is called on the page.
fn describe(action: &str) -> String {
    let known = match action {
        "sign_in" => "Signed in",
        "sign_out" => "Signed out",
        "sign_out_everywhere" => "Signed out everywhere",
        "reauthenticate" => "Confirmed password",
        "sign_in_passkey" => "Signed in with a passkey",
        "reauthenticate_passkey" => "Confirmed with a passkey",
        "passkey_added" => "Added a passkey",
        "passkey_removed" => "Removed a passkey",
        "passkey_refused" => "A passkey was refused",
        "passkey_copy_refused" => "Refused a copied passkey",
        "second_factor_enabled" => "Turned on two-step verification",
        "second_factor_disabled" => "Turned off two-step verification",
        "second_factor_locked" => "Two-step verification locked after wrong codes",
        "enrollment_code_issued" => "Got an enrollment code",
        "device_enrolled" => "Enrolled a device",
        "device_renamed" => "Renamed a device",
        "device_removed" => "Removed a device",
        "retire_requested" => "Asked to remove a device",
        "sync_requested" => "Asked a device to check status",
        "lock_requested" => "Locked a device",
        "wipe_requested" => "Reset a device",
        _ => "",
    };
    if !known.is_empty() {
        return known.into();
    }
    // `lock_completed`, `wipe_cancelled`, ...: the command, then what became of it.
    match action.split_once('_') {
        Some((kind, result)) => {
            let kind = match kind {
                "sync" => "Check status",
                "lock" => "Lock",
                "wipe" => "Reset device",
                "install" => "Install app",
                "uninstall" => "Uninstall app",
                "retire" => "Remove device",
                other => other,
            };
            format!("{kind}: {result}")
        }
        None => action.into(),
    }
}

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
            <h1>"Activity"</h1>
            {move || match entries.get() {
                None => view! { <p class="cp-loading" role="status">"Loading…"</p> }.into_any(),
                Some(Err(error)) => view! { <p class="cp-alert cp-alert--error" role="alert">{error.to_string()}</p> }.into_any(),
                Some(Ok(activity)) => view! {
                    <ol class="cp-activity" aria-label="Activity">
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
            <span>{describe(&entry.action)}</span>
            {failed.then(|| view! { <span class="cp-activity__outcome">{entry.outcome.replace('_', " ")}</span> })}
        </li>
    }
}
