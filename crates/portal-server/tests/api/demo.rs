use portal_server::startup::Application;
use reqwest::StatusCode;

use crate::helpers::{Data, spawn_app, spawn_in};

#[tokio::test]
async fn demo_mode_is_refused_off_loopback() {
    let data = Data::new().await;
    let mut config = data.config();
    config.demo = true;
    config.bind = "0.0.0.0:0".parse().unwrap();
    let error = Application::build(config)
        .await
        .err()
        .expect("demo on 0.0.0.0 is refused");
    assert!(error.to_string().contains("loopback"), "{error}");
}

#[tokio::test]
async fn without_the_demo_switch_nobody_can_sign_in() {
    let data = Data::new().await;
    let config = data.config();
    let app = spawn_in(data, config).await;
    let response = app
        .sign_in_with(&app.client(), "ada@example.com", crate::helpers::PASSWORD)
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn demo_data_is_created_once_and_kept_across_restarts() {
    let app = spawn_app().await;
    let first = app.signed_in("ada@example.com").await;
    let (_, before) = app.get_json(&first, "/api/v1/devices").await;
    let data = app.stop().await;

    let mut config = data.config();
    config.demo = true;
    let app = spawn_in(data, config).await;
    let again = app.signed_in("ada@example.com").await;
    let (status, after) = app.get_json(&again, "/api/v1/devices").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(before, after, "same devices, same ids, no duplicates");
}
