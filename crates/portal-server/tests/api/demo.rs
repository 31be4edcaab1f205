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

#[tokio::test]
async fn the_demo_fleet_is_seeded_once_with_the_modes_platforms() {
    let app = crate::helpers::spawn_with(|config| {
        config.demo_fleet = 45;
        config.provisioning_mode = portal_server::policies::rules::ProvisioningMode::Office365;
    })
    .await;
    let it = app.signed_in("it@example.com").await;
    let (status, overview) = app.get_json(&it, "/api/v1/admin/overview").await;
    assert_eq!(status, StatusCode::OK);
    // Ada's three that Office 365 manages (not her Mac), Grace's two, and the fleet.
    assert_eq!(overview["total"], 5 + 45);
    let platforms: Vec<&str> = overview["platforms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["platform"].as_str().unwrap())
        .collect();
    assert!(platforms.contains(&"android") && platforms.contains(&"ios"));
    // No device is one Office 365 does not manage.
    assert!(
        !platforms.contains(&"linux") && !platforms.contains(&"macos"),
        "{platforms:?}"
    );
    let fleet_user = app.signed_in("fleet-00002@example.com").await;
    let (_, devices) = app.get_json(&fleet_user, "/api/v1/devices").await;
    assert_eq!(
        devices["devices"].as_array().unwrap().len(),
        5,
        "the last user's share of 45"
    );

    // A restart finds the fleet and adds none.
    let data = app.stop().await;
    let mut config = data.config();
    config.demo = true;
    config.demo_fleet = 45;
    config.provisioning_mode = portal_server::policies::rules::ProvisioningMode::Office365;
    let app = spawn_in(data, config).await;
    let it = app.signed_in("it@example.com").await;
    let (_, overview) = app.get_json(&it, "/api/v1/admin/overview").await;
    assert_eq!(overview["total"], 5 + 45);
}
