//! Apps, in the admin console: the catalog's editor. Add an app, edit it,
//! mark it featured or required (seeing first how many devices a required
//! app reaches), or retire it.

use leptos::prelude::*;
use portal_types::{App, AppInput, FieldErrors, Platform, apps::CATEGORIES};

use crate::{
    api,
    app::{error_alert, loading},
    components::app_icon::AppIcon,
    i18n::{
        msg::{admin_apps as text, apps as catalog, console},
        tr, trf,
    },
    labels,
    loader::load,
    task,
};

/// The app being edited: a new one, or one of the catalog's.
#[derive(Clone, PartialEq)]
enum Editing {
    New,
    App(App),
}

#[component]
pub fn AdminAppsPage() -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let apps = load(move || {
        reload.track();
        api::catalog::apps("per_page=100".into())
    });
    let editing = RwSignal::new(None::<Editing>);
    let notice = RwSignal::new(None::<String>);
    view! {
        <section class="cp-page cp-page--wide">
            <h1>{tr(text::HEADING)}</h1>
            <div class="cp-actions">
                <button class="cp-button cp-button--primary" type="button"
                    on:click=move |_| { notice.set(None); editing.set(Some(Editing::New)); }>{tr(text::ADD_APP)}</button>
            </div>
            {move || notice.get().map(|n| view! { <p class="cp-alert cp-alert--info" role="status">{n}</p> })}
            {move || editing.get().map(|e| view! { <AppEditor editing=e open=editing reload notice/> })}
            {move || match apps.get() {
                None => loading(catalog::LOADING),
                Some(Err(error)) => error_alert(error.to_string()),
                Some(Ok(page)) => view! { <AppTable apps=page.apps editing notice/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn AppTable(apps: Vec<App>, editing: RwSignal<Option<Editing>>, notice: RwSignal<Option<String>>) -> impl IntoView {
    let flag = |on: bool, word: &'static str| if on { word } else { "" };
    view! {
        <div class="cp-admin__table-wrap">
            <table class="cp-admin__table" aria-label=tr(text::CATALOG)>
                <thead><tr>
                    {[text::APP, text::CATEGORY, catalog::PLATFORMS, catalog::FEATURED, catalog::REQUIRED]
                        .map(|h| view! { <th scope="col">{tr(h)}</th> })}
                </tr></thead>
                <tbody>
                    {apps.into_iter().map(|app| {
                        let platforms = app.platforms.iter().map(|p| p.label()).collect::<Vec<_>>().join(", ");
                        let (featured, required) = (flag(app.featured, tr(catalog::FEATURED)), flag(app.required, tr(catalog::REQUIRED)));
                        let (name, category) = (app.name.clone(), app.category.clone());
                        let icon = view! { <AppIcon name=app.name.clone() color=app.icon_color.clone()/> };
                        let edit = move |_| { notice.set(None); editing.set(Some(Editing::App(app.clone()))); };
                        view! {
                            <tr>
                                <th scope="row">
                                    <span class="cp-admin__app">
                                        {icon}
                                        <button class="cp-link-button" type="button" on:click=edit>{name}</button>
                                    </span>
                                </th>
                                <td>{labels::category(&category).to_string()}</td>
                                <td class="cp-admin__wrap">{platforms}</td>
                                <td>{featured}</td>
                                <td>{required}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

fn input_of(app: &App) -> AppInput {
    AppInput {
        name: app.name.clone(),
        publisher: app.publisher.clone(),
        version: app.version.clone(),
        size_bytes: app.size_bytes,
        description: app.description.clone(),
        category: app.category.clone(),
        platforms: app.platforms.clone(),
        featured: app.featured,
        required: app.required,
        web_url: app.web_url.clone(),
        icon_color: app.icon_color.clone(),
    }
}

fn blank() -> AppInput {
    AppInput {
        name: String::new(),
        publisher: String::new(),
        version: "1.0".into(),
        size_bytes: 0,
        description: String::new(),
        category: CATEGORIES[0].into(),
        platforms: Vec::new(),
        featured: false,
        required: false,
        web_url: None,
        icon_color: "#0b5cad".into(),
    }
}

/// A text field of the form, bound to one of the draft's fields.
fn text_field(
    label: &'static str,
    id: &'static str,
    draft: RwSignal<AppInput>,
    errors: RwSignal<FieldErrors>,
    get: fn(&AppInput) -> String,
    set: fn(&mut AppInput, String),
) -> impl IntoView {
    let error = move || errors.with(|e| e.get(id).map(str::to_owned));
    view! {
        <div class="cp-field">
            <label for=format!("app-{id}")>{label}</label>
            <input id=format!("app-{id}") type="text" prop:value=move || draft.with(get)
                on:input=move |ev| draft.update(|d| set(d, event_target_value(&ev)))
                aria-invalid=move || error().is_some().to_string()/>
            {move || error().map(|m| view! { <p class="cp-field__error">{m}</p> })}
        </div>
    }
}

#[component]
fn AppEditor(
    editing: Editing,
    open: RwSignal<Option<Editing>>,
    reload: RwSignal<u32>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let (id, draft) = match &editing {
        Editing::New => (None, blank()),
        Editing::App(app) => (Some(app.id.clone()), input_of(app)),
    };
    let heading = match &editing {
        Editing::New => tr(text::ADD_APP).to_string(),
        Editing::App(app) => trf(console::EDIT_NAMED, &[("name", &app.name)]),
    };
    let label = heading.clone();
    let draft = RwSignal::new(draft);
    let errors = RwSignal::new(FieldErrors::default());
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let retiring = RwSignal::new(false);
    let id = StoredValue::new(id);
    // Asked again whenever the platforms change, while Required is ticked.
    let reach = load(move || {
        let (required, platforms) = draft.with(|d| {
            let names: Vec<_> = d.platforms.iter().map(|p| p.as_str()).collect();
            (d.required, names.join(","))
        });
        let app = id.get_value();
        async move {
            if !required {
                return Ok(None);
            }
            api::admin::required_reach(app, platforms).await.map(Some)
        }
    });
    let done = move |message: String| {
        open.set(None);
        notice.set(Some(message));
        reload.update(|n| *n += 1);
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = draft.get_untracked();
        let problems = input.field_errors();
        if !problems.is_empty() {
            errors.set(problems);
            return;
        }
        errors.set(FieldErrors::default());
        failure.set(None);
        task::run(busy, async move {
            let saved = match id.get_value() {
                None => api::admin::add_app(&input).await,
                Some(id) => api::admin::edit_app(&id, &input).await,
            };
            match saved {
                Ok(app) => done(trf(text::SAVED, &[("name", &app.name)])),
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
    let retire = move |_| {
        let Some(app) = id.get_value() else { return };
        let name = draft.with_untracked(|d| d.name.clone());
        task::run(busy, async move {
            match api::admin::retire_app(&app).await {
                Ok(()) => done(trf(text::RETIRED, &[("name", &name)])),
                Err(error) => failure.set(Some(error.to_string())),
            }
        })
    };
    let platform_box = move |platform: Platform| {
        let box_id = format!("app-platform-{}", platform.as_str());
        view! {
            <div class="cp-check">
                <input id=box_id.clone() type="checkbox"
                    prop:checked=move || draft.with(|d| d.platforms.contains(&platform))
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        draft.update(|d| {
                            d.platforms.retain(|p| *p != platform);
                            if on {
                                d.platforms.push(platform);
                                d.platforms.sort();
                            }
                        });
                    }/>
                <label for=box_id>{platform.label()}</label>
            </div>
        }
    };
    let error_of = move |field: &'static str| move || errors.with(|e| e.get(field).map(str::to_owned));
    view! {
        <form class="cp-form cp-app-editor" on:submit=submit novalidate aria-label=label>
            <h2>{heading}</h2>
            <div class="cp-app-editor__preview" aria-label=tr(text::ICON_PREVIEW)>
                {move || draft.with(|d| view! { <AppIcon name=d.name.clone() color=d.icon_color.clone() large=true/> })}
                <span>{move || draft.with(|d| d.name.clone())}</span>
            </div>
            {text_field(tr(console::NAME), "name", draft, errors, |d| d.name.clone(), |d, v| d.name = v)}
            {text_field(tr(text::PUBLISHER), "publisher", draft, errors, |d| d.publisher.clone(), |d, v| d.publisher = v)}
            {text_field(tr(catalog::VERSION), "version", draft, errors, |d| d.version.clone(), |d, v| d.version = v)}
            <div class="cp-field">
                <label for="app-description">{tr(text::DESCRIPTION)}</label>
                <textarea id="app-description" rows="3" prop:value=move || draft.with(|d| d.description.clone())
                    on:input=move |ev| draft.update(|d| d.description = event_target_value(&ev))></textarea>
                {move || error_of("description")().map(|m| view! { <p class="cp-field__error">{m}</p> })}
            </div>
            <div class="cp-field">
                <label for="app-category">{tr(text::CATEGORY)}</label>
                <select id="app-category" on:change=move |ev| draft.update(|d| d.category = event_target_value(&ev))>
                    {CATEGORIES.map(|c| view! {
                        <option value=c prop:selected=move || draft.with(|d| d.category == c)>{labels::category(c)}</option>
                    })}
                </select>
            </div>
            <fieldset class="cp-app-editor__platforms">
                <legend>{tr(catalog::PLATFORMS)}</legend>
                {Platform::ALL.map(platform_box)}
                {move || error_of("platforms")().map(|m| view! { <p class="cp-field__error">{m}</p> })}
            </fieldset>
            {text_field(tr(text::WEB_ADDRESS), "web_url", draft, errors,
                |d| d.web_url.clone().unwrap_or_default(),
                |d, v| d.web_url = Some(v.trim().to_string()).filter(|v| !v.is_empty()))}
            <div class="cp-field">
                <label for="app-icon-color">{tr(text::ICON_COLOUR)}</label>
                <input id="app-icon-color" type="color" prop:value=move || draft.with(|d| d.icon_color.clone())
                    on:input=move |ev| draft.update(|d| d.icon_color = event_target_value(&ev))/>
                {move || error_of("icon_color")().map(|m| view! { <p class="cp-field__error">{m}</p> })}
            </div>
            <div class="cp-check">
                <input id="app-featured" type="checkbox" prop:checked=move || draft.with(|d| d.featured)
                    on:change=move |ev| draft.update(|d| d.featured = event_target_checked(&ev))/>
                <label for="app-featured">{tr(catalog::FEATURED)}</label>
            </div>
            <div class="cp-check">
                <input id="app-required" type="checkbox" prop:checked=move || draft.with(|d| d.required)
                    on:change=move |ev| draft.update(|d| d.required = event_target_checked(&ev))/>
                <label for="app-required">{tr(text::REQUIRED_EXPLAINED)}</label>
            </div>
            <p class="cp-lead" role="status">
                {move || match reach.get() {
                    Some(Ok(Some(reach))) => match reach.devices {
                        0 => tr(text::REACH_NONE).to_string(),
                        1 => tr(text::REACH_ONE).to_string(),
                        n => trf(text::REACH, &[("count", &n.to_string())]),
                    },
                    Some(Err(error)) => error.to_string(),
                    _ => String::new(),
                }}
            </p>
            {move || failure.get().map(error_alert)}
            <div class="cp-actions">
                <button class="cp-button cp-button--primary" type="submit" disabled=move || busy.get()>{tr(text::SAVE_APP)}</button>
                <button class="cp-button cp-button--outline" type="button" on:click=move |_| open.set(None)>{tr(console::CANCEL)}</button>
                {id.get_value().map(|_| view! {
                    <button class="cp-button cp-button--danger" type="button" aria-expanded=move || retiring.get().to_string()
                        on:click=move |_| retiring.update(|r| *r = !*r)>{tr(text::RETIRE_APP)}</button>
                })}
            </div>
            {move || retiring.get().then(|| view! {
                <div class="cp-alert cp-alert--danger">
                    <p>{tr(text::RETIRING_EXPLAINED)}</p>
                    <button class="cp-button cp-button--danger" type="button" disabled=move || busy.get()
                        on:click=retire>{tr(text::RETIRE_IT)}</button>
                </div>
            })}
        </form>
    }
}
