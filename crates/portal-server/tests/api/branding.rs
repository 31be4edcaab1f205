//! Branding: set by administrators, validated field by field, served to
//! every page as a style sheet and a logo, and heard by open portals.

use portal_types::{Branding, BrandingSettings, HelpDesk};
use reqwest::{StatusCode, header};
use serde_json::{Value, json};

use crate::{
    enrollment::wait_for,
    helpers::{TestApp, error_code, field_names, spawn_app},
};

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

pub fn contoso() -> BrandingSettings {
    BrandingSettings {
        organisation: "Contoso".into(),
        color: "#6b2fa0".into(),
        privacy_url: Some("https://contoso.example/privacy".into()),
        help_desk: HelpDesk {
            name: "Contoso IT".into(),
            phone: Some("+44 20 7946 0000".into()),
            email: Some("it@contoso.example".into()),
            website: Some("https://it.contoso.example".into()),
            note: Some("Weekdays 8–18".into()),
        },
    }
}

pub async fn save(
    app: &TestApp,
    client: &reqwest::Client,
    based_on: u32,
    settings: &BrandingSettings,
) -> reqwest::Response {
    client
        .put(app.url("/api/v1/admin/branding"))
        .json(&json!({ "based_on": based_on, "settings": settings }))
        .send()
        .await
        .unwrap()
}

async fn upload(app: &TestApp, client: &reqwest::Client, content_type: &str, body: Vec<u8>) -> reqwest::Response {
    client
        .put(app.url("/api/v1/admin/branding/logo"))
        .header(header::CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn text(client: &reqwest::Client, url: String) -> (StatusCode, String) {
    let response = client.get(url).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn before_any_branding_the_configuration_holds_and_the_style_sheet_changes_nothing() {
    let app = spawn_app().await;
    let anyone = app.client();
    let (status, body) = app.get_json(&anyone, "/api/v1/branding").await;
    assert_eq!(status, StatusCode::OK);
    let branding: Branding = serde_json::from_value(body).unwrap();
    assert_eq!((branding.version, branding.settings.organisation.as_str()), (0, ""));
    assert_eq!(branding.settings.help_desk.name, "IT help desk");
    assert_eq!(branding.logo, None);
    let (status, css) = text(&anyone, app.url("/branding.css")).await;
    assert_eq!((status, css.as_str()), (StatusCode::OK, ""));
    let (_, session) = app.get_json(&anyone, "/api/v1/auth/session").await;
    assert_eq!(session["organisation"], Value::Null);

    // A name alone, in the default colour, leaves the hand-tuned colours be.
    let it = app.signed_in("it@example.com").await;
    let mut named = contoso();
    named.color = "#0b5cad".into();
    assert_eq!(save(&app, &it, 0, &named).await.status(), StatusCode::OK);
    let (_, css) = text(&anyone, app.url("/branding.css")).await;
    assert_eq!(css, "");
}

#[tokio::test]
async fn an_administrator_brands_the_portal_and_open_portals_hear_of_it() {
    let app = spawn_app().await;
    let ada = app.signed_in("ada@example.com").await;
    let mut events = ada.get(app.url("/api/v1/events")).send().await.unwrap();
    let it = app.signed_in("it@example.com").await;
    let response = save(&app, &it, 0, &contoso()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let saved: Branding = response.json().await.unwrap();
    assert_eq!(saved.version, 1);
    assert_eq!(saved.settings, contoso());
    assert_eq!(saved.changed_by.as_deref(), Some("IT Admin (it@example.com)"));
    let mut received = String::new();
    wait_for(&mut events, &mut received, "\"Contoso\"").await;
    assert!(received.contains("event: branding\n"), "{received}");

    let anyone = app.client();
    let (_, session) = app.get_json(&anyone, "/api/v1/auth/session").await;
    assert_eq!(session["organisation"], "Contoso");
    // Anyone reads the branding, not who saved it; administrators do.
    let (_, public) = app.get_json(&anyone, "/api/v1/branding").await;
    assert_eq!(
        (public["version"].as_u64(), &public["changed_by"]),
        (Some(1), &Value::Null)
    );
    let (_, full) = app.get_json(&it, "/api/v1/admin/branding").await;
    assert_eq!(full["changed_by"], "IT Admin (it@example.com)");
    let (status, _) = app.get_json(&ada, "/api/v1/admin/branding").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, help) = app.get_json(&anyone, "/api/v1/help").await;
    assert_eq!(serde_json::from_value::<HelpDesk>(help).unwrap(), contoso().help_desk);
    let sheet = anyone.get(app.url("/branding.css")).send().await.unwrap();
    let tag = sheet.headers()[header::ETAG].clone();
    assert_eq!(sheet.headers()[header::CACHE_CONTROL], "no-cache");
    let css = sheet.text().await.unwrap();
    assert!(css.contains("--cp-fill:#6b2fa0"), "{css}");
    let again = anyone
        .get(app.url("/branding.css"))
        .header(header::IF_NONE_MATCH, tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    let audit = app.audit(&it, "action=branding_changed").await;
    assert_eq!(
        audit.entries[0].subject.as_deref(),
        Some("branding version 1: settings")
    );
    // Another administrator's edit of version 0 is refused.
    let stale = save(&app, &it, 0, &contoso()).await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(&stale.json().await.unwrap()), "branding_changed");
}

#[tokio::test]
async fn each_setting_a_rule_refuses_says_why() {
    let app = spawn_app().await;
    let it = app.signed_in("it@example.com").await;
    let mut bad = contoso();
    bad.color = "#e37400".into();
    bad.privacy_url = Some("http://contoso.example/privacy".into());
    bad.organisation = "x".repeat(61);
    bad.help_desk = HelpDesk {
        name: " ".into(),
        phone: Some("call us".into()),
        email: Some("it at contoso".into()),
        website: Some("javascript:alert(1)".into()),
        note: Some("n".repeat(501)),
    };
    let response = save(&app, &it, 0, &bad).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    let mut fields = field_names(&body);
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "color",
            "help_desk.email",
            "help_desk.name",
            "help_desk.note",
            "help_desk.phone",
            "help_desk.website",
            "organisation",
            "privacy_url"
        ]
    );
    let colour = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "color")
        .unwrap();
    assert!(colour["message"].as_str().unwrap().contains("4.5:1"), "{colour}");
    let mut unreadable = contoso();
    unreadable.color = "purple".into();
    assert_eq!(
        save(&app, &it, 0, &unreadable).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let (_, branding) = app.get_json(&it, "/api/v1/branding").await;
    assert_eq!(branding["version"], 0, "nothing saved");

    let ada = app.signed_in("ada@example.com").await;
    let refused = save(&app, &ada, 0, &contoso()).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let refused = upload(&app, &ada, "image/png", Vec::new()).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let anonymous = save(&app, &app.client(), 0, &contoso()).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_logo_is_served_as_pixels_only_within_its_limits_and_can_be_removed() {
    let app = spawn_app().await;
    let it = app.signed_in("it@example.com").await;
    let scripted = br##"<svg xmlns="http://www.w3.org/2000/svg" width="96" height="32" onload="alert(1)"><script>alert(2)</script><rect width="96" height="32" fill="#6b2fa0"/></svg>"##;
    let response = upload(&app, &it, "image/svg+xml", scripted.to_vec()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let branding: Branding = response.json().await.unwrap();
    let logo = branding.logo.expect("a logo");
    assert_eq!(logo, "/branding/logo?v=1");

    let anyone = app.client();
    let served = anyone.get(app.url(&logo)).send().await.unwrap();
    assert_eq!(served.headers()[header::CONTENT_TYPE], "image/png");
    let png = served.bytes().await.unwrap();
    assert!(png.starts_with(PNG_SIGNATURE));
    assert!(!String::from_utf8_lossy(&png).contains("script"));
    let (_, css) = text(&anyone, app.url("/branding.css")).await;
    assert!(css.contains("url(\"/branding/logo?v=1\")"), "{css}");

    for (content_type, body, says) in [
        ("text/html", b"<script>alert(1)</script>".to_vec(), "PNG or an SVG"),
        ("image/png", b"<script>alert(1)</script>".to_vec(), "not a PNG"),
        ("image/svg+xml", b"<html>".to_vec(), "not an SVG"),
        ("image/png", vec![0; 600 * 1024], "at most 512 KB"),
    ] {
        let response = upload(&app, &it, content_type, body).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{says}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(field_names(&body), ["logo"]);
        assert!(body["fields"][0]["message"].as_str().unwrap().contains(says), "{body}");
    }
    let far_too_big = upload(&app, &it, "image/png", vec![0; 2 * 1024 * 1024]).await;
    assert_eq!(far_too_big.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // The settings saved afterwards keep the logo.
    let response = save(&app, &it, 1, &contoso()).await;
    assert_eq!(
        response.json::<Branding>().await.unwrap().logo.as_deref(),
        Some("/branding/logo?v=2")
    );
    let removed = it.delete(app.url("/api/v1/admin/branding/logo")).send().await.unwrap();
    assert_eq!(removed.json::<Branding>().await.unwrap().logo, None);
    assert_eq!(
        anyone.get(app.url("/branding/logo")).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let (_, css) = text(&anyone, app.url("/branding.css")).await;
    assert!(!css.contains("logo"), "{css}");
}
