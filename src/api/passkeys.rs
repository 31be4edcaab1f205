//! Passkeys: the browser's WebAuthn ceremonies run in `js/passkey.js`,
//! loaded on first use so that the first load carries none of it.

use portal_types::{ApiError, MeResponse};
use wasm_bindgen::prelude::*;

use super::{ClientError, ClientResult};

#[wasm_bindgen(inline_js = "export function passkey(a, b) { return import('/lazy/passkey.js').then(m => m[a](b)) }")]
extern "C" {
    fn passkey(action: &str, argument: &str) -> js_sys::Promise;
}

/// Runs one of the module's ceremonies: its answer's JSON text.
async fn run(action: &str, argument: &str) -> ClientResult<String> {
    match wasm_bindgen_futures::JsFuture::from(passkey(action, argument)).await {
        Ok(answer) => Ok(answer.as_string().unwrap_or_default()),
        // The module's refusals are the API's error shape (its status not
        // carried); anything else (the module not loaded) is the network's.
        Err(error) => Err(error
            .as_string()
            .and_then(|text| super::decode::<ApiError>(Ok(text)).ok())
            .filter(|error| error.code != "network")
            .map_or(ClientError::Network, |error| super::refusal(0, error))),
    }
}

/// Sign in with a passkey; `autofill` waits for one picked among the email
/// field's suggestions.
pub async fn sign_in(autofill: bool) -> ClientResult<MeResponse> {
    super::decode(run("signIn", if autofill { "autofill" } else { "" }).await)
}

/// Ends the autofill's wait, when the Sign in page goes away.
pub fn cancel_autofill() {
    let _ = passkey("cancel", "");
}

/// Confirms it is you with a passkey, in place of password and code.
pub async fn confirm() -> ClientResult<()> {
    run("confirm", "").await.map(drop)
}

/// Adds a passkey under `name`; the sign-in must be fresh.
pub async fn add(name: &str) -> ClientResult<()> {
    run("add", name).await.map(drop)
}

/// Removes one of the user's passkeys; the sign-in must be fresh.
pub async fn remove(id: &str) -> ClientResult<()> {
    super::delete(&format!("/security/passkeys/{id}")).await
}
