use leptos::prelude::*;
use portal_types::ComplianceState;

/// The compliance state in words, with a colour and a mark that do not rely
/// on colour alone; a wiped device says Wiped instead.
#[component]
pub fn ComplianceBadge(state: ComplianceState, #[prop(optional)] wiped: bool) -> impl IntoView {
    let (modifier, mark, label) = match state {
        _ if wiped => ("bad", "✕", "Wiped"),
        ComplianceState::CanAccess => ("ok", "✓", state.label()),
        ComplianceState::OutOfCompliance => ("warn", "!", state.label()),
        ComplianceState::CannotAccess => ("bad", "✕", state.label()),
    };
    view! {
        <span class=format!("cp-badge cp-badge--{modifier}")>
            <span class="cp-badge__mark" aria-hidden="true">{mark}</span>
            <span>{label}</span>
        </span>
    }
}
