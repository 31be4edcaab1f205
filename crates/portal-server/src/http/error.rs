use axum::{
    Json,
    extract::{FromRequest, rejection::JsonRejection},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use portal_types::{ApiError, FieldErrors};
use serde::de::DeserializeOwned;

/// Every way a request can fail, each with its status and code.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("sign in first")]
    Unauthorized,
    #[error("session expired")]
    SessionExpired,
    #[error("wrong email or password")]
    InvalidCredentials,
    #[error("not found")]
    NotFound,
    #[error("invalid input")]
    InvalidInput(FieldErrors),
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A rule said no: the status, a stable code and a sentence naming the rule.
    #[error("{code}: {message}")]
    Refused {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
    /// Somebody who is not an administrator at the console's API: 403,
    /// written down by [`crate::admin::audit_refused`].
    #[error("admin only: {message}")]
    AdminOnly {
        user: portal_types::UserId,
        message: String,
    },
    /// Too many attempts: try again after this many seconds.
    #[error("rate limited")]
    RateLimited { retry_after_seconds: i64, message: String },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// A rule said no, in words that name the rule.
    pub fn refused(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        AppError::Refused {
            status,
            code,
            message: message.into(),
        }
    }

    fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            AppError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized", "Sign in to continue.".into()),
            AppError::SessionExpired => (
                StatusCode::UNAUTHORIZED,
                "session_expired",
                "Your session has expired. Sign in again.".into(),
            ),
            AppError::InvalidCredentials => (
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "The email address or password is incorrect.".into(),
            ),
            AppError::NotFound => (StatusCode::NOT_FOUND, "not_found", "Nothing was found here.".into()),
            // Well-formed, but a rule refused a field: 400 is for what is not of the documented shape.
            AppError::InvalidInput(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
                "Some fields need your attention.".into(),
            ),
            AppError::BadRequest(message) => (StatusCode::BAD_REQUEST, "bad_request", message.clone()),
            AppError::Refused { status, code, message } => (*status, code, message.clone()),
            AppError::AdminOnly { message, .. } => (StatusCode::FORBIDDEN, "admin_only", message.clone()),
            AppError::RateLimited { message, .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited", message.clone()),
            AppError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Something went wrong on our side. Try again in a moment.".into(),
            ),
        }
    }
}

impl From<crate::db::DbError> for AppError {
    fn from(error: crate::db::DbError) -> Self {
        AppError::Internal(error.into())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(error) = &self {
            // Details go to the log, never to the client.
            tracing::error!(error = format!("{error:#}"), "request failed");
        }
        let (status, code, message) = self.parts();
        let refused_admin = match &self {
            AppError::AdminOnly { user, .. } => Some(crate::admin::RefusedAdmin(*user)),
            _ => None,
        };
        let retry_after = match &self {
            AppError::RateLimited {
                retry_after_seconds, ..
            } => Some(*retry_after_seconds),
            _ => None,
        };
        let fields = match self {
            AppError::InvalidInput(fields) => fields,
            _ => FieldErrors::default(),
        };
        let mut response = (
            status,
            Json(ApiError {
                code: code.into(),
                message,
                fields,
            }),
        )
            .into_response();
        if let Some(refused) = refused_admin {
            response.extensions_mut().insert(refused);
        }
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        AppError::BadRequest(rejection.body_text())
    }
}

/// `Json` whose rejections answer in the API's error shape, and which takes
/// an object only (serde alone would read a struct from an array too).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, AppError> {
        let essence = request
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase());
        if essence.is_none_or(|e| e != "application/json" && !(e.starts_with("application/") && e.ends_with("+json"))) {
            return Err(AppError::BadRequest(
                "Expected request with `Content-Type: application/json`".into(),
            ));
        }
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|e| AppError::refused(e.status(), "bad_request", e.body_text()))?;
        object(&bytes).map(ApiJson)
    }
}

/// The request body, a JSON object, as `T`. Anything else is refused,
/// though serde alone would read a struct from an array too.
pub fn object<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(AppError::BadRequest("The request body must be a JSON object.".into()));
    }
    serde_json::from_slice(bytes).map_err(|e| AppError::BadRequest(format!("The request body is not valid: {e}")))
}

impl<T: serde::Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        Json(self.0).into_response()
    }
}
