//! A request that changes something runs to its end even when its client
//! goes away. hyper drops a handler whose connection closes, at whichever
//! wait it is in: a sign-in cut off between its password check and its audit
//! entry would leave a wrong guess unrecorded, and a rate limit's attempt
//! taken but never given back. Reads stay on their connection: what some
//! write on the way (a refused gateway check's audit entry, a hand-off) is
//! bookkeeping that nobody could hide by hanging up.

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use tokio_util::task::TaskTracker;
use tracing::Instrument as _;

use crate::http::error::AppError;

pub async fn run_to_end(State(requests): State<TaskTracker>, request: Request, next: Next) -> Response {
    if request.method().is_safe() {
        return next.run(request).await;
    }
    match requests.spawn(next.run(request).in_current_span()).await {
        Ok(response) => response,
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        // Cancelled: only by the runtime's own shutdown.
        Err(stopped) => AppError::Internal(stopped.into()).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use std::{
        pin::pin,
        sync::{
            Arc,
            atomic::{AtomicBool, Ordering},
        },
        time::Duration,
    };

    use axum::{Router, body::Body, extract::Request, middleware, routing::post};
    use futures_util::poll;
    use tokio::sync::Notify;
    use tokio_util::task::TaskTracker;
    use tower::ServiceExt as _;

    #[tokio::test]
    async fn a_change_whose_caller_went_away_runs_on_and_the_stop_waits_for_it() {
        let requests = TaskTracker::new();
        let release = Arc::new(Notify::new());
        let done = Arc::new(AtomicBool::new(false));
        let handler = {
            let (release, done) = (release.clone(), done.clone());
            move || async move {
                release.notified().await;
                done.store(true, Ordering::SeqCst);
            }
        };
        let router = Router::new()
            .route("/change", post(handler))
            .layer(middleware::from_fn_with_state(requests.clone(), super::run_to_end));
        {
            // Polled once, as hyper polls a handler; dropped, as hyper drops
            // it when the client leaves.
            let mut call = pin!(router.oneshot(Request::post("/change").body(Body::empty()).unwrap()));
            assert!(poll!(&mut call).is_pending());
        }
        requests.close();
        let mut stopped = pin!(requests.wait());
        assert!(poll!(&mut stopped).is_pending(), "the stop waits for the change");
        release.notify_one();
        tokio::time::timeout(Duration::from_secs(5), stopped)
            .await
            .expect("the stop goes on once the change is done");
        assert!(done.load(Ordering::SeqCst), "the change ran to its end");
    }
}
