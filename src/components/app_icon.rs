use leptos::prelude::*;
use portal_types::apps::initials;

/// An app's icon: its initials on its colour. Drawn by CSS, nothing fetched;
/// the colour is set through the CSSOM, which the CSP allows.
#[component]
pub fn AppIcon(name: String, color: String, #[prop(optional)] large: bool) -> impl IntoView {
    let class = if large {
        "cp-app-icon cp-app-icon--large"
    } else {
        "cp-app-icon"
    };
    view! { <span class=class aria-hidden="true" style:background-color=color>{initials(&name)}</span> }
}
