use leptos::prelude::*;
use portal_types::FieldErrors;

/// A labelled input with its message underneath, tied together for screen readers.
#[component]
pub fn Field(
    label: &'static str,
    id: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    value: RwSignal<String>,
    /// The form's messages; this field shows the one for `id`.
    errors: RwSignal<FieldErrors>,
) -> impl IntoView {
    let error = move || errors.with(|e| e.get(id).map(str::to_owned));
    let error_id = format!("{id}-error");
    view! {
        <div class="cp-field">
            <label for=id>{label}</label>
            <input
                id=id
                name=id
                type=kind
                autocomplete=autocomplete
                bind:value=value
                aria-invalid=move || error().is_some().to_string()
                aria-describedby=move || error().map(|_| error_id.clone())
            />
            {move || error().map(|message| view! { <p class="cp-field__error" id=format!("{id}-error")>{message}</p> })}
        </div>
    }
}
