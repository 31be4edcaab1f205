use leptos::prelude::*;
use portal_types::Ownership;

use crate::{api, loader::load};

/// What the organisation can see and do on a device of each ownership, and
/// what it can never see: in the portal's own words, with the
/// organisation's own privacy statement where its branding names one.
#[component]
pub fn PrivacyPage(ownership: Ownership) -> impl IntoView {
    let branding = load(api::catalog::branding);
    let statement = move || {
        let url = branding.get()?.ok()?.settings.privacy_url?;
        Some(view! { <p><a href=url>"Your organisation's privacy statement"</a></p> })
    };
    let corporate = ownership == Ownership::Corporate;
    let current = |on: bool| on.then_some("page");
    let (sees, does): (&[&str], &[&str]) = if corporate {
        (
            &[
                "Device name and model",
                "Operating system and version",
                "Serial number",
                "Encryption, passcode and whether the device is jailbroken or rooted",
                "Free storage",
                "The apps it manages on the device, and their versions",
                "When the device last checked in, and its certificate",
            ],
            &[
                "Install and remove work apps",
                "Lock the device",
                "Reset the device to factory settings, erasing everything on it",
                "Remove the device, taking its work apps and data off it",
            ],
        )
    } else {
        (
            &[
                "Device name and model",
                "Operating system and version",
                "Not its serial number",
                "Encryption, passcode and whether the device is jailbroken or rooted",
                "Free storage",
                "The work apps it manages on the device, and their versions: not your own apps",
                "When the device last checked in, and its certificate",
            ],
            &[
                "Install and remove work apps",
                "Lock the device",
                "Remove the device, taking its work apps and data off it; your personal data stays",
            ],
        )
    };
    let never: &[&str] = &[
        "Personal email, messages and call history",
        "Photos, videos and personal files",
        "Contacts and personal calendars",
        "Browsing history",
        "Passwords",
        "Where the device is",
        "Apps you installed yourself",
    ];
    let list = |items: &[&'static str], label: &'static str| {
        view! { <ul class="cp-privacy__list" aria-label=label>{items.iter().map(|i| view! { <li>{*i}</li> }).collect_view()}</ul> }
    };
    view! {
        <section class="cp-page cp-page--narrow">
            <h1>"Privacy"</h1>
            <p>"Your organisation manages your devices through this portal. Here is what that lets it see and do."</p>
            {statement}
            <nav class="cp-tabs" aria-label="Ownership">
                <a href="/privacy/corporate" aria-current=current(corporate)>"Corporate device"</a>
                <a href="/privacy/personal" aria-current=current(!corporate)>"Personal device"</a>
            </nav>
            <h2>"What your organisation can see"</h2>
            {list(sees, "What your organisation can see")}
            <h2>"What your organisation can do"</h2>
            {list(does, "What your organisation can do")}
            <h2>"What your organisation can never see"</h2>
            {list(never, "What your organisation can never see")}
        </section>
    }
}
