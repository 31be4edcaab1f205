//! Typed client for the enrollment API, one module per resource.

pub mod admin;
pub mod auth;
pub mod catalog;
pub mod commands;
pub mod devices;
pub mod enrollment;
pub mod passkeys;
pub mod security;

use std::fmt;

use gloo_net::http::{Method, Request, RequestBuilder, Response};
use portal_types::{ApiError, FieldErrors};
use serde::{Serialize, de::DeserializeOwned};

use crate::i18n::{self, msg::client, tr, trf};

const BASE: &str = "/api/v1";
/// Sent with every request: the server refuses state changes without it (CSRF).
const CSRF_HEADER: (&str, &str) = ("x-requested-with", "company-portal");

/// Why a call failed, in terms the page can explain.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientError {
    /// The server could not be reached.
    Network,
    /// No session, or it ended; `expired` when the server said it timed out.
    Unauthorized { expired: bool },
    /// The server answered with an error.
    Api { status: u16, error: ApiError },
    /// The server answered with something this portal does not understand.
    Unexpected(&'static str),
}

impl ClientError {
    /// Per-field messages in the reader's words, when the server gave them.
    pub fn fields(&self) -> FieldErrors {
        match self {
            ClientError::Api { error, .. } => in_words(error.fields.clone()),
            _ => FieldErrors::default(),
        }
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Network => f.write_str(tr(client::NETWORK)),
            ClientError::Unauthorized { expired: true } => f.write_str(tr(client::SESSION_EXPIRED)),
            ClientError::Unauthorized { expired: false } => f.write_str(tr(client::UNAUTHORIZED)),
            ClientError::Api { error, .. } => f.write_str(&error_text(error)),
            ClientError::Unexpected(detail) => f.write_str(&trf(client::UNEXPECTED, &[("detail", detail)])),
        }
    }
}

impl std::error::Error for ClientError {}

pub type ClientResult<T> = Result<T, ClientError>;

/// The server's error in the reader's words: in English its own sentence,
/// which may name what it refers to; otherwise the catalog's for its stable
/// code, where it has one (the wasm carries no English for those).
pub fn error_text(error: &ApiError) -> String {
    in_words_or(&error.code, &error.message).into()
}

/// Per-field messages (the server's, or the portal's own checks made with
/// the same rules) in the reader's words, as `error_text` does.
pub fn in_words(mut errors: FieldErrors) -> FieldErrors {
    for error in &mut errors.0 {
        error.message = in_words_or(&error.code, &error.message).into();
    }
    errors
}

/// The catalog's words for `code` outside English, else `english`.
fn in_words_or<'a>(code: &str, english: &'a str) -> &'a str {
    i18n::error(code).unwrap_or(english)
}

async fn send(request: Result<Request, gloo_net::Error>) -> ClientResult<Response> {
    let request = request.map_err(|_| ClientError::Unexpected("request not sent"))?;
    let response = request.send().await.map_err(|_| ClientError::Network)?;
    if response.ok() {
        return Ok(response);
    }
    let status = response.status();
    let body = response.text().await.map_err(|_| ClientError::Network);
    Err(match decode::<ApiError>(body) {
        Ok(error) => refusal(status, error),
        // A proxy or a stopped server answers without the API's error body.
        Err(_) if matches!(status, 502..=504) => ClientError::Network,
        Err(_) => ClientError::Unexpected("an error without details"),
    })
}

/// The server's refusal: an ended session (which only a 401 carries) apart.
fn refusal(status: u16, error: ApiError) -> ClientError {
    match error.code.as_str() {
        "unauthorized" | "session_expired" => ClientError::Unauthorized {
            expired: error.code == "session_expired",
        },
        _ => ClientError::Api { status, error },
    }
}

/// The answer's body. Not generic, so that each type of answer adds only
/// its parsing to the wasm, not another copy of the request's handling.
async fn answer(request: Result<Request, gloo_net::Error>) -> ClientResult<String> {
    send(request).await?.text().await.map_err(|_| ClientError::Network)
}

/// A request to the API at `path`, with the header every request carries.
fn request(method: Method, path: &str) -> RequestBuilder {
    RequestBuilder::new(&format!("{BASE}{path}"))
        .method(method)
        .header(CSRF_HEADER.0, CSRF_HEADER.1)
}

pub(crate) fn decode<T: DeserializeOwned>(body: ClientResult<String>) -> ClientResult<T> {
    // The decoder's own message is not shown: it would add its formatting code to the wasm.
    serde_json::from_str(&body?).map_err(|_| ClientError::Unexpected("unreadable answer"))
}

pub(crate) async fn get<T: DeserializeOwned>(path: &str) -> ClientResult<T> {
    decode(answer(request(Method::GET, path).build()).await)
}

pub(crate) async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> ClientResult<T> {
    decode(answer(request(Method::POST, path).json(body)).await)
}

pub(crate) async fn put<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> ClientResult<T> {
    decode(answer(request(Method::PUT, path).json(body)).await)
}

/// A PUT of a file, its type as the content type.
pub(crate) async fn put_file<T: DeserializeOwned>(path: &str, file: web_sys::File) -> ClientResult<T> {
    let content_type = file.type_();
    decode(
        answer(
            request(Method::PUT, path)
                .header("content-type", &content_type)
                .body(file),
        )
        .await,
    )
}

/// A POST with a body whose answer has none.
pub(crate) async fn post_empty_body<B: Serialize>(path: &str, body: &B) -> ClientResult<()> {
    send(request(Method::POST, path).json(body)).await.map(drop)
}

/// A POST whose answer has no body.
pub(crate) async fn post_empty(path: &str) -> ClientResult<()> {
    send(request(Method::POST, path).build()).await.map(drop)
}

/// A DELETE whose answer has no body.
pub(crate) async fn delete(path: &str) -> ClientResult<()> {
    send(request(Method::DELETE, path).build()).await.map(drop)
}
