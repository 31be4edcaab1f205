//! Passkeys, end to end over HTTP, with a software authenticator: a P-256
//! key (ring) answering the server's challenges as a browser's
//! `navigator.credentials` would, "none" attestation, user verified.

use data_encoding::BASE64URL_NOPAD;
use reqwest::StatusCode;
use ring::{
    rand::SystemRandom,
    signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair},
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::{
    commands::activity_actions,
    helpers::{TestApp, error_code, me_with, session_cookie, spawn_app, spawn_with},
};

/// One credential on an authenticator: its key, id, user handle and counter.
pub struct SoftPasskey {
    key: EcdsaKeyPair,
    id: Vec<u8>,
    user_handle: Vec<u8>,
    pub counter: u32,
    /// What the browser says the page's origin is.
    pub origin: String,
    /// The authenticator data's flags in an assertion: user present and verified.
    pub flags: u8,
}

/// Adds bytes as a CBOR byte string.
fn cbor_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    match bytes.len() {
        n if n < 24 => out.push(0x40 | n as u8),
        n if n < 256 => out.extend([0x58, n as u8]),
        n => out.extend([0x59, (n >> 8) as u8, n as u8]),
    }
    out.extend(bytes);
}

fn cbor_text(out: &mut Vec<u8>, text: &str) {
    out.push(0x60 | text.len() as u8);
    out.extend(text.as_bytes());
}

/// The origin a browser at the test server's loopback address reports.
pub fn origin_of(app: &TestApp) -> String {
    app.address.replace("127.0.0.1", "localhost")
}

fn rp_id_hash() -> [u8; 32] {
    Sha256::digest(b"localhost").into()
}

fn client_data(kind: &str, challenge: &str, origin: &str) -> Vec<u8> {
    json!({ "type": kind, "challenge": challenge, "origin": origin, "crossOrigin": false })
        .to_string()
        .into_bytes()
}

impl SoftPasskey {
    /// Answers a registration challenge's options (`publicKey`) as
    /// `navigator.credentials.create` would: the new credential, and the
    /// `PublicKeyCredential` JSON to send.
    pub fn create(options: &Value, origin: &str) -> (Self, Value) {
        let public_key = &options["publicKey"];
        assert_eq!(public_key["rp"]["id"], "localhost");
        assert_eq!(public_key["authenticatorSelection"]["residentKey"], "required");
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
        let passkey = Self {
            key: EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng).unwrap(),
            id: (0..16).map(|_| rand::random::<u8>()).collect(),
            user_handle: BASE64URL_NOPAD
                .decode(public_key["user"]["id"].as_str().unwrap().as_bytes())
                .unwrap(),
            counter: 0,
            origin: origin.to_string(),
            flags: 0x05,
        };
        let credential = passkey.registration(options);
        (passkey, credential)
    }

    /// This credential's answer to a registration challenge ("none" attestation).
    pub fn registration(&self, options: &Value) -> Value {
        let point = self.key.public_key().as_ref();
        // COSE_Key {kty: EC2, alg: ES256, crv: P-256, x, y}.
        let mut cose = vec![0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21];
        cbor_bytes(&mut cose, &point[1..33]);
        cose.push(0x22);
        cbor_bytes(&mut cose, &point[33..65]);
        let mut auth_data = rp_id_hash().to_vec();
        auth_data.push(0x45); // user present, user verified, credential data included
        auth_data.extend(0u32.to_be_bytes());
        auth_data.extend([0u8; 16]); // AAGUID
        auth_data.extend((self.id.len() as u16).to_be_bytes());
        auth_data.extend(&self.id);
        auth_data.extend(cose);
        let mut attestation = vec![0xa3];
        cbor_text(&mut attestation, "fmt");
        cbor_text(&mut attestation, "none");
        cbor_text(&mut attestation, "attStmt");
        attestation.push(0xa0);
        cbor_text(&mut attestation, "authData");
        cbor_bytes(&mut attestation, &auth_data);
        let challenge = options["publicKey"]["challenge"].as_str().unwrap();
        json!({
            "id": BASE64URL_NOPAD.encode(&self.id),
            "rawId": BASE64URL_NOPAD.encode(&self.id),
            "type": "public-key",
            "response": {
                "attestationObject": BASE64URL_NOPAD.encode(&attestation),
                "clientDataJSON": BASE64URL_NOPAD.encode(&client_data("webauthn.create", challenge, &self.origin)),
            },
            "extensions": {},
        })
    }

    /// Answers a sign-in challenge as `navigator.credentials.get` would,
    /// with the counter as it now stands.
    pub fn assert(&self, options: &Value) -> Value {
        let challenge = options["publicKey"]["challenge"].as_str().unwrap();
        let mut auth_data = rp_id_hash().to_vec();
        auth_data.push(self.flags);
        auth_data.extend(self.counter.to_be_bytes());
        let client_data = client_data("webauthn.get", challenge, &self.origin);
        let mut signed = auth_data.clone();
        signed.extend(Sha256::digest(&client_data));
        let signature = self.key.sign(&SystemRandom::new(), &signed).unwrap();
        json!({
            "id": BASE64URL_NOPAD.encode(&self.id),
            "rawId": BASE64URL_NOPAD.encode(&self.id),
            "type": "public-key",
            "response": {
                "authenticatorData": BASE64URL_NOPAD.encode(&auth_data),
                "clientDataJSON": BASE64URL_NOPAD.encode(&client_data),
                "signature": BASE64URL_NOPAD.encode(signature.as_ref()),
                "userHandle": BASE64URL_NOPAD.encode(&self.user_handle),
            },
            "extensions": {},
        })
    }
}

async fn post(client: &reqwest::Client, url: String, body: Option<Value>) -> (StatusCode, Value) {
    let request = client.post(url);
    let request = match body {
        Some(body) => request.json(&body),
        None => request,
    };
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A challenge from `path`: its ceremony and options.
async fn challenge(app: &TestApp, client: &reqwest::Client, path: &str) -> (String, Value) {
    let (status, body) = post(client, app.url(path), None).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    (body["ceremony"].as_str().unwrap().to_string(), body["options"].clone())
}

/// `email` (signed in just now, so fresh) adds a passkey named `name`.
pub async fn add_passkey(app: &TestApp, client: &reqwest::Client, name: &str) -> SoftPasskey {
    let (ceremony, options) = challenge(app, client, "/api/v1/security/passkeys/challenge").await;
    let (passkey, credential) = SoftPasskey::create(&options, &origin_of(app));
    let (status, body) = post(
        client,
        app.url("/api/v1/security/passkeys"),
        Some(json!({ "ceremony": ceremony, "name": name, "credential": credential })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["name"], name);
    passkey
}

/// Answers a fresh sign-in challenge with `passkey` at `path`.
async fn use_passkey(
    app: &TestApp,
    client: &reqwest::Client,
    passkey: &mut SoftPasskey,
    path: &str,
) -> reqwest::Response {
    let (ceremony, options) = challenge(app, &app.client(), "/api/v1/auth/passkey/challenge").await;
    passkey.counter += 1;
    client
        .post(app.url(path))
        .json(&json!({ "ceremony": ceremony, "credential": passkey.assert(&options) }))
        .send()
        .await
        .unwrap()
}

pub async fn sign_in_with(app: &TestApp, client: &reqwest::Client, passkey: &mut SoftPasskey) -> reqwest::Response {
    use_passkey(app, client, passkey, "/api/v1/auth/passkey/sign-in").await
}

#[tokio::test]
async fn a_passkey_added_on_the_security_page_signs_in_without_an_email_or_password() {
    let app = spawn_app().await;
    let ada = app.signed_in("ada@example.com").await;
    let (_, security) = app.get_json(&ada, "/api/v1/security").await;
    assert_eq!(security["passkeys_offered"], true);
    assert_eq!(security["passkeys"], json!([]));

    let mut passkey = add_passkey(&app, &ada, "Work laptop").await;
    let (_, security) = app.get_json(&ada, "/api/v1/security").await;
    let listed = &security["passkeys"][0];
    assert_eq!(listed["name"], "Work laptop");
    assert!(listed["created_at"].is_string() && listed["last_used_at"].is_null());

    let browser = app.client();
    let signed_in = sign_in_with(&app, &browser, &mut passkey).await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    let cookie = session_cookie(&signed_in);
    let me: Value = signed_in.json().await.unwrap();
    assert_eq!(me["email"], "ada@example.com");
    assert_eq!(me_with(&app, &cookie).await, StatusCode::OK);

    // It counts as password and second factor: the session is fresh.
    let (status, _) = post(&browser, app.url("/api/v1/security/passkeys/challenge"), None).await;
    assert_eq!(status, StatusCode::OK);
    let (_, security) = app.get_json(&browser, "/api/v1/security").await;
    assert!(security["passkeys"][0]["last_used_at"].is_string());
    let actions = activity_actions(&app, &browser).await;
    assert_eq!(&actions[..2], ["sign_in_passkey", "passkey_added"]);
}

#[tokio::test]
async fn an_answer_is_taken_once_in_time_from_the_right_origin() {
    let app = spawn_app().await;
    let ada = app.signed_in("ada@example.com").await;
    let mut passkey = add_passkey(&app, &ada, "Phone").await;
    let sign_in = app.url("/api/v1/auth/passkey/sign-in");

    // Replayed: the same answer to the same challenge.
    let (ceremony, options) = challenge(&app, &app.client(), "/api/v1/auth/passkey/challenge").await;
    passkey.counter += 1;
    let answer = json!({ "ceremony": ceremony, "credential": passkey.assert(&options) });
    let (status, _) = post(&app.client(), sign_in.clone(), Some(answer.clone())).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = post(&app.client(), sign_in.clone(), Some(answer.clone())).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "ceremony_invalid")
    );
    // The old answer to a new challenge: signed over another challenge.
    let (ceremony, _) = challenge(&app, &app.client(), "/api/v1/auth/passkey/challenge").await;
    let mut stale = answer.clone();
    stale["ceremony"] = ceremony.into();
    let (status, body) = post(&app.client(), sign_in.clone(), Some(stale)).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNAUTHORIZED, "passkey_refused")
    );

    // Out of time: five minutes.
    let (ceremony, options) = challenge(&app, &app.client(), "/api/v1/auth/passkey/challenge").await;
    app.clock.advance(time::Duration::minutes(5));
    passkey.counter += 1;
    let late = json!({ "ceremony": ceremony, "credential": passkey.assert(&options) });
    let (status, body) = post(&app.client(), sign_in.clone(), Some(late)).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "ceremony_invalid")
    );

    // Another origin: a phishing page relaying the challenge.
    passkey.origin = "http://portal.example.net".into();
    let phished = sign_in_with(&app, &app.client(), &mut passkey).await;
    assert_eq!(phished.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&phished.json().await.unwrap()), "passkey_refused");

    // Present but not verified (no PIN, fingerprint or face): not a second factor.
    passkey.origin = origin_of(&app);
    passkey.flags = 0x01;
    let unverified = sign_in_with(&app, &app.client(), &mut passkey).await;
    assert_eq!(unverified.status(), StatusCode::UNAUTHORIZED);
    passkey.flags = 0x05;
    assert_eq!(
        sign_in_with(&app, &app.client(), &mut passkey).await.status(),
        StatusCode::OK
    );

    // A registration's challenge is not a sign-in's.
    let ada = app.signed_in("ada@example.com").await;
    let (ceremony, options) = challenge(&app, &ada, "/api/v1/security/passkeys/challenge").await;
    passkey.counter += 1;
    let crossed = json!({ "ceremony": ceremony, "credential": passkey.assert(&options) });
    let (status, body) = post(&app.client(), sign_in, Some(crossed)).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "ceremony_invalid")
    );
}

#[tokio::test]
async fn a_counter_going_back_is_refused_as_a_copied_passkey_and_audited() {
    let app = spawn_app().await;
    let ada = app.signed_in("ada@example.com").await;
    let mut passkey = add_passkey(&app, &ada, "Security key").await;
    passkey.counter = 9;
    assert_eq!(
        sign_in_with(&app, &app.client(), &mut passkey).await.status(),
        StatusCode::OK
    );
    passkey.counter = 3; // becomes 4: below the 10 the server has seen
    let copied = sign_in_with(&app, &app.client(), &mut passkey).await;
    assert_eq!(copied.status(), StatusCode::UNAUTHORIZED);
    let actions = activity_actions(&app, &ada).await;
    assert_eq!(actions[0], "passkey_copy_refused");
}

#[tokio::test]
async fn another_users_passkey_confirms_nothing_and_a_removed_one_signs_in_nobody() {
    let app = spawn_app().await;
    let ada = app.signed_in("ada@example.com").await;
    let grace = app.signed_in("grace@example.com").await;
    let mut graces = add_passkey(&app, &grace, "Grace's phone").await;
    let mut adas = add_passkey(&app, &ada, "Ada's laptop").await;

    // Grace's passkey cannot confirm it is Ada.
    let confirm = "/api/v1/auth/reauthenticate/passkey";
    let refused = use_passkey(&app, &ada, &mut graces, confirm).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(activity_actions(&app, &ada).await[0], "reauthenticate_passkey");
    let (_, graces_list) = app.get_json(&grace, "/api/v1/security").await;
    assert!(graces_list["passkeys"][0]["last_used_at"].is_null(), "not touched");
    // Nor does Grace's credential pass as Ada's by naming Ada as its user.
    graces.user_handle = adas.user_handle.clone();
    assert_eq!(
        sign_in_with(&app, &app.client(), &mut graces).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // Ada's own confirms it is her: the session is fresh again.
    app.clock.advance(time::Duration::minutes(6));
    let (status, _) = post(&ada, app.url("/api/v1/security/passkeys/challenge"), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no longer fresh");
    let confirmed = use_passkey(&app, &ada, &mut adas, confirm).await;
    assert_eq!(confirmed.status(), StatusCode::NO_CONTENT);
    let (status, _) = post(&ada, app.url("/api/v1/security/passkeys/challenge"), None).await;
    assert_eq!(status, StatusCode::OK);

    // Removing it signs out her other sessions, and it signs in nobody.
    let elsewhere = app.client();
    assert_eq!(sign_in_with(&app, &elsewhere, &mut adas).await.status(), StatusCode::OK);
    let (_, security) = app.get_json(&ada, "/api/v1/security").await;
    let id = security["passkeys"][0]["id"].as_str().unwrap().to_string();
    let grace = app.signed_in("grace@example.com").await;
    let by_grace = grace
        .delete(app.url(&format!("/api/v1/security/passkeys/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(by_grace.status(), StatusCode::NOT_FOUND);
    let removed = ada
        .delete(app.url(&format!("/api/v1/security/passkeys/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get_json(&elsewhere, "/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get_json(&ada, "/api/v1/me").await.0, StatusCode::OK);
    assert_eq!(
        sign_in_with(&app, &app.client(), &mut adas).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let actions = activity_actions(&app, &ada).await;
    assert_eq!(actions[0], "passkey_removed");
}

#[tokio::test]
async fn adding_a_passkey_needs_a_fresh_sign_in_a_name_and_the_users_own_challenge() {
    let app = spawn_app().await;
    let ada = app.signed_in("ada@example.com").await;
    let grace = app.signed_in("grace@example.com").await;
    let (ceremony, options) = challenge(&app, &ada, "/api/v1/security/passkeys/challenge").await;
    let (_, credential) = SoftPasskey::create(&options, &origin_of(&app));
    let add = |client: reqwest::Client, name: &str| {
        let body = json!({ "ceremony": ceremony, "name": name, "credential": credential });
        let url = app.url("/api/v1/security/passkeys");
        async move { post(&client, url, Some(body)).await }
    };
    let (status, body) = add(ada.clone(), " ").await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_input")
    );
    // Ada's challenge is not Grace's to answer (and is used up by trying).
    let (status, body) = add(grace.clone(), "Mine now").await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "ceremony_invalid")
    );
    let (status, body) = add(ada.clone(), "Work laptop").await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "ceremony_invalid")
    );

    // The same authenticator's credential once more: refused, whoever adds it.
    let laptop = add_passkey(&app, &ada, "Laptop").await;
    let again = |client: reqwest::Client, name: &'static str| {
        let app = &app;
        let laptop = &laptop;
        async move {
            let (ceremony, options) = challenge(app, &client, "/api/v1/security/passkeys/challenge").await;
            let body = json!({ "ceremony": ceremony, "name": name, "credential": laptop.registration(&options) });
            post(&client, app.url("/api/v1/security/passkeys"), Some(body)).await
        }
    };
    // Ada's challenge excludes it; Grace's cannot know it, and the store refuses it.
    let (status, body) = again(ada.clone(), "Laptop again").await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "passkey_invalid")
    );
    let (status, body) = again(grace.clone(), "Ada's laptop").await;
    assert_eq!((status, error_code(&body)), (StatusCode::CONFLICT, "passkey_exists"));

    // A new challenge replaces the user's last: one registration pending at most.
    let (older, options) = challenge(&app, &ada, "/api/v1/security/passkeys/challenge").await;
    let (_, credential) = SoftPasskey::create(&options, &origin_of(&app));
    challenge(&app, &ada, "/api/v1/security/passkeys/challenge").await;
    let body = json!({ "ceremony": older, "name": "Tablet", "credential": credential });
    let (status, body) = post(&ada, app.url("/api/v1/security/passkeys"), Some(body)).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "ceremony_invalid")
    );

    app.clock.advance(time::Duration::minutes(6));
    let (status, body) = post(&ada, app.url("/api/v1/security/passkeys/challenge"), None).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::FORBIDDEN, "reauthentication_required")
    );
}

#[tokio::test]
async fn a_portal_reached_by_an_ip_address_offers_no_passkeys() {
    let app = spawn_with(|config| config.public_url = Some("http://192.0.2.10:8080".into())).await;
    let ada = app.signed_in("ada@example.com").await;
    let (_, security) = app.get_json(&ada, "/api/v1/security").await;
    assert_eq!(security["passkeys_offered"], false);
    let (status, body) = post(&app.client(), app.url("/api/v1/auth/passkey/challenge"), None).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::CONFLICT, "passkeys_unavailable")
    );
}
