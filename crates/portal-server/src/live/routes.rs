use std::{convert::Infallible, time::Duration};

use axum::{
    extract::State,
    http::HeaderMap,
    response::sse::{Event, KeepAlive, Sse},
};
use futures_util::{Stream, stream};
use portal_types::{ApiError, UserId};
use tokio::sync::broadcast::error::RecvError;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    identity::session::{CurrentUser, IDLE_TIMEOUT},
    live::{Notice, RECHECK_EVERY},
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(events))
}

/// Server-sent events: each change to the caller's devices, as it happens.
/// Each event's data is a `LiveEvent`; `branding` (its data the
/// organisation's name, a JSON string) means the branding changed; `resync`
/// means some were missed (as
/// a reconnected stream says first: the browser sends `Last-Event-ID`). The
/// stream ends with the session: at sign-out on any node, when it has gone
/// idle, and at its expiry.
#[utoipa::path(get, path = "/api/v1/events", tag = "events",
    responses(
        (status = 200, description = "An endless text/event-stream", content_type = "text/event-stream"),
        (status = 401, body = ApiError),
    ))]
async fn events(
    State(state): State<AppState>,
    caller: CurrentUser,
    headers: HeaderMap,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let user = caller.user.id;
    let session = (caller.created_at, caller.expires_at);
    let receiver = state.events.subscribe();
    let stopping = state.stopping.clone();
    let recheck = tokio::time::interval_at(tokio::time::Instant::now() + RECHECK_EVERY, RECHECK_EVERY);
    // An id without data: the browser keeps it and sends it back when it
    // reconnects, which is how a new stream knows it may have missed some.
    let first = if headers.contains_key("last-event-id") {
        resync().id("0")
    } else {
        Event::default().id("0").comment("")
    };
    let start = (Some(first), receiver, stopping, recheck);
    let stream = stream::unfold(start, move |(first, mut receiver, mut stopping, mut recheck)| {
        let state = state.clone();
        async move {
            if let Some(first) = first {
                return Some((Ok(first), (None, receiver, stopping, recheck)));
            }
            loop {
                let notice = tokio::select! {
                    () = stopping.wait() => return None,
                    _ = recheck.tick() => None,
                    notice = receiver.recv() => Some(notice),
                };
                if state.clock.now() >= session.1 {
                    return None;
                }
                let event = match notice {
                    Some(Ok(Notice::User { user: owner, event })) if owner == user => {
                        Event::default().json_data(&event).unwrap_or_else(|_| resync())
                    }
                    Some(Ok(Notice::Resync) | Err(RecvError::Lagged(_))) => resync(),
                    // Every open portal restyles itself. As JSON: an event with
                    // empty data (no name) would not be dispatched.
                    Some(Ok(Notice::Branding { organisation, .. })) => Event::default()
                        .event("branding")
                        .json_data(&organisation)
                        .unwrap_or_else(|_| resync()),
                    Some(Err(RecvError::Closed)) => return None,
                    // The account's sessions changed, or time to look again.
                    Some(Ok(Notice::Account { user: changed })) if changed != user => continue,
                    None | Some(Ok(Notice::Account { .. })) => {
                        if !still_signed_in(&state, user, session.0).await {
                            return None;
                        }
                        continue;
                    }
                    Some(Ok(_)) => continue,
                };
                return Some((Ok(event), (None, receiver, stopping, recheck)));
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// Whether the session behind a stream is still there (signed out neither
/// here nor on another node, not idle), whatever id re-authentication gave it.
/// "Some were missed". Browsers dispatch no event without a data line, and
/// axum writes none for empty data, so it says something.
fn resync() -> Event {
    Event::default().event("resync").data("missed")
}

async fn still_signed_in(state: &AppState, user: UserId, created_at: time::OffsetDateTime) -> bool {
    let idle_since = state.clock.now() - IDLE_TIMEOUT;
    // Not sure (the database did not answer): keep it, and look again later.
    state
        .db
        .session_lives(user, created_at, idle_since)
        .await
        .unwrap_or(true)
}
