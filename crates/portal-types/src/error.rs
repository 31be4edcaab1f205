use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Messages for bad input, keyed by the request field they belong to.
pub type FieldErrors = BTreeMap<String, String>;

/// The one error shape every API endpoint answers with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    /// Stable machine-readable code, e.g. `unauthorized`, `invalid_input`.
    pub code: String,
    /// A sentence a person can read.
    pub message: String,
    /// Per-field messages for bad input; empty otherwise.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: FieldErrors,
}
