use portal_types::{EnrollmentCodeRequest, EnrollmentCodeResponse, EnrollmentOptions, TermsAcceptance};

use super::{ClientResult, get, post, post_empty_body};

/// What the rules allow the signed-in user to enroll.
pub async fn options() -> ClientResult<EnrollmentOptions> {
    get("/enrollment/options").await
}

/// A one-time code for the device being added.
pub async fn create_code(request: &EnrollmentCodeRequest) -> ClientResult<EnrollmentCodeResponse> {
    post("/enrollment-codes", request).await
}

/// Accepts the terms in force, the version the user read.
pub async fn accept_terms(version: u32) -> ClientResult<()> {
    post_empty_body("/terms/acceptances", &TermsAcceptance { version }).await
}
