//! Background work started by a button or a form.

use std::future::Future;

use leptos::{prelude::*, task::spawn_local};

/// Runs `work` unless `busy` says it is already running, with `busy` true
/// meanwhile, for the button to show. Lighter in the wasm than an `Action`.
pub fn run(busy: RwSignal<bool>, work: impl Future<Output = ()> + 'static) {
    if busy.get_untracked() {
        return;
    }
    busy.set(true);
    spawn_local(async move {
        work.await;
        // The page may be gone by now (a sign-in navigates away).
        busy.try_set(false);
    });
}
