//! Adding a device: the portal asks for a one-time code, the device enrolls with it.

use serde::{Deserialize, Serialize};

use crate::{DeviceId, FieldErrors, Management, Ownership, Platform};

/// What the user chose on the Add device page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrollmentCodeRequest {
    pub platform: Platform,
    pub device_name: String,
    pub ownership: Ownership,
    pub category: String,
    /// Register the device, or enroll it so that the organisation manages it.
    #[serde(default = "Management::managed")]
    pub management: Management,
}

impl EnrollmentCodeRequest {
    /// Checks both sides make: the portal before sending, the server again.
    pub fn field_errors(&self) -> FieldErrors {
        let mut errors = FieldErrors::default();
        let name = self.device_name.trim();
        if name.is_empty() {
            errors.add("device_name", "device_name_missing", "Enter a name for the device.");
        } else if name.chars().count() > 64 {
            errors.add("device_name", "device_name_too_long", "Use at most 64 characters.");
        } else if name.chars().any(char::is_control) {
            errors.add(
                "device_name",
                "device_name_characters",
                "Use letters, digits, spaces and punctuation only.",
            );
        }
        if self.category.trim().is_empty() {
            errors.add("category", "category_missing", "Choose a category.");
        }
        errors
    }
}

/// A one-time code, shown once: only its hash is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrollmentCodeResponse {
    /// `XXXX-XXXX-XXXX`, from an alphabet without look-alike characters.
    pub code: String,
    /// RFC 3339; at most 10 minutes after issue.
    pub expires_at: String,
    /// The code as a QR code, an SVG document.
    pub qr_svg: String,
    /// The agent command that enrolls with this code.
    pub command: String,
}

/// What the device reports about itself, at enrollment and at every check-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Inventory {
    pub os_version: String,
    pub model: String,
    pub encrypted: bool,
    pub passcode_set: bool,
    pub jailbroken: bool,
    #[serde(default)]
    #[serde(deserialize_with = "crate::whole_number")]
    pub free_storage_mb: u64,
    /// The manufacturer's serial number; kept for corporate devices only.
    #[serde(default)]
    pub serial_number: Option<String>,
    /// The on-premises manager's id of the device (ConfigMgr's SMS id), where
    /// the device knows it: it and the on-premises record are then one device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onprem_id: Option<String>,
}

/// The longest text a device may report in each inventory field, and the
/// most managed apps one check-in may list: a device is not trusted to keep
/// its reports small.
pub const MAX_INVENTORY_TEXT: usize = 128;
pub const MAX_REPORTED_APPS: usize = 500;

impl Inventory {
    pub fn field_errors(&self) -> FieldErrors {
        let mut errors = FieldErrors::default();
        let texts = [
            ("inventory.os_version", Some(&self.os_version)),
            ("inventory.model", Some(&self.model)),
            ("inventory.serial_number", self.serial_number.as_ref()),
            ("inventory.onprem_id", self.onprem_id.as_ref()),
        ];
        for (field, value) in texts {
            if value.is_some_and(|v| v.chars().count() > MAX_INVENTORY_TEXT) {
                errors.add(
                    field,
                    "too_long",
                    &format!("Use at most {MAX_INVENTORY_TEXT} characters."),
                );
            }
        }
        errors
    }
}

impl CheckInRequest {
    pub fn field_errors(&self) -> FieldErrors {
        let mut errors = self.inventory.field_errors();
        if self.apps.len() > MAX_REPORTED_APPS {
            errors.add(
                "apps",
                "too_many_apps",
                &format!("Report at most {MAX_REPORTED_APPS} apps."),
            );
        }
        let too_long = |t: &String| t.is_empty() || t.chars().count() > MAX_INVENTORY_TEXT;
        if self.apps.iter().any(|a| too_long(&a.app_id) || too_long(&a.version)) {
            errors.add(
                "apps",
                "app_invalid",
                &format!("Each app needs an id and a version of at most {MAX_INVENTORY_TEXT} characters."),
            );
        }
        errors
    }
}

/// Sent by the device with the code and a certificate signing request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrollRequest {
    pub code: String,
    pub platform: Platform,
    /// PKCS#10, PEM; an ECDSA P-256 key. Its subject is ignored.
    pub csr_pem: String,
    pub inventory: Inventory,
    /// What the device means to do; it must be what the code was issued for.
    #[serde(default = "Management::managed")]
    pub management: Management,
}

/// Sent by a registered device, signed with its key, to be enrolled with
/// an enrollment code: it keeps its id and its certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrollRegisteredRequest {
    pub code: String,
    pub inventory: Inventory,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrollResponse {
    pub device_id: DeviceId,
    pub certificate_pem: String,
    pub ca_certificate_pem: String,
}

/// What the rules allow the signed-in user, shown before a code is issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrollmentOptions {
    /// `standalone`, `office365` or `hybrid`.
    pub provisioning_mode: String,
    pub device_limit: u32,
    pub devices_enrolled: u32,
    pub platforms: Vec<PlatformRule>,
    pub categories: Vec<String>,
    /// The terms in force, if the organisation has any: a code is issued
    /// only once the caller has accepted this version.
    #[serde(default)]
    pub terms: Option<crate::Terms>,
    /// At the device limit, the platforms of devices the caller registered:
    /// a code to enroll one of them is issued all the same, since it counts
    /// against the limit already. Empty below the limit.
    #[serde(default)]
    pub registered_platforms: Vec<Platform>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlatformRule {
    pub platform: Platform,
    pub corporate_allowed: bool,
    pub personal_allowed: bool,
    /// The lowest OS version that may enroll, if any.
    #[serde(default)]
    pub min_os_version: Option<String>,
}

impl PlatformRule {
    /// Whether a device of this ownership may be added this way: the
    /// ownership rules are enrollment's, and any device of a platform the
    /// organisation takes at all may be registered.
    pub fn allows(&self, management: Management, ownership: Ownership) -> bool {
        match (management, ownership) {
            (Management::Registered, _) => self.corporate_allowed || self.personal_allowed,
            (Management::Managed, Ownership::Corporate) => self.corporate_allowed,
            (Management::Managed, Ownership::Personal) => self.personal_allowed,
        }
    }
}

/// Sent by an enrolled device, signed with its key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckInRequest {
    pub inventory: Inventory,
    /// The catalog apps installed on the device, with their versions.
    #[serde(default)]
    pub apps: Vec<crate::ManagedApp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckInResponse {
    pub compliance: crate::ComplianceState,
    pub reasons: Vec<ComplianceReason>,
    /// Commands queued while the device was away, oldest first; now delivered.
    #[serde(default)]
    pub commands: Vec<crate::DeviceCommand>,
}

/// One failed compliance rule: what is wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplianceReason {
    /// `os_version`, `encryption`, `passcode`, `jailbroken`, `check_in`.
    pub rule: String,
    pub problem: String,
    pub fix: String,
    /// The figures `problem` and `fix` name, in this order, so that the
    /// portal can say them in the reader's language: for `os_version` the
    /// platform, its version and the minimum; for `check_in` the days since
    /// the last check-in and the limit. (A list, not an object: the portal's
    /// first load has no map parser to spare.)
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

impl ComplianceReason {
    /// What the figures in `values` are, in order, for a reason of `rule`:
    /// the names the catalogs' sentences give them.
    pub fn figure_names(rule: &str) -> &'static [&'static str] {
        match rule {
            "os_version" => &["platform", "version", "minimum"],
            "check_in" => &["days", "limit"],
            _ => &[],
        }
    }

    /// The figures with their names, or `None` where they are not all here
    /// (a reason judged before the server sent them).
    pub fn figures(&self) -> Option<Vec<(&str, &str)>> {
        let names = Self::figure_names(&self.rule);
        (names.len() == self.values.len()).then(|| {
            names
                .iter()
                .copied()
                .zip(self.values.iter().map(String::as_str))
                .collect()
        })
    }
}

/// The normalised form of a code as typed: upper case, no separators.
pub fn normalize_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Compares dotted version numbers numerically: `10.0.19045` < `10.0.22000`, `9` < `10`.
pub fn version_at_least(version: &str, minimum: &str) -> bool {
    let parts = |v: &str| {
        v.split('.')
            .map(|p| p.trim().parse::<u64>().unwrap_or(0))
            .collect::<Vec<_>>()
    };
    let (mut have, mut need) = (parts(version), parts(minimum));
    let len = have.len().max(need.len());
    have.resize(len, 0);
    need.resize(len, 0);
    have >= need
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registering_ignores_the_ownership_rules_but_not_a_closed_platform() {
        let rule = |corporate_allowed, personal_allowed| PlatformRule {
            platform: Platform::Android,
            corporate_allowed,
            personal_allowed,
            min_os_version: None,
        };
        let corporate_only = rule(true, false);
        assert!(!corporate_only.allows(Management::Managed, Ownership::Personal));
        assert!(corporate_only.allows(Management::Registered, Ownership::Personal));
        assert!(corporate_only.allows(Management::Managed, Ownership::Corporate));
        assert!(!rule(false, false).allows(Management::Registered, Ownership::Personal));
    }

    #[test]
    fn codes_compare_without_case_or_dashes() {
        assert_eq!(normalize_code("abcd-EFGH-2345"), "ABCDEFGH2345");
        assert_eq!(normalize_code(" ab cd\n"), "ABCD");
    }

    #[test]
    fn a_device_name_is_required_short_and_printable() {
        let request = |name: &str| EnrollmentCodeRequest {
            platform: Platform::Android,
            device_name: name.into(),
            ownership: Ownership::Corporate,
            category: "Phone".into(),
            management: Management::Managed,
        };
        assert!(request("Ada's Pixel").field_errors().is_empty());
        for bad in ["", "   ", "a\u{7}b", &"x".repeat(65)] {
            assert!(
                request(bad).field_errors().get("device_name").is_some(),
                "{bad:?} accepted"
            );
        }
    }

    #[test]
    fn versions_compare_numerically() {
        assert!(version_at_least("10", "9"));
        assert!(!version_at_least("9", "10"));
        assert!(version_at_least("10.0.22000", "10.0.19045"));
        assert!(version_at_least("17", "17.0"));
        assert!(!version_at_least("16.7.2", "17"));
        assert!(version_at_least("14.6.1", "14.6"));
    }
}
