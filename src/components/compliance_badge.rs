use leptos::prelude::*;
use portal_types::ComplianceState;

/// The compliance state in words, with a colour and a mark that do not rely on colour alone.
#[component]
pub fn ComplianceBadge(state: ComplianceState) -> impl IntoView {
    let (modifier, mark) = match state {
        ComplianceState::CanAccess => ("ok", "✓"),
        ComplianceState::OutOfCompliance => ("warn", "!"),
        ComplianceState::CannotAccess => ("bad", "✕"),
    };
    view! {
        <span class=format!("cp-badge cp-badge--{modifier}")>
            <span class="cp-badge__mark" aria-hidden="true">{mark}</span>
            <span>{state.label()}</span>
        </span>
    }
}
