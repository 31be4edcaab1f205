//! The organisation's branding: its name, logo, theme colour, privacy
//! statement and help desk, set by an administrator.

use serde::{Deserialize, Serialize};

use crate::HelpDesk;

/// What an administrator sets on the Branding page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BrandingSettings {
    /// In the header and the page titles; empty: "Company Portal" alone.
    pub organisation: String,
    /// `#rrggbb`: buttons, the header and links are derived from it, at
    /// WCAG AA contrast in the light and the dark scheme.
    pub color: String,
    /// The organisation's privacy statement, an https:// address.
    #[serde(default)]
    pub privacy_url: Option<String>,
    pub help_desk: HelpDesk,
}

/// The branding in force: `GET /api/v1/branding` (anyone) and the admin API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Branding {
    /// 0 until an administrator saves one: the server's configuration.
    pub version: u32,
    pub settings: BrandingSettings,
    /// Where the logo is (a PNG), if there is one.
    #[serde(default)]
    pub logo: Option<String>,
    /// "Name (email)" of who saved it, while that account exists.
    #[serde(default)]
    pub changed_by: Option<String>,
    /// RFC 3339; none for version 0.
    #[serde(default)]
    pub changed_at: Option<String>,
}

/// `PUT /api/v1/admin/branding`: the next version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BrandingChange {
    /// The version the administrator edited: saving fails (409) if another
    /// was saved since.
    #[serde(deserialize_with = "crate::whole_u32")]
    pub based_on: u32,
    pub settings: BrandingSettings,
}
