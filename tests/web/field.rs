//! A form field: its label, and its message tied to the input for screen readers.

use leptos::prelude::*;
use portal::components::field::Field;
use portal_types::FieldErrors;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::{find, mounted, texts, type_into};

#[wasm_bindgen_test]
async fn a_fields_message_is_announced_with_its_input_and_its_value_follows_typing() {
    let (value, errors) = (RwSignal::new(String::new()), RwSignal::new(FieldErrors::default()));
    let root = mounted(move || view! { <Field label="Device name" id="name" value errors/> }).await;
    assert_eq!(find(&root, "label").get_attribute("for").as_deref(), Some("name"));
    let input = find(&root, "input");
    assert_eq!(input.get_attribute("aria-invalid").as_deref(), Some("false"));
    assert_eq!(input.get_attribute("aria-describedby"), None);

    let mut refused = FieldErrors::default();
    refused.add("name", "device_name_too_long", "Use at most 64 characters.");
    errors.set(refused);
    leptos::task::tick().await;
    assert_eq!(input.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert_eq!(input.get_attribute("aria-describedby").as_deref(), Some("name-error"));
    assert_eq!(texts(&root, "#name-error"), ["Use at most 64 characters."]);

    type_into(&root, "name", "Work phone");
    assert_eq!(value.get_untracked(), "Work phone");
}
