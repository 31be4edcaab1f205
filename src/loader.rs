//! Data a page loads from the API, reloaded when the signals it reads change.
//!
//! A signal and a task instead of `LocalResource` and `<Transition>`: the
//! same behaviour here (the last answer stays on screen while a newer one
//! loads) for less code in every user's download.

use std::future::Future;

use leptos::{prelude::*, task::spawn_local};

use crate::{api::ClientResult, session::use_session};

/// `None` until the first answer; then the latest answer.
pub type Loaded<T> = RwSignal<Option<ClientResult<T>>>;

/// Calls `fetch` now and whenever a signal it reads (before its first
/// `.await`) changes; an answer that arrives after a newer request is dropped.
/// A session found ended sends the user to Sign in.
pub fn load<T, F, Fut>(fetch: F) -> Loaded<T>
where
    T: Send + Sync + 'static,
    F: Fn() -> Fut + 'static,
    Fut: Future<Output = ClientResult<T>> + 'static,
{
    let session = use_session();
    let data: Loaded<T> = RwSignal::new(None);
    let latest = StoredValue::new(0u64);
    Effect::new(move |_| {
        let request = fetch();
        latest.update_value(|n| *n += 1);
        let this = latest.get_value();
        spawn_local(async move {
            let answer = request.await;
            if let Err(error) = &answer {
                session.handle_error(error);
            }
            if latest.try_get_value() == Some(this) {
                data.try_set(Some(answer));
            }
        });
    });
    data
}

/// Sets `signal` to `value` unless it holds it already: what reads it is not
/// built again for an answer that changed nothing it shows.
pub fn changed<T: PartialEq + Send + Sync + 'static>(signal: RwSignal<T>, value: T) {
    signal.maybe_update(|held| {
        let differs = *held != value;
        if differs {
            *held = value;
        }
        differs
    });
}
