//! Company Portal: the employee's self-service web app.

pub mod account_app;
pub mod actions;
pub mod admin_app;
pub mod api;
pub mod app;
pub mod catalog_app;
pub mod components;
pub mod focus;
pub mod format;
pub mod i18n;
pub mod labels;
pub mod live;
pub mod loader;
pub mod organisation_app;
pub mod pages;
pub mod router;
pub mod session;
pub mod settings_app;
pub mod task;

// Smaller than the default allocator: every byte of the wasm is downloaded.
#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// Mounts a bundle's root component on the page, in the reader's language.
pub fn start<V: leptos::IntoView + 'static>(root: fn() -> V) {
    // Readable panics in the console during development; in release the
    // message formatting would cost every user download size.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    // In English at once; in another language once its catalog is here.
    match i18n::pending() {
        // Not leptos' spawner: it is set up by the mount.
        Some(catalog) => wasm_bindgen_futures::spawn_local(async move {
            i18n::receive(catalog.await.ok());
            mount(root);
        }),
        None => mount(root),
    }
}

/// Mounts the root, then says so: Sign in's plain page hands over to the
/// portal's in the same task (`src/pages/sign_in.html`), so the two are
/// never on screen together. (The plain page is in the reader's language,
/// written by the server.)
fn mount<V: leptos::IntoView + 'static>(root: fn() -> V) {
    i18n::declare();
    leptos::mount::mount_to_body(root);
    if let Ok(started) = web_sys::Event::new("portal-started") {
        let _ = leptos::prelude::window().dispatch_event(&started);
    }
}
