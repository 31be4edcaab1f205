use portal_types::{EnrollmentCodeRequest, EnrollmentCodeResponse, EnrollmentOptions};

use super::{ClientResult, get, post};

/// What the rules allow the signed-in user to enroll.
pub async fn options() -> ClientResult<EnrollmentOptions> {
    get("/enrollment/options").await
}

/// A one-time code for the device being added.
pub async fn create_code(request: &EnrollmentCodeRequest) -> ClientResult<EnrollmentCodeResponse> {
    post("/enrollment-codes", request).await
}
