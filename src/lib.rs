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

/// Mounts a bundle's root component on the page.
pub fn start<V: leptos::IntoView + 'static>(root: fn() -> V) {
    // Readable panics in the console during development; in release the
    // message formatting would cost every user download size.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(root);
}
