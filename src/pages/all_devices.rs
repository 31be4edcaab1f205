//! All devices: every device of the organisation's, for administrators:
//! searched, filtered and sorted by the server, a page at a time.

use leptos::prelude::*;
use portal_types::{ComplianceState, FleetDevice, FleetPage, FleetSort, ManagedBy, Management, Ownership, Platform};

use crate::{
    api,
    app::{error_alert, loading},
    components::compliance_badge::ComplianceBadge,
    format::{date_time, relative_time},
    i18n::{
        Msg,
        msg::{apps, console, device, fleet},
        tr, trf,
    },
    labels,
    loader::load,
    router::{encode, follow_in_address, query_pairs},
};

/// The columns, in the order shown; those the server sorts on carry their sort.
const COLUMNS: [(Msg, Option<FleetSort>); 8] = [
    (console::NAME, Some(FleetSort::Name)),
    (console::USER, Some(FleetSort::User)),
    (device::PLATFORM, Some(FleetSort::Platform)),
    (device::OS_VERSION, Some(FleetSort::OsVersion)),
    (device::OWNERSHIP, Some(FleetSort::Ownership)),
    (device::COMPLIANCE, Some(FleetSort::Compliance)),
    (fleet::MANAGED_BY, None),
    (fleet::LAST_SEEN, Some(FleetSort::LastSeen)),
];

/// The compliance filter's choices: wire names, comma-separated; the
/// noncompliant first, then each state.
fn compliance_choices() -> Vec<(&'static str, String)> {
    let mut choices = vec![("out_of_compliance,cannot_access", tr(fleet::NONCOMPLIANT).to_string())];
    choices.extend(ComplianceState::ALL.map(|c| (c.as_str(), labels::compliance(c).to_string())));
    choices
}

/// The not-seen filter's choices, in days.
const NOT_SEEN_CHOICES: [&str; 3] = ["7", "30", "90"];

/// What the administrator asked for, as the address keeps it
/// (`?q=pixel&platform=android&sort=last_seen&order=desc`), so that a link
/// (from the Overview, or shared) opens the same list; the API takes the
/// same parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub search: String,
    /// Each a wire name, or empty for any.
    pub platform: String,
    pub compliance: String,
    pub ownership: String,
    pub managed_by: String,
    pub not_seen_days: String,
    pub sort: FleetSort,
    pub descending: bool,
}

impl Default for Filter {
    fn default() -> Self {
        Filter {
            search: String::new(),
            platform: String::new(),
            compliance: String::new(),
            ownership: String::new(),
            managed_by: String::new(),
            not_seen_days: String::new(),
            sort: FleetSort::Name,
            descending: false,
        }
    }
}

impl Filter {
    pub fn parse(query: &str) -> Self {
        let mut filter = Filter::default();
        for (key, value) in query_pairs(query) {
            match key.as_str() {
                "q" => filter.search = value,
                "platform" => filter.platform = value,
                "compliance" => filter.compliance = value,
                "ownership" => filter.ownership = value,
                "managed_by" => filter.managed_by = value,
                "not_seen_days" => filter.not_seen_days = value,
                "sort" => filter.sort = FleetSort::parse(&value).unwrap_or(FleetSort::Name),
                "order" => filter.descending = value == "desc",
                _ => {}
            }
        }
        filter
    }

    /// The query string, without the defaults: empty for the whole list by name.
    pub fn query(&self) -> String {
        let mut parts = Vec::new();
        let search = self.search.trim();
        if !search.is_empty() {
            parts.push(format!("q={}", encode(search)));
        }
        for (key, value) in [
            ("platform", &self.platform),
            ("compliance", &self.compliance),
            ("ownership", &self.ownership),
            ("managed_by", &self.managed_by),
            ("not_seen_days", &self.not_seen_days),
        ] {
            if !value.is_empty() {
                parts.push(format!("{key}={}", encode(value)));
            }
        }
        if self.sort != FleetSort::Name {
            parts.push(format!("sort={}", self.sort.as_str()));
        }
        if self.descending {
            parts.push("order=desc".into());
        }
        parts.join("&")
    }

    /// Sorted on `column`: the other way round when it already is.
    fn sorted_on(&self, column: FleetSort) -> Filter {
        Filter {
            descending: self.sort == column && !self.descending,
            sort: column,
            ..self.clone()
        }
    }
}

#[component]
pub fn AllDevicesPage() -> impl IntoView {
    let filter = RwSignal::new(Filter::parse(&window().location().search().unwrap_or_default()));
    // Where the next page starts; `None` for the first.
    let after = RwSignal::new(None::<String>);
    follow_in_address("/admin/devices", move || filter.with(Filter::query));
    let page = load(move || {
        let query = filter.with(Filter::query);
        let after = after.get();
        async move {
            let more = after
                .as_ref()
                .map(|a| format!("&after={}", encode(a)))
                .unwrap_or_default();
            let page = api::admin::devices(format!("{query}{more}")).await?;
            Ok((after.is_some(), page))
        }
    });
    // Show more adds the next page under the rows shown.
    let rows = RwSignal::new(Vec::<FleetDevice>::new());
    let total = RwSignal::new(None::<u64>);
    let next = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        page.with(|answer| {
            if let Some(Ok((
                appended,
                FleetPage {
                    devices,
                    total: count,
                    next: more,
                },
            ))) = answer
            {
                if *appended {
                    rows.update(|r| r.extend(devices.iter().cloned()));
                } else {
                    rows.set(devices.clone());
                }
                total.set(Some(*count));
                next.set(more.clone());
            }
        })
    });
    // A new filter starts from its first page: the cursor shown for the old
    // one goes with it, so Show more cannot mix the two.
    let change = move |update: &dyn Fn(&mut Filter)| {
        after.set(None);
        next.set(None);
        filter.update(|f| update(f));
    };

    view! {
        <section class="cp-page cp-page--wide">
            <h1>{tr(console::ALL_DEVICES)}</h1>
            <div class="cp-admin__filters" role="search" aria-label=tr(fleet::FILTER_DEVICES)>
                <div class="cp-field cp-admin__search">
                    <label for="fleet-search">{tr(fleet::SEARCH_DEVICES)}</label>
                    <input
                        id="fleet-search"
                        type="search"
                        autocomplete="off"
                        placeholder=tr(fleet::SEARCH_PLACEHOLDER)
                        prop:value=move || filter.with(|f| f.search.clone())
                        on:input=move |ev| {
                            let text = event_target_value(&ev);
                            change(&|f| f.search = text.clone());
                        }
                    />
                </div>
                <Choice id="fleet-platform" label=tr(device::PLATFORM) any=tr(apps::ALL_PLATFORMS)
                    choices=Platform::ALL.iter().map(|p| (p.as_str(), p.label().to_string())).collect()
                    value=Signal::derive(move || filter.with(|f| f.platform.clone()))
                    set=Callback::new(move |v: String| change(&|f| f.platform = v.clone()))/>
                <Choice id="fleet-compliance" label=tr(device::COMPLIANCE) any=tr(fleet::ANY_COMPLIANCE)
                    choices=compliance_choices()
                    value=Signal::derive(move || filter.with(|f| f.compliance.clone()))
                    set=Callback::new(move |v: String| change(&|f| f.compliance = v.clone()))/>
                <Choice id="fleet-ownership" label=tr(device::OWNERSHIP) any=tr(fleet::ANY_OWNERSHIP)
                    choices=[Ownership::Corporate, Ownership::Personal].iter().map(|o| (o.as_str(), labels::ownership(*o).to_string())).collect()
                    value=Signal::derive(move || filter.with(|f| f.ownership.clone()))
                    set=Callback::new(move |v: String| change(&|f| f.ownership = v.clone()))/>
                <Choice id="fleet-managed-by" label=tr(fleet::MANAGED_BY) any=tr(fleet::ANY_MANAGER)
                    choices=ManagedBy::ALL.iter().map(|m| (m.as_str(), labels::managed_by(*m).to_string())).collect()
                    value=Signal::derive(move || filter.with(|f| f.managed_by.clone()))
                    set=Callback::new(move |v: String| change(&|f| f.managed_by = v.clone()))/>
                <Choice id="fleet-not-seen" label=tr(fleet::NOT_SEEN_FOR) any=tr(fleet::ANY_TIME)
                    choices=NOT_SEEN_CHOICES.map(|days| (days, trf(fleet::NOT_SEEN_DAYS, &[("count", days)]))).to_vec()
                    value=Signal::derive(move || filter.with(|f| f.not_seen_days.clone()))
                    set=Callback::new(move |v: String| change(&|f| f.not_seen_days = v.clone()))/>
            </div>
            <div class="cp-admin__summary">
                <p class="cp-admin__count" role="status">
                    {move || total.get().map(labels::device_count)}
                </p>
                <a class="cp-button cp-button--quiet" download="all-devices.csv"
                    href=move || api::admin::devices_csv(&filter.with(Filter::query))>
                    {tr(console::EXPORT_CSV)}
                </a>
            </div>
            {move || match page.get() {
                None => loading(fleet::LOADING_DEVICES),
                Some(Err(error)) => error_alert(error.to_string()),
                Some(Ok(_)) if rows.with(Vec::is_empty) => view! {
                    <p class="cp-empty">{tr(fleet::NO_MATCH)}</p>
                }.into_any(),
                Some(Ok(_)) => view! { <FleetTable rows filter change/> }.into_any(),
            }}
            {move || next.get().map(|cursor| view! {
                <button class="cp-button" type="button" on:click=move |_| after.set(Some(cursor.clone()))>
                    {tr(apps::SHOW_MORE)}
                </button>
            })}
        </section>
    }
}

/// A filter's drop-down: `any` (every value) first, then the choices.
#[component]
fn Choice(
    id: &'static str,
    label: &'static str,
    any: &'static str,
    choices: Vec<(&'static str, String)>,
    value: Signal<String>,
    set: Callback<String>,
) -> impl IntoView {
    view! {
        <div class="cp-field">
            <label for=id>{label}</label>
            // Each option says whether it is chosen: a select's own value,
            // set before its options are there, would fall to the first.
            <select id=id on:change=move |ev| set.run(event_target_value(&ev))>
                <option value="" prop:selected=move || value.with(String::is_empty)>{any}</option>
                {choices.into_iter().map(|(choice, label)| view! {
                    <option value=choice prop:selected=move || value.with(|v| v == choice)>{label}</option>
                }).collect_view()}
            </select>
        </div>
    }
}

#[component]
fn FleetTable(
    rows: RwSignal<Vec<FleetDevice>>,
    filter: RwSignal<Filter>,
    change: impl Fn(&dyn Fn(&mut Filter)) + Copy + 'static,
) -> impl IntoView {
    let header = COLUMNS.map(|(label, sort)| match sort {
        None => view! { <th scope="col">{tr(label)}</th> }.into_any(),
        Some(column) => {
            let state = move || {
                filter.with(|f| match (f.sort == column, f.descending) {
                    (false, _) => "none",
                    (true, false) => "ascending",
                    (true, true) => "descending",
                })
            };
            view! {
                <th scope="col" aria-sort=state>
                    <button type="button" class="cp-admin__sort"
                        on:click=move |_| {
                            let sorted = filter.with(|f| f.sorted_on(column));
                            change(&|f| *f = sorted.clone());
                        }>
                        {tr(label)}
                        <span class="cp-admin__arrow" aria-hidden="true">
                            {move || match state() { "ascending" => "▲", "descending" => "▼", _ => "" }}
                        </span>
                    </button>
                </th>
            }
            .into_any()
        }
    });
    view! {
        <div class="cp-admin__table-wrap">
            <table class="cp-admin__table" aria-label=tr(console::ALL_DEVICES)>
                <thead><tr>{header.into_iter().collect_view()}</tr></thead>
                <tbody>
                    <For each=move || rows.get() key=|d| d.id.0 let:device>
                        <FleetRow device/>
                    </For>
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn FleetRow(device: FleetDevice) -> impl IntoView {
    let compliance: ComplianceState = device.compliance;
    view! {
        <tr>
            <th scope="row">
                <a class="cp-admin__device" href=format!("/admin/devices/{}", device.id)>{device.name}</a>
                <span class="cp-admin__model">{device.model}</span>
            </th>
            <td>
                <span class="cp-admin__user">{device.user_name}</span>
                <span class="cp-admin__email">{device.user_email}</span>
            </td>
            <td>{device.platform.label()}</td>
            <td>{device.os_version}</td>
            <td>{labels::ownership(device.ownership)}</td>
            <td><ComplianceBadge state=compliance wiped=device.wiped_at.is_some()/></td>
            <td>
                {labels::managed_by(device.managed_by)}
                // Registered, not managed: only Remove device reaches it.
                {(device.management == Management::Registered)
                    .then(|| view! { <span class="cp-admin__model">{labels::management(device.management)}</span> })}
            </td>
            <td><time datetime=device.last_seen.clone() title=date_time(&device.last_seen)>{relative_time(&device.last_seen)}</time></td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_keeps_what_differs_from_the_whole_list_by_name() {
        assert_eq!(Filter::default().query(), "");
        let filter = Filter {
            search: " Ada's phone ".into(),
            platform: "android".into(),
            compliance: "out_of_compliance,cannot_access".into(),
            not_seen_days: "30".into(),
            sort: FleetSort::LastSeen,
            descending: true,
            ..Filter::default()
        };
        let query = filter.query();
        assert_eq!(
            query,
            "q=Ada%27s%20phone&platform=android&compliance=out_of_compliance%2Ccannot_access\
             &not_seen_days=30&sort=last_seen&order=desc"
        );
        assert_eq!(
            Filter::parse(&format!("?{query}")),
            Filter {
                search: "Ada's phone".into(),
                ..filter
            }
        );
    }

    #[test]
    fn a_column_sorts_up_then_down() {
        let by_name = Filter::default();
        let by_user = by_name.sorted_on(FleetSort::User);
        assert_eq!((by_user.sort, by_user.descending), (FleetSort::User, false));
        let down = by_user.sorted_on(FleetSort::User);
        assert_eq!((down.sort, down.descending), (FleetSort::User, true));
        assert!(!down.sorted_on(FleetSort::User).descending);
    }
}
