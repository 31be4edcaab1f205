//! Published apps: the corporate web apps the gateway lets through, each
//! with who may open it and how strictly that is applied.

use leptos::prelude::*;
use portal_types::{AccessRule, Enforcement, FieldErrors, PublishedApp, PublishedAppsResponse};

use crate::{
    api,
    app::{error_alert, loading},
    components::field::Field,
    i18n::{
        Msg,
        msg::{actions, console, published as text},
        tr, trf,
    },
    loader::load,
    task,
};

/// The rule's parts, as the form's checkboxes say them.
const PARTS: [(&str, Msg); 5] = [
    ("signed_in", text::SIGNED_IN),
    ("registered_device", text::REGISTERED_DEVICE),
    ("compliant_device", text::COMPLIANT_DEVICE),
    ("second_factor", text::SECOND_FACTOR),
    ("device_counts_as_second_factor", text::DEVICE_COUNTS_AS_SECOND_FACTOR),
];

fn part<'a>(rule: &'a mut AccessRule, name: &str) -> &'a mut bool {
    match name {
        "signed_in" => &mut rule.signed_in,
        "registered_device" => &mut rule.registered_device,
        "compliant_device" => &mut rule.compliant_device,
        "second_factor" => &mut rule.second_factor,
        _ => &mut rule.device_counts_as_second_factor,
    }
}

/// Whether the rule's part named `name` is on.
fn is_on(mut rule: AccessRule, name: &str) -> bool {
    *part(&mut rule, name)
}

/// The rule in words, for the list.
fn summary(rule: AccessRule) -> String {
    let on: Vec<&str> = PARTS
        .iter()
        .filter(|(name, _)| is_on(rule, name))
        .map(|(_, words)| tr(*words))
        .collect();
    if on.is_empty() {
        tr(text::ANYONE).into()
    } else {
        on.join(", ")
    }
}

fn mode(enforcement: Enforcement) -> &'static str {
    match enforcement {
        Enforcement::Required => tr(text::MODE_REQUIRED),
        Enforcement::Audit => tr(text::MODE_AUDIT),
        Enforcement::Off => tr(text::MODE_OFF),
    }
}

#[component]
pub fn AdminPublishedAppsPage() -> impl IntoView {
    let saved = RwSignal::new(None::<PublishedAppsResponse>);
    let current = load(api::admin::published_apps);
    let status = RwSignal::new(None::<String>);
    // The app being edited; none: the form publishes a new one.
    let editing = RwSignal::new(None::<PublishedApp>);
    view! {
        <section class="cp-page cp-page--wide">
            <h1>{tr(console::PUBLISHED_APPS)}</h1>
            <p class="cp-lead">{tr(text::LEAD)}</p>
            <p role="status">{move || status.get()}</p>
            {move || match saved.get().map(Ok).or_else(|| current.get()) {
                None => loading(text::LOADING),
                Some(Err(error)) => error_alert(error.to_string()),
                Some(Ok(published)) => {
                    let gateway = published.gateway_url.clone();
                    view! {
                        {match &gateway {
                            Some(url) => view! { <p>{tr(text::GATEWAY)}" "<code>{url.clone()}</code></p> }.into_any(),
                            None => view! { <p class="cp-alert cp-alert--info">{tr(text::GATEWAY_OFF)}</p> }.into_any(),
                        }}
                        {list(published.apps.clone(), gateway, editing, saved, status)}
                        {move || editor(editing.get(), editing, saved, status)}
                    }.into_any()
                }
            }}
        </section>
    }
}

/// Reads the list again after a change, and says what happened.
fn reload(saved: RwSignal<Option<PublishedAppsResponse>>, status: RwSignal<Option<String>>, done: String) {
    leptos::task::spawn_local(async move {
        match api::admin::published_apps().await {
            Ok(published) => {
                saved.set(Some(published));
                status.set(Some(done));
            }
            Err(error) => status.set(Some(error.to_string())),
        }
    });
}

fn list(
    apps: Vec<PublishedApp>,
    gateway: Option<String>,
    editing: RwSignal<Option<PublishedApp>>,
    saved: RwSignal<Option<PublishedAppsResponse>>,
    status: RwSignal<Option<String>>,
) -> impl IntoView {
    if apps.is_empty() {
        return view! { <p>{tr(text::NONE)}</p> }.into_any();
    }
    let rows = apps
        .into_iter()
        .map(|app| {
            let name = app.name.clone();
            let address = gateway.as_ref().map(|url| format!("{url}{}", app.prefix));
            let stop = {
                let name = name.clone();
                move |_| {
                    let name = name.clone();
                    leptos::task::spawn_local(async move {
                        match api::admin::unpublish_app(&name).await {
                            Ok(()) => reload(saved, status, trf(text::UNPUBLISHED, &[("name", &name)])),
                            Err(error) => status.set(Some(error.to_string())),
                        }
                    });
                }
            };
            let shown = name.clone();
            let edited = app.clone();
            view! {
                <tr>
                    <th scope="row">{match address {
                        Some(href) => view! { <a href=href>{name.clone()}</a> }.into_any(),
                        None => name.clone().into_any(),
                    }}</th>
                    <td><code>{app.prefix.clone()}</code></td>
                    <td><code>{app.upstream.clone()}</code></td>
                    <td>{summary(app.rule)}</td>
                    <td>{mode(app.enforcement)}</td>
                    <td class="cp-actions">
                        <button class="cp-button cp-button--outline" type="button"
                            aria-label=trf(console::EDIT_NAMED, &[("name", &shown)]) on:click=move |_| {
                                editing.set(Some(edited.clone()));
                                crate::focus::soon("prefix");
                            }>{tr(text::EDIT)}</button>
                        <button class="cp-button cp-button--danger" type="button"
                            aria-label=trf(text::STOP_PUBLISHING_NAMED, &[("name", &shown)]) on:click=stop>{tr(text::STOP_PUBLISHING)}</button>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="cp-admin__table-wrap">
            <table class="cp-admin__table">
                <caption>{tr(console::PUBLISHED_APPS)}</caption>
                <thead><tr>
                    <th scope="col">{tr(console::NAME)}</th><th scope="col">{tr(text::PATH)}</th><th scope="col">{tr(text::UPSTREAM)}</th>
                    <th scope="col">{tr(text::WHO_MAY_OPEN)}</th><th scope="col">{tr(text::ENFORCEMENT)}</th>
                    <th scope="col">{tr(actions::HEADING)}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// Publishes a new app, or changes `app`.
fn editor(
    app: Option<PublishedApp>,
    editing: RwSignal<Option<PublishedApp>>,
    saved: RwSignal<Option<PublishedAppsResponse>>,
    status: RwSignal<Option<String>>,
) -> impl IntoView {
    let editing_now = app.is_some();
    let app = app.unwrap_or(PublishedApp {
        name: String::new(),
        prefix: String::new(),
        upstream: String::new(),
        rule: AccessRule::REGISTERED_COMPLIANT_DEVICE,
        enforcement: Enforcement::Required,
    });
    let heading = if editing_now {
        trf(console::EDIT_NAMED, &[("name", &app.name)])
    } else {
        tr(text::PUBLISH_APP).to_string()
    };
    let (name, prefix, upstream) = (
        RwSignal::new(app.name),
        RwSignal::new(app.prefix),
        RwSignal::new(app.upstream),
    );
    let rule = RwSignal::new(app.rule);
    let enforcement = RwSignal::new(app.enforcement);
    let errors = RwSignal::new(FieldErrors::default());
    let failure = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        failure.set(None);
        let app = PublishedApp {
            name: name.get_untracked(),
            prefix: prefix.get_untracked(),
            upstream: upstream.get_untracked(),
            rule: rule.get_untracked(),
            enforcement: enforcement.get_untracked(),
        };
        task::run(busy, async move {
            match api::admin::publish_app(&app).await {
                Ok(app) => {
                    editing.set(None);
                    reload(saved, status, trf(text::PUBLISHED_NAMED, &[("name", &app.name)]));
                }
                Err(error) => {
                    errors.set(error.fields());
                    failure.set(Some(error.to_string()));
                }
            }
        })
    };
    let boxes = PARTS.map(|(part_name, words)| {
        let box_id = format!("rule-{part_name}");
        view! {
            <div class="cp-check">
                <input id=box_id.clone() type="checkbox"
                    prop:checked=move || is_on(rule.get(), part_name)
                    on:change=move |ev| rule.update(|r| *part(r, part_name) = event_target_checked(&ev))/>
                <label for=box_id>{tr(words)}</label>
            </div>
        }
    });
    view! {
        <form class="cp-form" on:submit=submit novalidate aria-labelledby="published-app-form">
            <h2 id="published-app-form">{heading}</h2>
            {(!editing_now).then(|| view! { <Field label=tr(console::NAME) id="name" value=name errors=errors/> })}
            <Field label=tr(text::PATH_EXAMPLE) id="prefix" value=prefix errors=errors/>
            <Field label=tr(text::UPSTREAM_ADDRESS) id="upstream" kind="url" value=upstream errors=errors/>
            <fieldset>
                <legend>{tr(text::WHO_MAY_OPEN)}</legend>
                {boxes}
            </fieldset>
            <div class="cp-field">
                <label for="enforcement">{tr(text::ENFORCEMENT)}</label>
                <select id="enforcement"
                    on:change=move |ev| if let Some(mode) = Enforcement::parse(&event_target_value(&ev)) { enforcement.set(mode) }>
                    {[
                        (Enforcement::Required, tr(text::MODE_REQUIRED_EXPLAINED)),
                        (Enforcement::Audit, tr(text::MODE_AUDIT_EXPLAINED)),
                        (Enforcement::Off, tr(text::MODE_OFF_EXPLAINED)),
                    ].map(|(mode, words)| view! {
                        <option value=mode.as_str() selected=enforcement.get_untracked() == mode>{words}</option>
                    })}
                </select>
            </div>
            {move || failure.get().map(error_alert)}
            <div class="cp-actions">
                <button class="cp-button cp-button--primary" type="submit" disabled=move || busy.get()>{tr(text::PUBLISH)}</button>
                {editing_now.then(|| view! {
                    <button class="cp-button cp-button--outline" type="button" on:click=move |_| editing.set(None)>{tr(console::CANCEL)}</button>
                })}
            </div>
        </form>
    }
}
