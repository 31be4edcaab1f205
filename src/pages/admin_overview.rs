//! The admin Overview: the organisation's devices counted, each count a
//! link to All devices filtered to it, and what the provisioning mode offers.

use leptos::prelude::*;
use portal_types::Overview;

use crate::{api, labels, loader::load};

#[component]
pub fn OverviewPage() -> impl IntoView {
    let overview = load(api::admin::overview);
    view! {
        <section class="cp-page cp-page--wide">
            <h1>"Overview"</h1>
            {move || match overview.get() {
                None => view! { <p class="cp-loading" role="status">"Loading the overview…"</p> }.into_any(),
                Some(Err(error)) => view! { <p class="cp-alert cp-alert--error" role="alert">{error.to_string()}</p> }.into_any(),
                Some(Ok(overview)) => view! { <Tallies overview/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Tallies(overview: Overview) -> impl IntoView {
    let devices = |n: u64| {
        if n == 1 {
            "1 device".to_string()
        } else {
            format!("{n} devices")
        }
    };
    let days = Overview::NOT_SEEN_DAYS;
    view! {
        <div class="cp-overview">
            <section class="cp-overview__card" aria-labelledby="overview-compliance">
                <h2 id="overview-compliance">"Compliance"</h2>
                <p class="cp-overview__total"><a href="/admin/devices">{devices(overview.total)}</a>" in all"</p>
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
                <h2 id="overview-platforms">"Platforms"</h2>
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
                <h2 id="overview-managed">"Managed by"</h2>
                <ul class="cp-overview__list">
                    {overview.managed_by.into_iter().map(|m| view! {
                        <li>
                            <a href=format!("/admin/devices?managed_by={}", m.managed_by.as_str())>{m.managed_by.label()}</a>
                            <span class="cp-overview__count">{m.count}</span>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
            <section class="cp-overview__card" aria-labelledby="overview-not-seen">
                <h2 id="overview-not-seen">{format!("Not seen for {days} days")}</h2>
                <p class="cp-overview__total">
                    <a href=format!("/admin/devices?not_seen_days={days}&sort=last_seen")>{devices(overview.not_seen)}</a>
                </p>
                <p class="cp-lead">"No check-in for that long: lost, stored away, or no longer used."</p>
            </section>
            <section class="cp-overview__card cp-overview__card--mode" aria-labelledby="overview-mode">
                <h2 id="overview-mode">{format!("Provisioning mode: {}", overview.mode.name)}</h2>
                <ul>
                    {overview.mode.offers.into_iter().map(|offer| view! { <li>{offer}</li> }).collect_view()}
                </ul>
            </section>
        </div>
    }
}
