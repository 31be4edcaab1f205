use leptos::prelude::*;
use portal_types::ComplianceState;

use crate::{
    i18n::{msg::label, tr},
    labels,
};

/// The compliance state in words, with a colour and a mark that do not rely
/// on colour alone; a wiped device says Wiped instead, and one on its way out
/// of management Removing.
#[component]
pub fn ComplianceBadge(
    state: ComplianceState,
    #[prop(optional)] wiped: bool,
    #[prop(optional)] removing: bool,
) -> impl IntoView {
    let (modifier, mark, label) = match state {
        _ if wiped => ("bad", "✕", tr(label::WIPED)),
        _ if removing => ("warn", "…", tr(label::REMOVING)),
        ComplianceState::CanAccess => ("ok", "✓", labels::compliance(state)),
        ComplianceState::OutOfCompliance => ("warn", "!", labels::compliance(state)),
        ComplianceState::CannotAccess => ("bad", "✕", labels::compliance(state)),
    };
    view! {
        <span class=format!("cp-badge cp-badge--{modifier}")>
            <span class="cp-badge__mark" aria-hidden="true">{mark}</span>
            <span>{label}</span>
        </span>
    }
}
