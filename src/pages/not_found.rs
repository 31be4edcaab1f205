use leptos::prelude::*;

use crate::i18n::{
    msg::{common, not_found},
    tr,
};

#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <section class="cp-page cp-page--narrow">
            <h1>{tr(not_found::HEADING)}</h1>
            <p>{tr(not_found::BODY)}</p>
            <p><a href="/devices">{tr(common::GO_TO_MY_DEVICES)}</a></p>
        </section>
    }
}
