//! Corporate web apps published through the gateway, and the access rule
//! each is reached by.

use serde::{Deserialize, Serialize};

/// What a visitor must have to reach a published app; each part on or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessRule {
    /// A portal session (implied by every other part).
    pub signed_in: bool,
    /// A valid, unrevoked device certificate of one of the user's devices.
    pub registered_device: bool,
    /// That device is not Cannot access.
    pub compliant_device: bool,
    /// A TOTP code or a passkey at sign-in.
    pub second_factor: bool,
    /// The registered device's certificate stands in for the second factor.
    pub device_counts_as_second_factor: bool,
}

impl AccessRule {
    /// The design guide's: a registered, compliant device of a signed-in user.
    pub const REGISTERED_COMPLIANT_DEVICE: AccessRule = AccessRule {
        signed_in: true,
        registered_device: true,
        compliant_device: true,
        second_factor: false,
        device_counts_as_second_factor: false,
    };
}

/// How an app's rule is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Enforcement {
    /// Anyone reaches the app; nothing is checked.
    Off,
    /// Everyone reaches the app; a refusal is only written in the audit log.
    Audit,
    /// The rule refuses.
    Required,
}

impl Enforcement {
    pub fn as_str(self) -> &'static str {
        match self {
            Enforcement::Off => "off",
            Enforcement::Audit => "audit",
            Enforcement::Required => "required",
        }
    }

    pub fn parse(value: &str) -> Option<Enforcement> {
        [Enforcement::Off, Enforcement::Audit, Enforcement::Required]
            .into_iter()
            .find(|e| e.as_str() == value)
    }
}

/// A corporate web app reached only through the gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishedApp {
    /// As users see it: "Expenses".
    pub name: String,
    /// The gateway's paths that reach it: `/expenses/`, beginning and ending with `/`.
    pub prefix: String,
    /// Where the gateway forwards requests: an http:// or https:// address.
    pub upstream: String,
    pub rule: AccessRule,
    pub enforcement: Enforcement,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishedAppsResponse {
    pub apps: Vec<PublishedApp>,
    /// Where the gateway listens, as browsers reach it; none when it is off.
    #[serde(default)]
    pub gateway_url: Option<String>,
}
