use leptos::prelude::*;

use crate::{
    api,
    app::{error_alert, loading},
    i18n::{
        msg::{common, header, help, privacy, sign_in},
        tr,
    },
    loader::load,
};

/// How to reach the IT help desk; open before sign-in too.
#[component]
pub fn HelpPage() -> impl IntoView {
    let desk = load(api::catalog::help_desk);
    view! {
        <section class="cp-page cp-page--narrow">
            <h1>{tr(header::HELP)}</h1>
            {move || match desk.get() {
                None => loading(common::LOADING),
                Some(Err(error)) => error_alert(error.to_string()),
                Some(Ok(desk)) => view! {
                    <h2>{desk.name}</h2>
                    <dl class="cp-facts cp-facts--contact">
                        {desk.phone.map(|phone| view! {
                            <div><dt>{tr(help::PHONE)}</dt><dd><a href=format!("tel:{}", phone.replace(' ', ""))>{phone.clone()}</a></dd></div>
                        })}
                        {desk.email.map(|email| view! {
                            <div><dt>{tr(sign_in::EMAIL)}</dt><dd><a href=format!("mailto:{email}")>{email.clone()}</a></dd></div>
                        })}
                        {desk.website.map(|site| view! {
                            <div><dt>{tr(help::WEBSITE)}</dt><dd><a href=site.clone() target="_blank" rel="noopener noreferrer">{site.clone()}</a></dd></div>
                        })}
                    </dl>
                    {desk.note.map(|note| view! { <p>{note}</p> })}
                }.into_any(),
            }}
            <p>{tr(help::PRIVACY_BEFORE)} " " <a href="/privacy">{tr(privacy::HEADING)}</a> {tr(help::PRIVACY_AFTER)}</p>
        </section>
    }
}
