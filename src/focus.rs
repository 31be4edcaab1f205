//! Moving the focus to what a change just showed, for keyboard and screen
//! reader users who would otherwise be left where the change began.

use leptos::prelude::*;

/// Focuses the element `id` once the page has drawn it.
pub fn soon(id: &'static str) {
    request_animation_frame(move || {
        if let Some(element) = document().get_element_by_id(id) {
            wasm_bindgen::JsCast::unchecked_into::<web_sys::HtmlElement>(element)
                .focus()
                .ok();
        }
    });
}
