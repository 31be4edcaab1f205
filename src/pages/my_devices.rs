use leptos::prelude::*;

use crate::{
    api,
    app::loading,
    components::device_list::DeviceList,
    i18n::{
        msg::{common, devices},
        tr,
    },
    live::use_live_events,
    loader::load,
    session::use_session,
};

#[component]
pub fn MyDevicesPage() -> impl IntoView {
    let live = use_live_events();
    let online = use_session().online;
    let retry = RwSignal::new(0u32);
    // Every enrollment and check-in reloads the list: it changes without a reload.
    let devices = load(move || {
        live.version.track();
        retry.track();
        api::devices::list()
    });
    view! {
        <section class="cp-page">
            <div class="cp-page__title">
                <h1>{tr(devices::MY_DEVICES)}</h1>
                // Offline, enrolling waits for the network.
                {move || if online.get() {
                    view! { <a class="cp-button cp-button--primary" href="/devices/add">{tr(devices::ADD)}</a> }.into_any()
                } else {
                    view! { <button class="cp-button cp-button--primary" type="button" disabled>{tr(devices::ADD)}</button> }.into_any()
                }}
            </div>
            {move || match devices.get() {
                None => loading(devices::LOADING),
                Some(Ok(devices)) => view! { <DeviceList devices/> }.into_any(),
                Some(Err(error)) => view! {
                    <div class="cp-alert cp-alert--error" role="alert">
                        <p>{error.to_string()}</p>
                        <button class="cp-button" type="button" on:click=move |_| retry.update(|n| *n += 1)>{tr(common::TRY_AGAIN)}</button>
                    </div>
                }.into_any(),
            }}
        </section>
    }
}
