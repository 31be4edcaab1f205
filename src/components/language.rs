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
    view! {
        <select class="cp-language" aria-label=tr(header::LANGUAGE)>
            <option value=i18n::language() selected>{tr(language::NAME)}</option>
        </select>
    }
}
