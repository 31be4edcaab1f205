//! The audit log, for administrators: every entry, newest first, filtered
//! by actor, action, device, user and time, a page at a time.

use leptos::prelude::*;
use portal_types::{AuditEntry, AuditPage};

use crate::{
    actions::{describe, outcome},
    api,
    app::{error_alert, loading},
    format,
    i18n::{
        Msg,
        msg::{apps, audit_log as text, console, fleet},
        tr,
    },
    loader::load,
    router::{encode, follow_in_address, query_pairs},
};

/// The filters: query parameter, label, input type, hint.
const FIELDS: [(&str, Msg, &str, Option<Msg>); 6] = [
    ("actor", text::ACTOR, "email", Some(text::ACTOR_HINT)),
    ("action", console::ACTION, "text", Some(text::ACTION_HINT)),
    ("device", text::DEVICE, "text", Some(text::DEVICE_HINT)),
    ("user", console::USER, "email", Some(text::USER_HINT)),
    ("from", text::FROM, "date", None),
    ("to", text::TO, "date", None),
];

/// The filters' values, in the order of [`FIELDS`], as the address keeps them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditFilter([String; FIELDS.len()]);

impl AuditFilter {
    pub fn parse(query: &str) -> Self {
        let mut filter = AuditFilter::default();
        for (key, value) in query_pairs(query) {
            if let Some(at) = FIELDS.iter().position(|(name, ..)| *name == key) {
                filter.0[at] = value;
            }
        }
        filter
    }

    /// The query string of the filters given, in the order of [`FIELDS`].
    pub fn query(&self) -> String {
        FIELDS
            .iter()
            .zip(&self.0)
            .filter(|(_, value)| !value.trim().is_empty())
            .map(|((name, ..), value)| format!("{name}={}", encode(value.trim())))
            .collect::<Vec<_>>()
            .join("&")
    }
}

#[component]
pub fn AuditLogPage() -> impl IntoView {
    let filter = RwSignal::new(AuditFilter::parse(&window().location().search().unwrap_or_default()));
    let before = RwSignal::new(None::<i64>);
    follow_in_address("/admin/audit", move || filter.with(AuditFilter::query));
    let page = load(move || {
        let query = filter.with(AuditFilter::query);
        let before = before.get();
        async move {
            let more = before.map(|b| format!("&before={b}")).unwrap_or_default();
            let page = api::admin::audit(format!("{query}{more}")).await?;
            Ok((before.is_some(), page))
        }
    });
    let entries = RwSignal::new(Vec::<AuditEntry>::new());
    let next = RwSignal::new(None::<i64>);
    Effect::new(move |_| {
        page.with(|answer| {
            if let Some(Ok((
                appended,
                AuditPage {
                    entries: more,
                    next: after,
                },
            ))) = answer
            {
                if *appended {
                    entries.update(|e| e.extend(more.iter().cloned()));
                } else {
                    entries.set(more.clone());
                }
                next.set(*after);
            }
        })
    });

    view! {
        <section class="cp-page cp-page--wide">
            <h1>{tr(console::AUDIT_LOG)}</h1>
            <p class="cp-lead">{tr(text::LEAD)}</p>
            <div class="cp-admin__filters" role="search" aria-label=tr(text::FILTER)>
                {FIELDS.into_iter().enumerate().map(|(at, (name, label, kind, hint))| {
                    let id = format!("audit-{name}");
                    view! {
                        <div class="cp-field">
                            <label for=id.clone()>{tr(label)}</label>
                            <input id=id type=kind autocomplete="off" placeholder=hint.map_or("", tr)
                                prop:value=move || filter.with(|f| f.0[at].clone())
                                on:change=move |ev| {
                                    let value = event_target_value(&ev);
                                    before.set(None);
                                    next.set(None);
                                    filter.update(|f| f.0[at] = value);
                                }/>
                        </div>
                    }
                }).collect_view()}
            </div>
            <div class="cp-admin__summary">
                <span></span>
                <a class="cp-button cp-button--quiet" download="audit-log.csv"
                    href=move || api::admin::audit_csv(&filter.with(AuditFilter::query))>
                    {tr(console::EXPORT_CSV)}
                </a>
            </div>
            {move || match page.get() {
                None => loading(text::LOADING),
                Some(Err(error)) => error_alert(error.to_string()),
                Some(Ok(_)) if entries.with(Vec::is_empty) => view! {
                    <p class="cp-empty" role="status">{tr(text::NO_MATCH)}</p>
                }.into_any(),
                Some(Ok(_)) => view! { <AuditTable entries label=tr(console::AUDIT_LOG)/> }.into_any(),
            }}
            {move || next.get().map(|older| view! {
                <button class="cp-button" type="button" on:click=move |_| before.set(Some(older))>{tr(apps::SHOW_MORE)}</button>
            })}
        </section>
    }
}

/// Audit entries, newest first, in a table named `label`.
#[component]
pub fn AuditTable(entries: RwSignal<Vec<AuditEntry>>, label: &'static str) -> impl IntoView {
    // Its rows hold no link: the wrap itself takes focus, so that a keyboard
    // scrolls it sideways on a narrow screen.
    view! {
        <div class="cp-admin__table-wrap" tabindex="0" role="region" aria-label=label>
            <table class="cp-admin__table" aria-label=label>
                <thead>
                    <tr>
                        {[text::TIME, text::ACTOR, console::ACTION, text::SUBJECT, text::SOURCE, text::OUTCOME, fleet::REASON]
                            .map(|h| view! { <th scope="col">{tr(h)}</th> })}
                    </tr>
                </thead>
                <tbody>
                    <For each=move || entries.get() key=|e| e.id let:entry>
                        <tr>
                            <td><time datetime=entry.at.clone()>{format::date_time(&entry.at)}</time></td>
                            <td>{entry.actor.unwrap_or_default()}</td>
                            <th scope="row">
                                <span class="cp-admin__device">{describe(&entry.action)}</span>
                                <code class="cp-admin__model">{entry.action}</code>
                            </th>
                            <td>{entry.subject.unwrap_or_default()}</td>
                            <td>{entry.source.unwrap_or_default()}</td>
                            <td>{outcome(&entry.outcome)}</td>
                            <td class="cp-admin__wrap">{entry.detail.unwrap_or_default()}</td>
                        </tr>
                    </For>
                </tbody>
            </table>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::AuditFilter;

    #[test]
    fn the_address_keeps_the_filters_given_in_a_fixed_order() {
        let filter = AuditFilter::parse("?to=2026-12-05&actor=ada%40example.com&colour=red&action=");
        assert_eq!(filter.query(), "actor=ada%40example.com&to=2026-12-05");
        assert_eq!(
            AuditFilter::parse(&filter.query()),
            AuditFilter::parse("actor=ada@example.com&to=2026-12-05")
        );
        assert_eq!(AuditFilter::default().query(), "");
    }
}
