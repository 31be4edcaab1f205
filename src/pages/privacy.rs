use leptos::prelude::*;
use portal_types::Ownership;

use crate::{
    api,
    i18n::{
        Msg,
        msg::{device, privacy},
        tr,
    },
    loader::load,
};

/// What the organisation can see and do on a device of each ownership, and
/// what it can never see: in the portal's own words, with the
/// organisation's own privacy statement where its branding names one.
#[component]
pub fn PrivacyPage(ownership: Ownership) -> impl IntoView {
    let branding = load(api::catalog::branding);
    let statement = move || {
        let url = branding.get()?.ok()?.settings.privacy_url?;
        Some(view! { <p><a href=url>{tr(privacy::STATEMENT)}</a></p> })
    };
    let corporate = ownership == Ownership::Corporate;
    let current = |on: bool| on.then_some("page");
    let (sees, does): (&[Msg], &[Msg]) = if corporate {
        (
            &[
                privacy::DEVICE_NAME_AND_MODEL,
                privacy::OPERATING_SYSTEM_AND_VERSION,
                device::SERIAL_NUMBER,
                privacy::SECURITY_SETTINGS,
                privacy::FREE_STORAGE,
                privacy::APPS_IT_MANAGES,
                privacy::LAST_CHECK_IN,
            ],
            &[
                privacy::INSTALL_APPS,
                privacy::LOCK_THE_DEVICE,
                privacy::RESET_THE_DEVICE,
                privacy::REMOVE_THE_DEVICE,
            ],
        )
    } else {
        (
            &[
                privacy::DEVICE_NAME_AND_MODEL,
                privacy::OPERATING_SYSTEM_AND_VERSION,
                privacy::NOT_ITS_SERIAL_NUMBER,
                privacy::SECURITY_SETTINGS,
                privacy::FREE_STORAGE,
                privacy::WORK_APPS_NOT_YOURS,
                privacy::LAST_CHECK_IN,
            ],
            &[
                privacy::INSTALL_APPS,
                privacy::LOCK_THE_DEVICE,
                privacy::REMOVE_PERSONAL_DATA_STAYS,
            ],
        )
    };
    let never: &[Msg] = &[
        privacy::MESSAGES,
        privacy::PHOTOS,
        privacy::CONTACTS,
        privacy::BROWSING_HISTORY,
        privacy::PASSWORDS,
        privacy::WHERE_THE_DEVICE_IS,
        privacy::OWN_APPS,
    ];
    let list = |items: &[Msg], label: Msg| {
        view! { <ul class="cp-privacy__list" aria-label=tr(label)>{items.iter().map(|i| view! { <li>{tr(*i)}</li> }).collect_view()}</ul> }
    };
    view! {
        <section class="cp-page cp-page--narrow">
            <h1>{tr(privacy::HEADING)}</h1>
            <p>{tr(privacy::LEAD)}</p>
            {statement}
            <nav class="cp-tabs" aria-label=tr(device::OWNERSHIP)>
                <a href="/privacy/corporate" aria-current=current(corporate)>{tr(privacy::CORPORATE_DEVICE)}</a>
                <a href="/privacy/personal" aria-current=current(!corporate)>{tr(privacy::PERSONAL_DEVICE)}</a>
            </nav>
            <h2>{tr(privacy::CAN_SEE)}</h2>
            {list(sees, privacy::CAN_SEE)}
            <h2>{tr(privacy::CAN_DO)}</h2>
            {list(does, privacy::CAN_DO)}
            <h2>{tr(privacy::NEVER_SEES)}</h2>
            {list(never, privacy::NEVER_SEES)}
        </section>
    }
}
