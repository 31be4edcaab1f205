use leptos::prelude::*;

use crate::i18n::{
    self,
    msg::{header, language},
    tr,
};

/// Language: the one the portal speaks. `web-app/language.js` adds the
/// others the server has messages for, each in its own words, as the select
/// is reached, and keeps a choice for this browser: that costs the wasm nothing.
#[component]
pub fn LanguageChoice() -> impl IntoView {
    // A page without `language.js` (a component under test) offers none.
    if !js_sys::Reflect::has(&js_sys::global(), &"portalLanguage".into()).unwrap_or(false) {
        return None;
    }
    Some(view! {
        <select class="cp-language" id="language" aria-label=tr(header::LANGUAGE)>
            <option value=i18n::language() selected>{tr(language::NAME)}</option>
        </select>
    })
}
