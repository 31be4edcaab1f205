//! The compliance badge: the state in words, a mark that does not rely on colour.

use leptos::prelude::*;
use portal::components::compliance_badge::ComplianceBadge;
use portal_types::ComplianceState;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::{find, mounted, texts};

/// The badge's class, its mark (hidden from screen readers) and its words.
async fn badge(state: ComplianceState, wiped: bool, removing: bool) -> (String, String, String) {
    let root = mounted(move || view! { <ComplianceBadge state wiped removing/> }).await;
    let mark = find(&root, ".cp-badge__mark");
    assert_eq!(mark.get_attribute("aria-hidden").as_deref(), Some("true"));
    (
        find(&root, ".cp-badge").class_name(),
        mark.text_content().unwrap(),
        texts(&root, ".cp-badge > span:not([aria-hidden])").concat(),
    )
}

#[wasm_bindgen_test]
async fn each_compliance_state_has_its_words_colour_and_mark() {
    let expected = [
        (ComplianceState::CanAccess, "cp-badge cp-badge--ok", "✓", "Can access"),
        (
            ComplianceState::OutOfCompliance,
            "cp-badge cp-badge--warn",
            "!",
            "Out of compliance",
        ),
        (
            ComplianceState::CannotAccess,
            "cp-badge cp-badge--bad",
            "✕",
            "Cannot access",
        ),
    ];
    for (state, class, mark, words) in expected {
        assert_eq!(
            badge(state, false, false).await,
            (class.into(), mark.into(), words.into())
        );
    }
}

#[wasm_bindgen_test]
async fn wiped_outranks_removing_which_outranks_compliance() {
    let wiped = badge(ComplianceState::CanAccess, true, true).await;
    assert_eq!(wiped, ("cp-badge cp-badge--bad".into(), "✕".into(), "Wiped".into()));
    let removing = badge(ComplianceState::CannotAccess, false, true).await;
    assert_eq!(
        removing,
        ("cp-badge cp-badge--warn".into(), "…".into(), "Removing".into())
    );
}
