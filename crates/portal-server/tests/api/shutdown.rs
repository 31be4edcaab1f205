use reqwest::StatusCode;

use crate::helpers::{me_with, session_cookie, spawn_app, spawn_in};

/// A graceful stop closes the database cleanly: what was committed before it
/// (here, a session) is there after a restart.
#[tokio::test]
async fn committed_writes_survive_a_graceful_restart() {
    let app = spawn_app().await;
    let response = app
        .sign_in_with(&app.client(), "grace@example.com", crate::helpers::PASSWORD)
        .await;
    let cookie = session_cookie(&response);
    let data = app.stop().await;

    let config = data.config();
    let app = spawn_in(data, config).await;
    assert_eq!(me_with(&app, &cookie).await, StatusCode::OK);
}
