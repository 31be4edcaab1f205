use leptos::prelude::*;

use crate::{api, loader::load};

/// How to reach the IT help desk; open before sign-in too.
#[component]
pub fn HelpPage() -> impl IntoView {
    let desk = load(api::catalog::help_desk);
    view! {
        <section class="cp-page cp-page--narrow">
            <h1>"Help"</h1>
            {move || match desk.get() {
                None => view! { <p class="cp-loading" role="status">"Loading…"</p> }.into_any(),
                Some(Err(error)) => view! { <p class="cp-alert cp-alert--error" role="alert">{error.to_string()}</p> }.into_any(),
                Some(Ok(desk)) => view! {
                    <h2>{desk.name}</h2>
                    <dl class="cp-facts cp-facts--contact">
                        {desk.phone.map(|phone| view! {
                            <div><dt>"Phone"</dt><dd><a href=format!("tel:{}", phone.replace(' ', ""))>{phone.clone()}</a></dd></div>
                        })}
                        {desk.email.map(|email| view! {
                            <div><dt>"Email"</dt><dd><a href=format!("mailto:{email}")>{email.clone()}</a></dd></div>
                        })}
                        {desk.website.map(|site| view! {
                            <div><dt>"Web site"</dt><dd><a href=site.clone() target="_blank" rel="noopener noreferrer">{site.clone()}</a></dd></div>
                        })}
                    </dl>
                    {desk.note.map(|note| view! { <p>{note}</p> })}
                }.into_any(),
            }}
            <p>"To see what your organisation can and cannot see on your devices, read " <a href="/privacy">"Privacy"</a> "."</p>
        </section>
    }
}
