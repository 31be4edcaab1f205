use std::collections::HashSet;

use portal_types::{ComplianceState, DevicesResponse};
use reqwest::StatusCode;

use crate::helpers::{error_code, spawn_app};

async fn devices_of(app: &crate::helpers::TestApp, email: &str) -> DevicesResponse {
    let client = app.signed_in(email).await;
    let response = client.get(app.url("/api/v1/devices")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

#[tokio::test]
async fn ada_sees_her_devices_with_every_column() {
    let app = spawn_app().await;
    let DevicesResponse { devices } = devices_of(&app, "ada@example.com").await;
    assert!(devices.len() >= 3);
    let platforms: HashSet<_> = devices.iter().map(|d| d.platform).collect();
    assert!(platforms.len() >= 3, "different platforms: {platforms:?}");
    assert!(devices.iter().any(|d| d.compliance == ComplianceState::OutOfCompliance));
    for device in &devices {
        assert!(!device.name.is_empty() && !device.model.is_empty() && !device.os_version.is_empty());
        if let Some(at) = &device.last_check_in {
            time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
                .unwrap_or_else(|e| panic!("last_check_in {at:?} is RFC 3339: {e}"));
        }
    }
}

#[tokio::test]
async fn ada_cannot_see_graces_devices_and_grace_cannot_see_adas() {
    let app = spawn_app().await;
    let ada: HashSet<_> = devices_of(&app, "ada@example.com")
        .await
        .devices
        .into_iter()
        .map(|d| d.id)
        .collect();
    let grace: HashSet<_> = devices_of(&app, "grace@example.com")
        .await
        .devices
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert!(!ada.is_empty() && !grace.is_empty());
    assert!(ada.is_disjoint(&grace), "lists overlap");
    assert!(
        devices_of(&app, "it@example.com").await.devices.is_empty(),
        "the admin has no devices of their own"
    );
}

#[tokio::test]
async fn devices_without_a_session_is_401() {
    let app = spawn_app().await;
    let (status, body) = app.get_json(&app.client(), "/api/v1/devices").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "unauthorized");
}
