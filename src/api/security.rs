use portal_types::{
    PasswordConfirmation, RecoveryCodesResponse, SecurityResponse, TotpConfirmRequest, TotpSetupResponse,
};

use super::{ClientResult, get, post, post_empty_body};

pub async fn state() -> ClientResult<SecurityResponse> {
    get("/security").await
}

/// A new authenticator secret, in force once confirmed.
pub async fn set_up_totp() -> ClientResult<TotpSetupResponse> {
    post("/security/totp", &()).await
}

/// Turns the authenticator app on; the answer holds the recovery codes.
pub async fn confirm_totp(code: String) -> ClientResult<RecoveryCodesResponse> {
    post("/security/totp/confirm", &TotpConfirmRequest { code }).await
}

pub async fn disable_totp(confirmation: &PasswordConfirmation) -> ClientResult<()> {
    post_empty_body("/security/totp/disable", confirmation).await
}
