use serde::{Deserialize, Serialize};

/// One message for one bad request field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The request field, e.g. `email`.
    pub field: String,
    /// Stable machine-readable code of the rule, e.g. `email_invalid`: the
    /// portal says it in the reader's language.
    pub code: String,
    pub message: String,
}

/// Messages for bad input, in the order the fields appear in the form. A list
/// rather than a map: the portal decodes it with less code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    /// `code` names the rule `field` broke; `message` says it in English.
    pub fn add(&mut self, field: &str, code: &str, message: &str) {
        self.0.push(FieldError {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        });
    }

    /// The message for `field`, if it has one.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The one error shape every API endpoint answers with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    /// Stable machine-readable code, e.g. `unauthorized`, `invalid_input`.
    pub code: String,
    /// A sentence a person can read.
    pub message: String,
    /// Per-field messages for bad input; empty otherwise.
    #[serde(default, skip_serializing_if = "FieldErrors::is_empty")]
    pub fields: FieldErrors,
}
