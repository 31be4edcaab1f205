//! Live changes from the server (`/api/v1/events`), while a user is signed in.

use std::time::Duration;

use leptos::{prelude::*, reactive::owner::LocalStorage, task::spawn_local, wasm_bindgen::JsCast};
use portal_types::LiveEvent;
use wasm_bindgen::closure::Closure;
use web_sys::{EventSource, MessageEvent};

use crate::{
    api::{self, ClientError},
    session::Session,
};

#[derive(Clone, Copy)]
pub struct LiveEvents {
    /// The newest event; pages react to the ones that concern them.
    pub last: RwSignal<Option<LiveEvent>>,
    /// Counts events, including missed ones (`resync`), to key refetches on.
    pub version: RwSignal<u64>,
}

/// How long a stream the browser gave up on waits to be opened again; each
/// time the stream or the server fails again before a stream opens, twice
/// as long, up to a minute.
const REOPEN_AFTER: Duration = Duration::from_secs(3);
const REOPEN_AT_MOST: Duration = Duration::from_secs(60);

/// Opens the event stream when a user signs in and closes it at sign-out.
/// The browser reconnects a dropped stream by itself; back online, pages
/// refetch what they show.
pub fn provide_live_events(session: Session) {
    let live = LiveEvents {
        last: RwSignal::new(None),
        version: RwSignal::new(0),
    };
    provide_context(live);
    Effect::watch(
        move || session.online.get(),
        move |online, _, _| {
            if *online {
                live.version.update(|v| *v += 1);
            }
        },
        false,
    );
    let source = Stream {
        held: StoredValue::new_local(None),
        wait: StoredValue::new_local(REOPEN_AFTER),
    };
    Effect::new(move |_| {
        let signed_in = session.user.with(Option::is_some);
        match (signed_in, source.held.with_value(Option::is_some)) {
            (true, false) => {
                source.wait.set_value(REOPEN_AFTER);
                source.held.set_value(open(live, session, source, false))
            }
            (false, true) => source.held.update_value(|s| {
                if let Some(s) = s.take() {
                    s.close();
                }
            }),
            _ => {}
        }
    });
}

fn open(live: LiveEvents, session: Session, stream: Stream, reopened: bool) -> Option<EventSource> {
    let source = EventSource::new("/api/v1/events").ok()?;
    // The browser retries a stream that dropped, but not one whose answer
    // was no stream (a proxy's 502 while the server restarts). Typed as the
    // message handler is (the event is not read): one closure type fewer in
    // the download.
    let on_error = Closure::<dyn FnMut(MessageEvent)>::new(move |_| {
        if stream.given_up() {
            reopen_later(live, session, stream);
        }
    });
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let on_open = Closure::<dyn FnMut(MessageEvent)>::new(move |_| {
        stream.wait.set_value(REOPEN_AFTER);
        // Pages read again what may have changed while there was no
        // stream, once this one is there to tell them what changes next.
        if reopened {
            live.version.update(|v| *v += 1);
        }
    });
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
        if let Some(data) = message.data().as_string() {
            live.last.set(serde_json::from_str(&data).ok());
        }
        live.version.update(|v| *v += 1);
    });
    source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    source
        .add_event_listener_with_callback("resync", on_message.as_ref().unchecked_ref())
        .ok()?;
    let on_branding = Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
        let name = message.data().as_string().unwrap_or_default();
        session.restyle(serde_json::from_str(&name).unwrap_or_default());
    });
    source
        .add_event_listener_with_callback("branding", on_branding.as_ref().unchecked_ref())
        .ok()?;
    // Kept for the page's life: one set per stream opened, and a stream is
    // opened again only once the server has come back.
    on_message.forget();
    on_branding.forget();
    on_error.forget();
    on_open.forget();
    Some(source)
}

/// The stream open now, if one is, and how long the next try to open one
/// waits.
#[derive(Clone, Copy)]
struct Stream {
    held: StoredValue<Option<EventSource>, LocalStorage>,
    wait: StoredValue<Duration, LocalStorage>,
}

impl Stream {
    /// Whether the browser gave up on the stream held.
    fn given_up(self) -> bool {
        self.held
            .with_value(|s| s.as_ref().is_some_and(|s| s.ready_state() == EventSource::CLOSED))
    }

    /// How long to wait before the next try, the one after waiting twice as long.
    fn next_wait(self) -> Duration {
        let wait = self.wait.get_value();
        self.wait.set_value((wait * 2).min(REOPEN_AT_MOST));
        wait
    }
}

/// Opens a stream the browser gave up on again, after a wait, while the
/// session lasts: the server says first whether it does. One that ended
/// sends the user to Sign in rather than be asked for again; a server still
/// away is asked again later.
fn reopen_later(live: LiveEvents, session: Session, stream: Stream) {
    set_timeout(
        move || {
            spawn_local(async move {
                let answer = api::auth::session().await;
                // A sign-out, a sign-in with its own stream, or another
                // try that opened one, meanwhile.
                if !stream.given_up() {
                    return;
                }
                match answer {
                    Ok(now) if now.user.is_some() => stream.held.set_value(open(live, session, stream, true)),
                    Ok(now) => session.handle_error(&ClientError::Unauthorized { expired: now.expired }),
                    Err(_) => reopen_later(live, session, stream),
                }
            })
        },
        stream.next_wait(),
    );
}

pub fn use_live_events() -> LiveEvents {
    expect_context::<LiveEvents>()
}
