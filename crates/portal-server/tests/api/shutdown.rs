use portal_server::config::Config;
use reqwest::{StatusCode, header};

use crate::helpers::{spawn_app, spawn_in};

/// A graceful stop closes the database cleanly: what was committed before it
/// (here, a session) is there after a restart.
#[tokio::test]
async fn committed_writes_survive_a_graceful_restart() {
    let app = spawn_app().await;
    let response = app
        .sign_in_with(&app.client(), "grace@example.com", crate::helpers::PASSWORD)
        .await;
    let cookie = response.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let dir = app.stop().await;

    let config = Config::for_tests(dir.path().to_path_buf());
    let app = spawn_in(dir, config).await;
    let me = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .header(header::COOKIE, cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
}
