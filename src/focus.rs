//! Moving the focus to what a change just showed, for keyboard and screen
//! reader users who would otherwise be left where the change began.

use leptos::prelude::*;

/// Focuses the element `id` once the page has drawn it.
pub fn soon(id: &'static str) {
    request_animation_frame(move || {
        if let Some(element) = document().get_element_by_id(id) {
            focus(element);
        }
    });
}

/// Once a new page has drawn, puts the focus on its content (`main`), where
/// a screen reader reads on and Tab goes next, as after a page load; unless
/// the page put it in there itself (a field of its own, say).
pub fn content() {
    request_animation_frame(|| {
        let document = document();
        let Some(main) = document.get_element_by_id("main") else {
            return;
        };
        if !document
            .active_element()
            .is_some_and(|active| main.contains(Some(&active)))
        {
            focus(main);
        }
    });
}

fn focus(element: web_sys::Element) {
    wasm_bindgen::JsCast::unchecked_into::<web_sys::HtmlElement>(element)
        .focus()
        .ok();
}
