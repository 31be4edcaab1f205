use std::{convert::Infallible, time::Duration};

use axum::{
    extract::State,
    response::sse::{Event, KeepAlive, Sse},
};
use futures_util::{Stream, stream};
use portal_types::ApiError;
use tokio::sync::broadcast::error::RecvError;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{identity::session::CurrentUser, live::Notice, state::AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(events))
}

/// Server-sent events: each change to the caller's devices, as it happens.
/// Each event's data is a `LiveEvent`; `resync` means some were missed.
#[utoipa::path(get, path = "/api/v1/events", tag = "events",
    responses(
        (status = 200, description = "An endless text/event-stream", content_type = "text/event-stream"),
        (status = 401, body = ApiError),
    ))]
async fn events(
    State(state): State<AppState>,
    caller: CurrentUser,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let user = caller.user.id;
    let receiver = state.events.subscribe();
    let stream = stream::unfold(receiver, move |mut receiver| async move {
        loop {
            match receiver.recv().await {
                Ok(Notice::User { user: owner, event }) if owner == user => {
                    let event = Event::default()
                        .json_data(&event)
                        .unwrap_or_else(|_| Event::default().event("resync"));
                    return Some((Ok(event), receiver));
                }
                Ok(Notice::Resync) | Err(RecvError::Lagged(_)) => {
                    return Some((Ok(Event::default().event("resync").data("")), receiver));
                }
                Ok(_) => continue,
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
