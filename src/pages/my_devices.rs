use leptos::prelude::*;

use crate::{api, components::device_list::DeviceList, live::use_live_events, session::use_session};

#[component]
pub fn MyDevicesPage() -> impl IntoView {
    let session = use_session();
    let live = use_live_events();
    // Every enrollment and check-in reloads the list: it changes without a reload.
    let devices = LocalResource::new(move || {
        live.version.track();
        async move {
            let result = api::devices::list().await;
            if let Err(error) = &result {
                session.handle_error(error);
            }
            result
        }
    });
    view! {
        <section class="cp-page">
            <div class="cp-page__title">
                <h1>"My devices"</h1>
                <a class="cp-button cp-button--primary" href="/devices/add">"Add device"</a>
            </div>
            <Transition fallback=|| view! { <p class="cp-loading" role="status">"Loading your devices…"</p> }>
                {move || devices.get().map(|result| match result {
                    Ok(devices) => view! { <DeviceList devices/> }.into_any(),
                    Err(error) => view! {
                        <div class="cp-alert cp-alert--error" role="alert">
                            <p>{error.to_string()}</p>
                            <button class="cp-button" type="button" on:click=move |_| devices.refetch()>"Try again"</button>
                        </div>
                    }.into_any(),
                })}
            </Transition>
        </section>
    }
}
