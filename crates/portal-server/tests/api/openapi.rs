use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{error_code, spawn_app};

const EXPECTED: &[(&str, &str)] = &[
    ("get", "/api/v1/health"),
    ("post", "/api/v1/auth/sign-in"),
    ("post", "/api/v1/auth/sign-out"),
    ("get", "/api/v1/me"),
    ("get", "/api/v1/auth/session"),
    ("get", "/api/v1/devices"),
    ("get", "/api/v1/openapi.json"),
    ("get", "/api/v1/devices/{id}"),
    ("get", "/api/v1/enrollment/options"),
    ("post", "/api/v1/enrollment-codes"),
    ("post", "/api/v1/enroll"),
    ("post", "/api/v1/device/check-in"),
    ("post", "/api/v1/device/enrollment"),
    ("get", "/api/v1/events"),
    ("post", "/api/v1/auth/sign-out-everywhere"),
    ("post", "/api/v1/auth/reauthenticate"),
    ("get", "/api/v1/security"),
    ("post", "/api/v1/security/totp"),
    ("post", "/api/v1/security/totp/confirm"),
    ("post", "/api/v1/security/totp/disable"),
    ("post", "/api/v1/security/passkeys/challenge"),
    ("post", "/api/v1/security/passkeys"),
    ("delete", "/api/v1/security/passkeys/{id}"),
    ("post", "/api/v1/auth/passkey/challenge"),
    ("post", "/api/v1/auth/passkey/sign-in"),
    ("post", "/api/v1/auth/reauthenticate/passkey"),
    ("get", "/api/v1/devices/{id}/commands"),
    ("post", "/api/v1/devices/{id}/sync"),
    ("post", "/api/v1/devices/{id}/lock"),
    ("post", "/api/v1/devices/{id}/commands/{command}/cancel"),
    ("get", "/api/v1/device/commands"),
    ("post", "/api/v1/device/commands/{id}/ack"),
    ("post", "/api/v1/device/commands/{id}/report"),
    ("post", "/api/v1/devices/{id}/rename"),
    ("post", "/api/v1/devices/{id}/wipe"),
    ("delete", "/api/v1/devices/{id}"),
    ("get", "/api/v1/activity"),
    ("get", "/api/v1/apps"),
    ("get", "/api/v1/apps/{app}"),
    ("get", "/api/v1/devices/{id}/apps"),
    ("post", "/api/v1/devices/{id}/apps/{app}/install"),
    ("post", "/api/v1/devices/{id}/apps/{app}/uninstall"),
    ("post", "/api/v1/admin/apps"),
    ("put", "/api/v1/admin/apps/{app}"),
    ("delete", "/api/v1/admin/apps/{app}"),
    ("get", "/api/v1/admin/devices"),
    ("get", "/api/v1/admin/devices.csv"),
    ("get", "/api/v1/admin/overview"),
    ("get", "/api/v1/admin/audit"),
    ("get", "/api/v1/admin/audit.csv"),
    ("get", "/api/v1/admin/devices/{id}"),
    ("post", "/api/v1/admin/devices/{id}/wipe"),
    ("post", "/api/v1/admin/devices/{id}/retire"),
    ("post", "/api/v1/admin/devices/{id}/commands/{command}/cancel"),
    ("get", "/api/v1/admin/policy"),
    ("get", "/api/v1/admin/required-reach"),
    ("post", "/api/v1/admin/sync-tokens"),
    ("post", "/api/v1/admin/inventory-sync"),
    ("put", "/api/v1/admin/policy"),
    ("get", "/api/v1/admin/terms"),
    ("post", "/api/v1/admin/terms"),
    ("post", "/api/v1/terms/acceptances"),
    ("get", "/api/v1/branding"),
    ("get", "/api/v1/admin/branding"),
    ("put", "/api/v1/admin/branding"),
    ("put", "/api/v1/admin/branding/logo"),
    ("delete", "/api/v1/admin/branding/logo"),
    ("get", "/api/v1/gateway/handoff"),
    ("get", "/api/v1/access/check"),
    ("get", "/api/v1/admin/published-apps"),
    ("put", "/api/v1/admin/published-apps"),
    ("delete", "/api/v1/admin/published-apps/{name}"),
    ("get", "/api/v1/help"),
];

#[tokio::test]
async fn the_document_lists_every_route_and_every_listed_route_answers() {
    let app = spawn_app().await;
    let client = app.client();
    let (status, document) = app.get_json(&client, "/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));

    let mut listed = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in item.as_object().unwrap().keys() {
            listed.push((method.clone(), path.clone()));
        }
    }
    let mut expected: Vec<_> = EXPECTED.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    listed.sort();
    expected.sort();
    assert_eq!(listed, expected);

    // Routes are registered only through the document's router, so anything
    // listed must be served, and anything else under /api is a JSON 404.
    for (method, path) in &listed {
        let response = client
            .request(
                Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                app.url(path),
            )
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert!(
            !matches!(
                response.status(),
                StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
            ),
            "{method} {path} answered {}",
            response.status()
        );
    }
    let (status, body) = app.get_json(&client, "/api/v1/no-such-thing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "not_found");
}

#[tokio::test]
async fn every_documented_error_uses_the_one_error_shape() {
    let app = spawn_app().await;
    let (_, document) = app.get_json(&app.client(), "/api/v1/openapi.json").await;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for (status, response) in operation["responses"].as_object().unwrap() {
                if status.starts_with('4') {
                    let schema = &response["content"]["application/json"]["schema"]["$ref"];
                    assert_eq!(
                        schema,
                        &Value::from("#/components/schemas/ApiError"),
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn health_answers_ok() {
    let app = spawn_app().await;
    let (status, body) = app.get_json(&app.client(), "/api/v1/health").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
}
