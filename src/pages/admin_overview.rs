//! The admin Overview: the organisation's devices counted, each count a
//! link to All devices filtered to it, and what the provisioning mode offers.

use leptos::prelude::*;
use portal_types::Overview;

use crate::{
    api,
    app::{error_alert, loading},
    i18n::{
        msg::{apps, console, device, fleet},
        tr, trf,
    },
    labels,
    loader::load,
};

#[component]
pub fn OverviewPage() -> impl IntoView {
    let overview = load(api::admin::overview);
    view! {
        <section class="cp-page cp-page--wide">
            <h1>{tr(console::OVERVIEW)}</h1>
            {move || match overview.get() {
                None => loading(fleet::LOADING_OVERVIEW),
                Some(Err(error)) => error_alert(error.to_string()),
                Some(Ok(overview)) => view! { <Tallies overview/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Tallies(overview: Overview) -> impl IntoView {
    let devices = labels::device_count;
    let days = Overview::NOT_SEEN_DAYS;
    let (mode, offers) = labels::provisioning_mode(overview.mode);
    view! {
        <div class="cp-overview">
            <section class="cp-overview__card" aria-labelledby="overview-compliance">
                <h2 id="overview-compliance">{tr(device::COMPLIANCE)}</h2>
                <p class="cp-overview__total"><a href="/admin/devices">{devices(overview.total)}</a>{tr(fleet::IN_ALL)}</p>
                <ul class="cp-overview__list">
                    {overview.compliance.into_iter().map(|c| view! {
                        <li>
                            <a href=format!("/admin/devices?compliance={}", c.state.as_str())>{labels::compliance(c.state)}</a>
                            <span class="cp-overview__count">{c.count}</span>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
            <section class="cp-overview__card" aria-labelledby="overview-platforms">
                <h2 id="overview-platforms">{tr(apps::PLATFORMS)}</h2>
                <ul class="cp-overview__list">
                    {overview.platforms.into_iter().map(|p| view! {
                        <li>
                            <a href=format!("/admin/devices?platform={}", p.platform.as_str())>{p.platform.label()}</a>
                            <span class="cp-overview__count">{p.count}</span>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
            <section class="cp-overview__card" aria-labelledby="overview-managed">
                <h2 id="overview-managed">{tr(fleet::MANAGED_BY)}</h2>
                <ul class="cp-overview__list">
                    {overview.managed_by.into_iter().map(|m| view! {
                        <li>
                            <a href=format!("/admin/devices?managed_by={}", m.managed_by.as_str())>{labels::managed_by(m.managed_by)}</a>
                            <span class="cp-overview__count">{m.count}</span>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
            <section class="cp-overview__card" aria-labelledby="overview-not-seen">
                <h2 id="overview-not-seen">{trf(fleet::NOT_SEEN_FOR_DAYS, &[("days", &days.to_string())])}</h2>
                <p class="cp-overview__total">
                    <a href=format!("/admin/devices?not_seen_days={days}&sort=last_seen")>{devices(overview.not_seen)}</a>
                </p>
                <p class="cp-lead">{tr(fleet::NOT_SEEN_LEAD)}</p>
            </section>
            <section class="cp-overview__card cp-overview__card--mode" aria-labelledby="overview-mode">
                <h2 id="overview-mode">{trf(fleet::PROVISIONING_MODE, &[("mode", &mode)])}</h2>
                <ul>
                    {offers.into_iter().map(|offer| view! { <li>{offer}</li> }).collect_view()}
                </ul>
            </section>
        </div>
    }
}
