use serde::{Deserialize, Serialize};

use crate::DeviceId;

/// Operating systems the organisation manages. Hybrid mode adds the
/// non-mobile ones the on-premises inventory holds (Windows Server, Linux).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    Android,
    Ios,
    Windows,
    Windows81,
    WindowsPhone,
    Macos,
    Linux,
    WindowsServer,
}

impl Platform {
    pub const ALL: [Platform; 8] = [
        Platform::Android,
        Platform::Ios,
        Platform::Windows,
        Platform::Windows81,
        Platform::WindowsPhone,
        Platform::Macos,
        Platform::Linux,
        Platform::WindowsServer,
    ];

    /// The name users know the platform by.
    pub fn label(self) -> &'static str {
        match self {
            Platform::Android => "Android",
            Platform::Ios => "iOS/iPadOS",
            Platform::Windows => "Windows 10/11",
            Platform::Windows81 => "Windows 8.1",
            Platform::WindowsPhone => "Windows Phone",
            Platform::Macos => "macOS",
            Platform::Linux => "Linux",
            Platform::WindowsServer => "Windows Server",
        }
    }

    /// The wire name, as serde writes it; also the database's.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Android => "android",
            Platform::Ios => "ios",
            Platform::Windows => "windows",
            Platform::Windows81 => "windows81",
            Platform::WindowsPhone => "windows_phone",
            Platform::Macos => "macos",
            Platform::Linux => "linux",
            Platform::WindowsServer => "windows_server",
        }
    }

    pub fn parse(value: &str) -> Option<Platform> {
        Platform::ALL.into_iter().find(|p| p.as_str() == value)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Ownership {
    Corporate,
    Personal,
}

impl Ownership {
    pub fn label(self) -> &'static str {
        match self {
            Ownership::Corporate => "Corporate",
            Ownership::Personal => "Personal",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Ownership::Corporate => "corporate",
            Ownership::Personal => "personal",
        }
    }

    pub fn parse(value: &str) -> Option<Ownership> {
        [Ownership::Corporate, Ownership::Personal]
            .into_iter()
            .find(|o| o.as_str() == value)
    }
}

/// What adding the device gave the organisation: a registered device is
/// known and trusted (a certificate tying it to its user) but takes no
/// remote action but Remove device, no apps and no inventory beyond what it
/// reports; a managed (enrolled) one takes them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Management {
    Registered,
    Managed,
}

impl Management {
    pub const ALL: [Management; 2] = [Management::Registered, Management::Managed];

    pub fn managed() -> Self {
        Management::Managed
    }

    pub fn label(self) -> &'static str {
        match self {
            Management::Registered => "Registered",
            Management::Managed => "Managed",
        }
    }

    /// The wire name, as serde writes it; also the database's.
    pub fn as_str(self) -> &'static str {
        match self {
            Management::Registered => "registered",
            Management::Managed => "managed",
        }
    }

    pub fn parse(value: &str) -> Option<Management> {
        Management::ALL.into_iter().find(|m| m.as_str() == value)
    }

    /// The agent's command that adds a device this way.
    pub fn agent_verb(self) -> &'static str {
        match self {
            Management::Registered => "register",
            Management::Managed => "enroll",
        }
    }
}

/// Whether the device meets the organisation's policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ComplianceState {
    /// Meets every policy.
    CanAccess,
    /// Fails a policy but is inside its grace period.
    OutOfCompliance,
    /// Fails a policy past its grace period: corporate resources refuse it.
    CannotAccess,
}

impl ComplianceState {
    pub const ALL: [ComplianceState; 3] = [
        ComplianceState::CanAccess,
        ComplianceState::OutOfCompliance,
        ComplianceState::CannotAccess,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ComplianceState::CanAccess => "Can access",
            ComplianceState::OutOfCompliance => "Out of compliance",
            ComplianceState::CannotAccess => "Cannot access",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ComplianceState::CanAccess => "can_access",
            ComplianceState::OutOfCompliance => "out_of_compliance",
            ComplianceState::CannotAccess => "cannot_access",
        }
    }

    pub fn parse(value: &str) -> Option<ComplianceState> {
        [
            ComplianceState::CanAccess,
            ComplianceState::OutOfCompliance,
            ComplianceState::CannotAccess,
        ]
        .into_iter()
        .find(|c| c.as_str() == value)
    }
}

/// One of the signed-in user's devices, as the device list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Device {
    pub id: DeviceId,
    pub name: String,
    pub platform: Platform,
    pub model: String,
    pub os_version: String,
    pub ownership: Ownership,
    pub compliance: ComplianceState,
    /// RFC 3339 time of the last check-in; absent before the first one.
    #[serde(default)]
    pub last_check_in: Option<String>,
    /// When a Reset device completed: the device was erased.
    #[serde(default)]
    pub wiped_at: Option<String>,
    /// Remove device was asked for and the device has not carried it out yet.
    #[serde(default)]
    pub removal_pending: bool,
    /// The portal, the on-premises manager, or both: an on-premises device
    /// takes no remote action from the portal.
    #[serde(default = "crate::admin::ManagedBy::portal")]
    pub managed_by: crate::admin::ManagedBy,
    /// Registered only, or managed.
    #[serde(default = "Management::managed")]
    pub management: Management,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DevicesResponse {
    pub devices: Vec<Device>,
}

/// The device certificate issued at enrollment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertificateInfo {
    pub subject: String,
    pub issuer: String,
    /// Hex, colon-separated.
    pub serial: String,
    /// SHA-256 of the DER, hex, colon-separated.
    pub fingerprint_sha256: String,
    pub issued_at: String,
    pub expires_at: String,
    #[serde(default)]
    pub revoked_at: Option<String>,
}

/// Everything the device's page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceDetail {
    pub device: Device,
    pub category: String,
    /// Corporate devices only: the organisation never keeps a personal device's.
    #[serde(default)]
    pub serial_number: Option<String>,
    pub enrolled_at: String,
    /// Each failed compliance rule, with how to fix it.
    pub compliance_reasons: Vec<crate::ComplianceReason>,
    /// When Out of compliance turns into Cannot access, if nothing is fixed.
    #[serde(default)]
    pub compliance_deadline: Option<String>,
    #[serde(default)]
    pub certificate: Option<CertificateInfo>,
    /// Why the organisation's plan offers no Lock, when it does not (basic
    /// mobility management).
    #[serde(default)]
    pub lock_not_offered: Option<String>,
    /// Since when the on-premises inventory no longer holds the device (a
    /// full snapshot without it marked it stale), RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onprem_stale_since: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip_through_serde_and_parse() {
        for platform in Platform::ALL {
            let json = serde_json::to_string(&platform).unwrap();
            assert_eq!(json, format!("\"{}\"", platform.as_str()));
            assert_eq!(Platform::parse(platform.as_str()), Some(platform));
        }
        for state in [
            ComplianceState::CanAccess,
            ComplianceState::OutOfCompliance,
            ComplianceState::CannotAccess,
        ] {
            let json = serde_json::to_string(&state).unwrap();
            assert_eq!(json, format!("\"{}\"", state.as_str()));
            assert_eq!(ComplianceState::parse(state.as_str()), Some(state));
        }
        for ownership in [Ownership::Corporate, Ownership::Personal] {
            assert_eq!(
                serde_json::to_string(&ownership).unwrap(),
                format!("\"{}\"", ownership.as_str())
            );
            assert_eq!(Ownership::parse(ownership.as_str()), Some(ownership));
        }
        assert_eq!(Platform::parse("symbian"), None);
    }

    #[test]
    fn a_device_without_check_in_decodes() {
        let json = r#"{"id":"6f1c1b9e-8d43-4a6e-9a59-0d6a3b1f2c11","name":"Work phone","platform":"android",
            "model":"Pixel 8","os_version":"14","ownership":"corporate","compliance":"can_access"}"#;
        let device: Device = serde_json::from_str(json).unwrap();
        assert_eq!(device.last_check_in, None);
        assert_eq!(device.platform.label(), "Android");
    }
}
