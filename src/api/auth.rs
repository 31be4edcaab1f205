use portal_types::{MeResponse, SessionResponse, SignInRequest};

use super::{ClientResult, get, post, post_empty};

pub async fn sign_in(request: &SignInRequest) -> ClientResult<MeResponse> {
    post("/auth/sign-in", request).await
}

pub async fn sign_out() -> ClientResult<()> {
    post_empty("/auth/sign-out").await
}

/// Who is signed in on this browser; not an error when nobody is.
pub async fn session() -> ClientResult<SessionResponse> {
    get("/auth/session").await
}

/// Ends every session of the user's, this one included.
pub async fn sign_out_everywhere() -> ClientResult<()> {
    post_empty("/auth/sign-out-everywhere").await
}

/// Enters the password (and code) again before a destructive action.
pub async fn reauthenticate(confirmation: &portal_types::PasswordConfirmation) -> ClientResult<()> {
    super::post_empty_body("/auth/reauthenticate", confirmation).await
}
