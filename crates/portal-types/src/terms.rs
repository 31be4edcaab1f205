//! Terms and conditions: what an employee accepts before enrolling a
//! device, and the versions an administrator publishes.

use serde::{Deserialize, Serialize};

/// The terms in force, as an employee reads them: in Add device's options
/// (`EnrollmentOptions::terms`) and in the answer to an acceptance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Terms {
    pub version: u32,
    /// The text as HTML the server rendered from its Markdown subset:
    /// paragraphs, headings, lists, emphasis and https or mailto links.
    pub html: String,
    /// RFC 3339.
    pub published_at: String,
    /// When the caller accepted this version (RFC 3339); none yet.
    #[serde(default)]
    pub accepted_at: Option<String>,
}

/// `POST /api/v1/terms/acceptances`: the version the user read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TermsAcceptance {
    #[serde(deserialize_with = "crate::whole_u32")]
    pub version: u32,
}

/// The newest version, as the administrators' Terms page shows it; version
/// 0, with no text, before the first is published.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TermsVersion {
    pub version: u32,
    /// As written: plain text or the Markdown subset.
    pub text: String,
    pub html: String,
    /// "Name (email)", if that account still exists.
    #[serde(default)]
    pub published_by: Option<String>,
    /// RFC 3339.
    #[serde(default)]
    pub published_at: Option<String>,
    /// How many people have accepted this version.
    pub accepted_by: u64,
}

/// `POST /api/v1/admin/terms`: a new version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TermsChange {
    /// The version the administrator edited, 0 for none: publishing fails
    /// (409) if another was published since.
    #[serde(deserialize_with = "crate::whole_u32")]
    pub based_on: u32,
    pub text: String,
}
