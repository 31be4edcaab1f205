use leptos::prelude::*;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <section class="cp-page cp-page--narrow">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. It may have moved, or the link may be mistyped."</p>
            <p><a href="/devices">"Go to My devices"</a></p>
        </section>
    }
}
