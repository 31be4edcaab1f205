//! The IT help desk, as configured by the organisation.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HelpDesk {
    pub name: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// An https:// address.
    #[serde(default)]
    pub website: Option<String>,
    /// Opening hours, or anything else users should know.
    #[serde(default)]
    pub note: Option<String>,
}
