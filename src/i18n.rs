//! The portal's words in the reader's language.
//!
//! English is built in: each message is a constant carrying its English text
//! and its place among the catalog's keys (`msg`, generated from
//! `locales/en.json`). Another language's catalog is fetched by
//! `web-app/language.js` while the wasm downloads, as an array in that
//! order, and taken here before the portal mounts: no language costs the
//! wasm a byte. `language.js` also keeps a choice made under **Language**
//! and loads the page again in it.

use std::sync::OnceLock;

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// One message: its place among the catalog's keys and its English text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Msg(pub u16, pub &'static str);

/// Every message, as constants by section: `msg::sign_in::HEADING`.
pub mod msg {
    include!(concat!(env!("OUT_DIR"), "/messages.rs"));
}

struct Language {
    tag: String,
    /// Messages by index.
    texts: Vec<&'static str>,
    /// The sentences for the server's error codes, by code.
    errors: Vec<(String, &'static str)>,
}

/// Unset: English.
static LANGUAGE: OnceLock<Language> = OnceLock::new();

/// The message in the reader's language.
pub fn tr(message: Msg) -> &'static str {
    LANGUAGE
        .get()
        .and_then(|language| language.texts.get(usize::from(message.0)).copied())
        .unwrap_or(message.1)
}

/// The message with its `{name}` placeholders filled in.
pub fn trf(message: Msg, values: &[(&str, &str)]) -> String {
    portal_types::messages::fill(tr(message), values)
}

/// The reader's sentence for a server error's stable code, outside English
/// (where the server's own sentence is the one to show).
pub fn error(code: &str) -> Option<&'static str> {
    let errors = &LANGUAGE.get()?.errors;
    errors.iter().find(|(known, _)| known == code).map(|(_, text)| *text)
}

/// A sentence the server words itself, in English: as it is for English
/// readers, else the catalog's with `values` filled in.
pub fn server_words(message: Msg, english: String, values: &[(&str, &str)]) -> String {
    if language() == "en" {
        english
    } else {
        trf(message, values)
    }
}

/// The language the portal speaks: `en`, `de`.
pub fn language() -> &'static str {
    LANGUAGE.get().map_or("en", |language| &language.tag)
}

/// The locale `Intl` writes dates and numbers in: the browser's own tag for
/// the language the portal speaks (`en-GB`, `de-AT`), so that they follow
/// the reader's region too; else the language alone. Found once: the
/// language is set before the portal mounts and never changes after.
pub fn locale() -> &'static str {
    static LOCALE: OnceLock<String> = OnceLock::new();
    LOCALE.get_or_init(|| {
        let language = language();
        leptos::prelude::window()
            .navigator()
            .languages()
            .iter()
            .filter_map(|tag| tag.as_string())
            .find(|tag| {
                tag.split('-')
                    .next()
                    .is_some_and(|primary| primary.eq_ignore_ascii_case(language))
            })
            .unwrap_or_else(|| language.to_string())
    })
}

/// The catalog `language.js` is fetching; `None` when the reader's language
/// is English, and the portal can paint at once.
pub fn pending() -> Option<JsFuture> {
    let promise = js_sys::Reflect::get(&js_sys::global(), &"portalLanguage".into()).ok()?;
    Some(JsFuture::from(promise.dyn_into::<js_sys::Promise>().ok()?))
}

/// Says the language the portal speaks in `<html lang>`, which the page
/// the server wrote may have put otherwise (Sign in, painted in the
/// reader's language before a catalog of another build was refused).
pub fn declare() {
    if let Some(root) = leptos::prelude::document().document_element() {
        let _ = root.set_attribute("lang", language());
    }
}

/// Takes the catalog `language.js` fetched: used when it was made for this
/// build's keys (its digest), else English stays.
pub fn receive(catalog: Option<JsValue>) {
    let field = |catalog: &JsValue, name: &str| js_sys::Reflect::get(catalog, &name.into()).ok();
    let Some(catalog) =
        catalog.filter(|c| field(c, "digest").and_then(|d| d.as_string()).as_deref() == Some(msg::KEYS_DIGEST))
    else {
        return;
    };
    let Some(tag) = field(&catalog, "tag").and_then(|t| t.as_string()) else {
        return;
    };
    // Kept for the page's life: every view borrows them.
    let leaked = |text: JsValue| -> &'static str { text.as_string().unwrap_or_default().leak() };
    let texts = js_sys::Array::from(&field(&catalog, "texts").unwrap_or_default())
        .iter()
        .map(leaked)
        .collect();
    let errors = field(&catalog, "errors")
        .and_then(|errors| errors.dyn_into::<js_sys::Object>().ok())
        .map(|errors| {
            js_sys::Object::entries(&errors)
                .iter()
                .map(|entry| {
                    let entry = js_sys::Array::from(&entry);
                    (entry.get(0).as_string().unwrap_or_default(), leaked(entry.get(1)))
                })
                .collect()
        })
        .unwrap_or_default();
    let _ = LANGUAGE.set(Language { tag, texts, errors });
}

#[cfg(test)]
mod tests {
    use super::{Msg, msg, tr, trf};

    #[test]
    fn english_is_built_in_and_fills_its_placeholders() {
        assert_eq!(tr(msg::devices::MY_DEVICES), "My devices");
        let removal = trf(msg::actions::RESET_ERASES, &[("name", "Lost phone")]);
        assert_eq!(removal, "Reset device erases everything on Lost phone.");
        // A value not given leaves nothing; a brace that closes nothing stays.
        assert_eq!(trf(Msg(u16::MAX, "{a}, {b} and {c"), &[("a", "x")]), "x,  and {c");
    }

    #[test]
    fn each_message_has_its_own_place() {
        let mut places = [
            msg::devices::MY_DEVICES.0,
            msg::devices::ADD.0,
            msg::sign_in::HEADING.0,
            msg::label::LOCK.0,
        ];
        places.sort_unstable();
        assert!(places.windows(2).all(|pair| pair[0] < pair[1]));
        assert_eq!(msg::KEYS_DIGEST.len(), 16);
    }
}
