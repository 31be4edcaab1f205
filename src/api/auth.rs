use portal_types::{MeResponse, SessionResponse, SignInRequest};

use super::{ClientError, ClientResult, get, post, post_empty};

pub async fn sign_in(request: &SignInRequest) -> ClientResult<MeResponse> {
    post("/auth/sign-in", request).await
}

/// Ends this session; `Ok` once it is over on the server, as it is when
/// the server had already ended it. Any other error leaves it going.
pub async fn sign_out() -> ClientResult<()> {
    ended(post_empty("/auth/sign-out").await)
}

/// Who is signed in on this browser; not an error when nobody is.
pub async fn session() -> ClientResult<SessionResponse> {
    get("/auth/session").await
}

/// Ends every session of the user's, this one included; `Ok` as
/// [`sign_out`]'s.
pub async fn sign_out_everywhere() -> ClientResult<()> {
    ended(post_empty("/auth/sign-out-everywhere").await)
}

fn ended(answer: ClientResult<()>) -> ClientResult<()> {
    match answer {
        Err(ClientError::Unauthorized { .. }) => Ok(()),
        answer => answer,
    }
}

/// Enters the password (and code) again before a destructive action.
pub async fn reauthenticate(confirmation: &portal_types::PasswordConfirmation) -> ClientResult<()> {
    super::post_empty_body("/auth/reauthenticate", confirmation).await
}
