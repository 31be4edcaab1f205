use leptos::prelude::*;
use portal_types::{App, Platform, apps::CATEGORIES};

use crate::{
    api,
    app::{error_alert, loading},
    components::app_icon::AppIcon,
    i18n::{
        Msg,
        msg::{apps as text, common, device, header, server},
        server_words, tr, trf,
    },
    labels,
    loader::load,
    router::{encode, query_pairs},
};

const PER_PAGE: u32 = 24;

/// The catalog: Featured, Categories, Search apps and a Platform filter that
/// starts at the platforms of the user's devices.
#[component]
pub fn AppsPage() -> impl IntoView {
    let devices = load(api::devices::list);
    view! {
        <section class="cp-page">
            <h1>{tr(header::APPS)}</h1>
            {move || match devices.get() {
                None => loading(text::LOADING),
                Some(Err(error)) => error_alert(error.to_string()),
                Some(Ok(devices)) => {
                    let mut mine: Vec<Platform> = devices
                        .iter()
                        .filter(|d| d.wiped_at.is_none() && !d.removal_pending)
                        .map(|d| d.platform)
                        .collect();
                    mine.sort();
                    mine.dedup();
                    view! { <Catalog mine/> }.into_any()
                }
            }}
        </section>
    }
}

/// `platform=…&` for the filter's choice: `mine`, `` (all) or one platform.
fn platform_param(choice: &str, mine: &[Platform]) -> String {
    let names: Vec<&str> = match choice {
        "" => return String::new(),
        "mine" => mine.iter().map(|p| p.as_str()).collect(),
        one => vec![one],
    };
    format!("platform={}&", names.join(","))
}

/// The catalog's choices as the address keeps them (`?q=vpn&category=HR&platform=ios`),
/// so that Back returns to the same list.
#[derive(Debug, Default, PartialEq)]
struct Choices {
    search: String,
    category: Option<&'static str>,
    /// `mine`, `` (all) or one platform's wire name; `None` for the default.
    platform: Option<String>,
}

impl Choices {
    fn parse(query: &str) -> Self {
        let mut choices = Choices::default();
        for (key, value) in query_pairs(query) {
            match key.as_str() {
                "q" => choices.search = value,
                "category" => choices.category = CATEGORIES.into_iter().find(|c| *c == value),
                "platform" => choices.platform = Some(value),
                _ => {}
            }
        }
        choices
    }

    fn query(&self) -> String {
        let mut parts = Vec::new();
        if !self.search.is_empty() {
            parts.push(format!("q={}", encode(&self.search)));
        }
        if let Some(c) = self.category {
            parts.push(format!("category={}", encode(c)));
        }
        if let Some(p) = &self.platform {
            parts.push(format!("platform={p}"));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }
}

#[component]
fn Catalog(mine: Vec<Platform>) -> impl IntoView {
    let start = Choices::parse(&window().location().search().unwrap_or_default());
    let default_platform = if mine.is_empty() {
        String::new()
    } else {
        "mine".to_string()
    };
    let search = RwSignal::new(start.search);
    let category = RwSignal::new(start.category);
    let platform = RwSignal::new(start.platform.unwrap_or_else(|| default_platform.clone()));
    let page = RwSignal::new(1u32);
    // The address follows the choices, in place: no history entry per keystroke.
    Effect::new(move |_| {
        let choices = Choices {
            search: search.get(),
            category: category.get(),
            platform: Some(platform.get()).filter(|p| *p != default_platform),
        };
        if let Ok(history) = window().history() {
            let address = format!("/apps{}", choices.query());
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&address));
        }
    });
    let mine = StoredValue::new(mine);
    let platforms = move || mine.with_value(|mine| platform_param(&platform.get(), mine));

    let results = load(move || {
        let mut query = platforms();
        let text = search.get();
        if !text.trim().is_empty() {
            query += &format!("q={}&", encode(text.trim()));
        }
        if let Some(c) = category.get() {
            query += &format!("category={}&", encode(c));
        }
        api::catalog::apps(format!("{query}page={}&per_page={PER_PAGE}", page.get()))
    });
    let featured = load(move || api::catalog::apps(format!("{}featured=true", platforms())));
    // Show more adds the next page under those shown.
    let shown = RwSignal::new(Vec::<App>::new());
    let total = RwSignal::new(0u32);
    let not_offered = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(Ok(answer)) = results.get() {
            total.set(answer.total);
            not_offered.set(answer.not_offered);
            if answer.page <= 1 {
                shown.set(answer.apps);
            } else {
                shown.update(|s| s.extend(answer.apps));
            }
        }
    });
    let browsing = move || search.with(|s| s.trim().is_empty()) && category.get().is_none();
    let heading = move || match category.get() {
        Some(c) => labels::category(c).to_string(),
        None if browsing() => tr(text::ALL_APPS).to_string(),
        None => tr(text::RESULTS).to_string(),
    };

    view! {
        {move || not_offered.get().map(|note| view! { <p class="cp-alert cp-alert--info">{server_words(server::APPS_NOT_OFFERED, note, &[])}</p> })}
        <div class="cp-catalog__filters">
            <div class="cp-field">
                <label for="app-search">{tr(text::SEARCH)}</label>
                <input
                    id="app-search"
                    type="search"
                    autocomplete="off"
                    placeholder=tr(text::SEARCH_PLACEHOLDER)
                    prop:value=move || search.get()
                    on:input=move |ev| {
                        search.set(event_target_value(&ev));
                        page.set(1);
                    }
                />
            </div>
            <div class="cp-field">
                <label for="app-platform">{tr(device::PLATFORM)}</label>
                <select
                    id="app-platform"
                    on:change=move |ev| {
                        platform.set(event_target_value(&ev));
                        page.set(1);
                    }
                >
                    {move || mine.with_value(|m| !m.is_empty()).then(|| view! {
                        <option value="mine" prop:selected=move || platform.with(|p| p == "mine")>{tr(text::MY_PLATFORMS)}</option>
                    })}
                    <option value="" prop:selected=move || platform.with(String::is_empty)>{tr(text::ALL_PLATFORMS)}</option>
                    {Platform::ALL.map(|p| view! {
                        <option value=p.as_str() prop:selected=move || platform.with(|v| v == p.as_str())>{p.label()}</option>
                    })}
                </select>
            </div>
        </div>

        {move || browsing().then(|| view! {
            <h2>{tr(text::FEATURED)}</h2>
            {move || match featured.get() {
                Some(Ok(answer)) if !answer.apps.is_empty() => view! { <AppGrid apps=answer.apps label=text::FEATURED_APPS/> }.into_any(),
                Some(Ok(_)) => view! { <p class="cp-empty">{tr(text::NO_FEATURED)}</p> }.into_any(),
                Some(Err(error)) => error_alert(error.to_string()),
                None => loading(common::LOADING),
            }}
        })}

        <h2>{tr(text::CATEGORIES)}</h2>
        <div class="cp-chips" role="group" aria-label=tr(text::CATEGORIES)>
            <button type="button" class="cp-chip" aria-pressed=move || category.get().is_none().to_string()
                on:click=move |_| { category.set(None); page.set(1); }>{tr(text::ALL)}</button>
            {CATEGORIES.map(|c| view! {
                <button type="button" class="cp-chip" aria-pressed=move || (category.get() == Some(c)).to_string()
                    on:click=move |_| { category.set(Some(c)); page.set(1); }>{labels::category(c)}</button>
            })}
        </div>

        <h2>{heading}</h2>
        <p class="cp-catalog__count" role="status">
            {move || match total.get() {
                1 => tr(text::ONE_APP).to_string(),
                n => trf(text::COUNT, &[("count", &n.to_string())]),
            }}
        </p>
        {move || match results.get() {
            Some(Err(error)) => error_alert(error.to_string()),
            None => loading(common::LOADING),
            Some(Ok(_)) if shown.with(Vec::is_empty) => view! {
                <p class="cp-empty">{tr(text::NO_MATCH)}</p>
            }.into_any(),
            Some(Ok(_)) => view! { <AppGrid apps=shown.get() label=header::APPS/> }.into_any(),
        }}
        {move || (shown.with(Vec::len) < total.get() as usize).then(|| view! {
            <button class="cp-button" type="button" on:click=move |_| page.update(|p| *p += 1)>{tr(text::SHOW_MORE)}</button>
        })}
    }
}

#[component]
fn AppGrid(apps: Vec<App>, label: Msg) -> impl IntoView {
    view! {
        <ul class="cp-app-grid" aria-label=tr(label)>
            {apps.into_iter().map(|app| view! {
                <li class="cp-app-card">
                    <AppIcon name=app.name.clone() color=app.icon_color/>
                    <div class="cp-app-card__text">
                        <a class="cp-app-card__name" href=format!("/apps/{}", app.id)>{app.name}</a>
                        <span class="cp-app-card__publisher">{app.publisher}</span>
                        {app.required.then(|| view! { <span class="cp-tag">{tr(text::REQUIRED)}</span> })}
                    </div>
                </li>
            }).collect_view()}
        </ul>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_platform_filter_becomes_a_query_parameter() {
        let mine = [Platform::Android, Platform::Macos];
        assert_eq!(platform_param("mine", &mine), "platform=android,macos&");
        assert_eq!(platform_param("ios", &mine), "platform=ios&");
        assert_eq!(platform_param("", &mine), "");
    }
}
