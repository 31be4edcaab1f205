//! Terms and conditions: versions an administrator publishes, which an
//! employee accepts before Add device issues a code. The rules (here), the
//! API (`routes`), and the Markdown subset they are written in (`markdown`).

pub mod markdown;
pub mod routes;

use axum::http::StatusCode;
use portal_types::{FieldErrors, Terms, UserId};
use time::OffsetDateTime;

use crate::{
    db::{Database, DbResult, StoredTerms, values::Ts},
    http::error::AppError,
};

/// The longest terms, in characters: about ten printed pages.
pub const MAX_LENGTH: usize = 20_000;

fn rfc3339(at: OffsetDateTime) -> String {
    Ts(at).rfc3339()
}

/// What is wrong with a new version's text, field by field.
pub fn text_errors(text: &str) -> FieldErrors {
    let mut errors = FieldErrors::default();
    let length = text.trim().chars().count();
    if length == 0 {
        errors.add(
            "text",
            "required",
            "Write the terms employees accept before they enroll a device.",
        );
    } else if length > MAX_LENGTH {
        errors.add(
            "text",
            "too_long",
            &format!("The terms can be at most {MAX_LENGTH} characters long; these are {length}."),
        );
    }
    errors
}

/// The terms in force as `user` reads them: with when they accepted them.
pub fn as_read(stored: &StoredTerms, accepted_at: Option<OffsetDateTime>) -> Terms {
    Terms {
        version: stored.version,
        html: markdown::to_html(&stored.body),
        published_at: rfc3339(stored.published_at),
        accepted_at: accepted_at.map(rfc3339),
    }
}

/// The terms in force, if there are any, with the user's acceptance.
pub async fn for_user(db: &dyn Database, user: UserId) -> DbResult<Option<Terms>> {
    let Some(stored) = db.current_terms().await? else {
        return Ok(None);
    };
    let accepted_at = db.terms_accepted_at(user, stored.version).await?;
    Ok(Some(as_read(&stored, accepted_at)))
}

/// Add device issues a code only to a user who accepted the terms in force.
pub async fn require_accepted(db: &dyn Database, user: UserId) -> Result<(), AppError> {
    let Some(terms) = db.current_terms().await? else {
        return Ok(());
    };
    if db.terms_accepted_at(user, terms.version).await?.is_some() {
        return Ok(());
    }
    Err(AppError::refused(
        StatusCode::FORBIDDEN,
        "terms_not_accepted",
        format!(
            "Accept the terms and conditions (version {}) before you enroll a device.",
            terms.version
        ),
    ))
}

/// Somebody published a version since the one read or edited.
pub fn changed() -> AppError {
    AppError::refused(
        StatusCode::CONFLICT,
        "terms_changed",
        "The terms and conditions changed since you opened them. Reload to read the new version.",
    )
}
