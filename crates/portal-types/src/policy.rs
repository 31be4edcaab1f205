//! The enrollment restrictions and the compliance policy, as administrators
//! edit them on the Policies page: stored by version, each with who changed it.

use serde::{Deserialize, Serialize};

use crate::{FieldErrors, Platform};

/// Intune's default: a device that has not checked in for 30 days is noncompliant.
pub const DEFAULT_CHECK_IN_DAYS: u32 = 30;

/// One policy: what may enroll, and what a device must be to stay compliant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicySettings {
    /// Devices one user may enroll.
    #[serde(deserialize_with = "crate::whole_u32")]
    pub device_limit: u32,
    /// The provisioning mode's platforms, each with its restrictions and minimum versions.
    pub platforms: Vec<PlatformSettings>,
    pub require_encryption: bool,
    pub require_passcode: bool,
    pub block_jailbroken: bool,
    /// How long Out of compliance lasts before it becomes Cannot access.
    #[serde(deserialize_with = "crate::whole_u32")]
    pub grace_period_hours: u32,
    /// A device that has not checked in for this many days is noncompliant.
    #[serde(deserialize_with = "crate::whole_u32")]
    pub check_in_days: u32,
}

/// One platform's part of the policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlatformSettings {
    pub platform: Platform,
    /// Corporate devices of the platform may enroll.
    pub corporate_allowed: bool,
    /// Personal devices of the platform may enroll.
    pub personal_allowed: bool,
    /// Lowest OS version that may enroll; none: any.
    pub min_enroll_os: Option<String>,
    /// Lowest OS version that is compliant; none: any.
    pub min_compliant_os: Option<String>,
}

impl PolicySettings {
    pub const MAX_DEVICE_LIMIT: u32 = 100;
    pub const MAX_GRACE_PERIOD_HOURS: u32 = 90 * 24;
    pub const MAX_CHECK_IN_DAYS: u32 = 365;

    /// Field names are `device_limit`, `grace_period_hours`, `check_in_days`
    /// and `<platform>.min_enroll_os` / `<platform>.min_compliant_os`.
    pub fn field_errors(&self) -> FieldErrors {
        let mut errors = FieldErrors::default();
        if !(1..=Self::MAX_DEVICE_LIMIT).contains(&self.device_limit) {
            errors.add(
                "device_limit",
                "out_of_range",
                &format!("Use a number from 1 to {}.", Self::MAX_DEVICE_LIMIT),
            );
        }
        for (i, rule) in self.platforms.iter().enumerate() {
            if self.platforms[..i].iter().any(|r| r.platform == rule.platform) {
                errors.add(
                    rule.platform.as_str(),
                    "platform_repeated",
                    "Each platform appears once.",
                );
            }
            for (part, version) in [
                ("min_enroll_os", &rule.min_enroll_os),
                ("min_compliant_os", &rule.min_compliant_os),
            ] {
                if let Some(version) = version
                    && !is_version(version)
                {
                    errors.add(
                        &format!("{}.{part}", rule.platform.as_str()),
                        "version_invalid",
                        "Use a version such as 14 or 10.0.19045: digits and dots.",
                    );
                }
            }
        }
        if self.grace_period_hours > Self::MAX_GRACE_PERIOD_HOURS {
            errors.add(
                "grace_period_hours",
                "out_of_range",
                &format!("Use at most {} hours (90 days).", Self::MAX_GRACE_PERIOD_HOURS),
            );
        }
        if !(1..=Self::MAX_CHECK_IN_DAYS).contains(&self.check_in_days) {
            errors.add(
                "check_in_days",
                "out_of_range",
                &format!("Use a number of days from 1 to {}.", Self::MAX_CHECK_IN_DAYS),
            );
        }
        errors
    }

    pub fn platform(&self, platform: Platform) -> Option<&PlatformSettings> {
        self.platforms.iter().find(|r| r.platform == platform)
    }
}

/// Digits separated by single dots, as OS versions are compared.
pub fn is_version(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 32
        && text
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// How far the re-evaluation of every device against a version has gone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Evaluation {
    /// Devices judged so far.
    pub evaluated: u64,
    /// Devices there were when it began.
    pub devices: u64,
    /// Devices whose compliance changed.
    pub changed: u64,
    /// When every device had been judged (RFC 3339); none while it runs.
    pub finished_at: Option<String>,
}

/// The policy in force: `GET /api/v1/admin/policy`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicyVersion {
    /// 1 is the initial policy, from the server's configuration.
    pub version: u32,
    pub settings: PolicySettings,
    /// Who saved it ("Name (email)"); none for the initial policy.
    pub changed_by: Option<String>,
    /// RFC 3339.
    pub changed_at: String,
    pub evaluation: Evaluation,
}

/// A new version: `PUT /api/v1/admin/policy`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicyChange {
    /// The version the administrator edited: saving fails (409) if another
    /// was saved since.
    #[serde(deserialize_with = "crate::whole_u32")]
    pub based_on: u32,
    pub settings: PolicySettings,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> PolicySettings {
        PolicySettings {
            device_limit: 5,
            platforms: vec![PlatformSettings {
                platform: Platform::Android,
                corporate_allowed: true,
                personal_allowed: true,
                min_enroll_os: Some("10".into()),
                min_compliant_os: Some("13.1".into()),
            }],
            require_encryption: true,
            require_passcode: true,
            block_jailbroken: true,
            grace_period_hours: 72,
            check_in_days: DEFAULT_CHECK_IN_DAYS,
        }
    }

    #[test]
    fn a_sound_policy_has_no_errors_and_each_bad_field_one() {
        assert!(settings().field_errors().is_empty());
        let mut bad = settings();
        bad.device_limit = 0;
        bad.platforms[0].min_compliant_os = Some("13,1".into());
        bad.grace_period_hours = 91 * 24;
        bad.check_in_days = 0;
        bad.platforms.push(bad.platforms[0].clone());
        let errors = bad.field_errors();
        for field in [
            "device_limit",
            "android.min_compliant_os",
            "grace_period_hours",
            "check_in_days",
            "android",
        ] {
            assert!(errors.get(field).is_some(), "{field}: {errors:?}");
        }
    }

    #[test]
    fn numbers_may_be_written_with_a_fraction_of_zero() {
        let change: PolicyChange = serde_json::from_value(serde_json::json!({
            "based_on": 2.0,
            "settings": { "device_limit": 5.0, "platforms": [], "require_encryption": true, "require_passcode": true,
                          "block_jailbroken": true, "grace_period_hours": 72, "check_in_days": 30.0 },
        }))
        .unwrap();
        assert_eq!((change.based_on, change.settings.device_limit), (2, 5));
        let bad = serde_json::json!({ "based_on": 2.5, "settings": {} });
        assert!(serde_json::from_value::<PolicyChange>(bad).is_err());
    }

    #[test]
    fn versions_are_digits_and_dots() {
        for good in ["14", "10.0.19045", "0"] {
            assert!(is_version(good), "{good}");
        }
        for bad in ["", "14.", ".1", "1..2", "v14", "14 ", "1-2"] {
            assert!(!is_version(bad), "{bad}");
        }
    }
}
