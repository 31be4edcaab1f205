use std::future::Future;

use leptos::prelude::*;
use portal_types::{Command, CommandKind, CommandState};

use crate::{
    api::{self, ClientResult},
    app::{error_alert, loading},
    format,
    i18n::{
        msg::{common, timeline},
        tr, trf,
    },
    labels,
    live::use_live_events,
    loader::load,
    session::use_session,
    task,
};

/// Each step a command reached, with its time.
fn steps(command: &Command) -> Vec<(&'static str, String)> {
    let mut steps = vec![(
        labels::command_state(CommandState::Requested),
        command.requested_at.clone(),
    )];
    if let Some(at) = &command.delivered_at {
        steps.push((labels::command_state(CommandState::Delivered), at.clone()));
    }
    if let Some(at) = &command.acknowledged_at {
        steps.push((labels::command_state(CommandState::Acknowledged), at.clone()));
    }
    if command.state.is_final()
        && let Some(at) = &command.finished_at
    {
        steps.push((labels::command_state(command.state), at.clone()));
    }
    steps
}

/// The device's remote actions, newest first, each with its timeline; live.
#[component]
pub fn Timeline(device: String) -> impl IntoView {
    let live = use_live_events();
    let commands = load({
        let device = device.clone();
        move || {
            live.version.track();
            api::commands::list(device.clone())
        }
    });
    let device = StoredValue::new(device);
    view! {
        <h2>{tr(timeline::HEADING)}</h2>
        {move || match commands.get() {
            None => loading(common::LOADING),
            Some(Err(error)) => error_alert(error.to_string()),
            Some(Ok(commands)) if commands.is_empty() => view! { <p>{tr(timeline::NONE)}</p> }.into_any(),
            Some(Ok(commands)) => view! {
                <ol class="cp-timeline" aria-label=tr(timeline::HEADING)>
                    {commands.into_iter().map(|c| view! { <TimelineEntry command=c device=device.get_value()/> }).collect_view()}
                </ol>
            }.into_any(),
        }}
    }
}

/// One command: what it is, where it stands, each step it reached, and
/// Cancel reset while the user's own reset is not yet taken.
#[component]
pub fn TimelineEntry(command: Command, device: String) -> impl IntoView {
    // An administrator's reset is theirs to take back.
    let cancellable =
        command.kind == CommandKind::Wipe && command.state == CommandState::Requested && command.requested_by.is_none();
    let id = command.id.to_string();
    let cancel = move || {
        let (device, id) = (device.clone(), id.clone());
        async move { api::commands::cancel(&device, &id).await.map(drop) }
    };
    let name = labels::command(command.kind);
    view! {
        <li class=format!("cp-timeline__entry cp-timeline__entry--{}", command.state.as_str()) aria-label=name>
            <p class="cp-timeline__title">
                <strong>{name}</strong> {command.app_name.as_ref().map(|name| format!(" {name}"))} " · " {labels::command_state(command.state)}
            </p>
            {command.requested_by.clone().map(|admin| view! {
                <p class="cp-timeline__by">
                    {trf(timeline::REQUESTED_BY, &[("admin", &admin)])}
                    {command.reason.clone().map(|reason| format!(": {reason}"))}
                </p>
            })}
            {command.failure_reason.clone().map(|reason| view! { <p>{reason}</p> })}
            <ol class="cp-timeline__steps">
                {steps(&command).into_iter().map(|(step, at)| view! {
                    <li>{step} " " <time datetime=at.clone()>{format::date_time(&at)}</time></li>
                }).collect_view()}
            </ol>
            {cancellable.then(|| view! { <CancelReset cancel/> })}
        </li>
    }
}

/// Cancel reset, and why it failed if it did: `cancel` asks the server to
/// take back the reset (the owner's own, or anyone's from the console).
#[component]
pub fn CancelReset<F, Fut>(cancel: F) -> impl IntoView
where
    F: Fn() -> Fut + 'static,
    Fut: Future<Output = ClientResult<()>> + 'static,
{
    let busy = RwSignal::new(false);
    let online = use_session().online;
    let error = RwSignal::new(None::<String>);
    let click = move |_| {
        error.set(None);
        let request = cancel();
        task::run(busy, async move {
            if let Err(e) = request.await {
                error.set(Some(e.to_string()));
            }
        })
    };
    view! {
        <button class="cp-button" type="button" on:click=click disabled=move || busy.get() || !online.get()>{tr(timeline::CANCEL_RESET)}</button>
        {move || error.get().map(error_alert)}
    }
}
