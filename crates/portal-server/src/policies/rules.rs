//! Enrollment restrictions and the compliance policy: the rules, and what
//! they make of a device.
//!
//! Defaults follow the provisioning mode; a TOML file can override any part
//! and is the initial version; administrators edit later versions as
//! [`PolicySettings`].

use std::{collections::BTreeMap, path::Path};

use anyhow::Context;
use portal_types::{
    ComplianceReason, ComplianceState, EnrollmentOptions, Inventory, Management, Ownership, Platform, PlatformRule,
    PlatformSettings, PolicySettings, enrollment::version_at_least, policy::DEFAULT_CHECK_IN_DAYS,
};
use serde::Deserialize;
use time::{Duration, OffsetDateTime};

use crate::db::{Compliance, Deadlines, JudgedDevice};

/// How the organisation runs device management (see the product brief).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum ProvisioningMode {
    /// Cloud-only, advanced provisioning: every mobile platform and macOS.
    Standalone,
    /// Basic provisioning for Office 365 tenants: mobile platforms only.
    Office365,
    /// Cloud plus on-premises inventory: mobile and non-mobile devices.
    Hybrid,
}

impl ProvisioningMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ProvisioningMode::Standalone => "standalone",
            ProvisioningMode::Office365 => "office365",
            ProvisioningMode::Hybrid => "hybrid",
        }
    }

    /// As administrators know it.
    pub fn name(self) -> &'static str {
        match self {
            ProvisioningMode::Standalone => "Standalone",
            ProvisioningMode::Office365 => "Office 365",
            ProvisioningMode::Hybrid => "Hybrid",
        }
    }

    /// What the mode offers, as the admin Overview says it.
    pub fn offers(self) -> &'static [&'static str] {
        match self {
            ProvisioningMode::Standalone => &[
                "Advanced provisioning in the cloud: every mobile platform and macOS.",
                "Every remote action: lock, reset, remove.",
                "The full app catalog, and enrollment restrictions per platform.",
            ],
            ProvisioningMode::Office365 => &[
                "Basic mobility management for Office 365: mobile platforms only.",
                "Reset device and Remove device.",
                "The tenant's web apps.",
            ],
            ProvisioningMode::Hybrid => &[
                "The cloud's advanced provisioning, with the on-premises manager's inventory.",
                "Mobile and non-mobile devices (Windows desktops and servers, Linux) in one view.",
                "One compliance policy for cloud and on-premises devices.",
            ],
        }
    }

    /// Whether the mode's device management carries out the remote action:
    /// basic mobility management (Office 365) resets and removes devices but
    /// does not lock them.
    pub fn offers_action(self, kind: portal_types::CommandKind) -> bool {
        !(self == ProvisioningMode::Office365 && kind == portal_types::CommandKind::Lock)
    }

    /// Whether the mode installs apps on devices: basic mobility management
    /// (Office 365) does not; its catalog is the tenant's web apps.
    pub fn offers_app_installs(self) -> bool {
        self != ProvisioningMode::Office365
    }

    /// What the catalog and a refused install say where the mode installs no apps.
    pub fn apps_not_offered(self) -> String {
        format!(
            "Your organisation's plan ({}: basic mobility management) includes web apps only: open them in \
             the browser. Installing apps on devices is not part of it.",
            self.name()
        )
    }

    /// What the portal says when the mode does not offer an action.
    pub fn not_offered(self, action: &str) -> String {
        format!(
            "Your organisation's plan ({}: basic mobility management) does not include {action}. \
             Reset device and Remove device are available; for anything else, contact your IT department.",
            self.name()
        )
    }

    /// Whether devices of `platform` may be managed at all under this mode.
    pub fn offers_platform(self, platform: Platform) -> bool {
        self.platforms().contains(&platform)
    }

    fn platforms(self) -> &'static [Platform] {
        use Platform::*;
        match self {
            ProvisioningMode::Standalone => &[Android, Ios, Windows, Windows81, WindowsPhone, Macos],
            ProvisioningMode::Office365 => &[Android, Ios, Windows, Windows81, WindowsPhone],
            ProvisioningMode::Hybrid => &[
                Android,
                Ios,
                Windows,
                Windows81,
                WindowsPhone,
                Macos,
                Linux,
                WindowsServer,
            ],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformPolicy {
    pub corporate_allowed: bool,
    pub personal_allowed: bool,
    /// Lowest OS version that may enroll.
    pub min_enroll_os: Option<String>,
}

#[derive(Debug, Clone)]
pub struct CompliancePolicy {
    /// Lowest OS version that is compliant, per platform.
    pub min_os: BTreeMap<Platform, String>,
    pub require_encryption: bool,
    pub require_passcode: bool,
    pub block_jailbroken: bool,
    /// How long Out of compliance lasts before it becomes Cannot access.
    pub grace_period: Duration,
    /// A device not seen for longer is noncompliant.
    pub check_in_within: Duration,
}

#[derive(Debug, Clone)]
pub struct Policy {
    /// 1 for the initial policy, from configuration; one more for each saved since.
    pub version: u32,
    pub mode: ProvisioningMode,
    pub device_limit: u32,
    pub platforms: BTreeMap<Platform, PlatformPolicy>,
    pub categories: Vec<String>,
    pub compliance: CompliancePolicy,
}

impl Policy {
    pub fn defaults(mode: ProvisioningMode) -> Self {
        let platforms = mode
            .platforms()
            .iter()
            .map(|&platform| {
                let rule = PlatformPolicy {
                    corporate_allowed: true,
                    // Windows Phone and Windows 8.1 cannot separate work from personal data.
                    personal_allowed: !matches!(platform, Platform::WindowsPhone | Platform::Windows81),
                    min_enroll_os: default_min_enroll_os(platform).map(Into::into),
                };
                (platform, rule)
            })
            .collect();
        let min_os = Platform::ALL
            .into_iter()
            .filter_map(|p| default_min_compliant_os(p).map(|v| (p, v.to_string())))
            .collect();
        Policy {
            version: 1,
            mode,
            device_limit: 5,
            platforms,
            categories: ["Phone", "Tablet", "Laptop", "Desktop", "Kiosk"]
                .map(String::from)
                .to_vec(),
            compliance: CompliancePolicy {
                min_os,
                require_encryption: true,
                require_passcode: true,
                block_jailbroken: true,
                grace_period: Duration::days(3),
                check_in_within: Duration::days(DEFAULT_CHECK_IN_DAYS.into()),
            },
        }
    }

    /// The mode's defaults with what `file` (TOML) overrides.
    pub fn load(mode: ProvisioningMode, file: Option<&Path>) -> anyhow::Result<Self> {
        let Some(path) = file else {
            return Ok(Policy::defaults(mode));
        };
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Policy::parse(mode, &text).with_context(|| format!("parsing {}", path.display()))
    }

    /// The mode's defaults with what the TOML `text` overrides.
    pub fn parse(mode: ProvisioningMode, text: &str) -> anyhow::Result<Self> {
        let mut policy = Policy::defaults(mode);
        let overrides: PolicyFile = toml::from_str(text)?;
        overrides.apply(&mut policy);
        Ok(policy)
    }

    /// The parts administrators edit, for each platform the mode offers.
    pub fn settings(&self) -> PolicySettings {
        let compliance = &self.compliance;
        PolicySettings {
            device_limit: self.device_limit,
            platforms: self
                .mode
                .platforms()
                .iter()
                .map(|&platform| {
                    let rule = self.platforms.get(&platform);
                    PlatformSettings {
                        platform,
                        corporate_allowed: rule.is_some_and(|r| r.corporate_allowed),
                        personal_allowed: rule.is_some_and(|r| r.personal_allowed),
                        min_enroll_os: rule.and_then(|r| r.min_enroll_os.clone()),
                        min_compliant_os: compliance.min_os.get(&platform).cloned(),
                    }
                })
                .collect(),
            require_encryption: compliance.require_encryption,
            require_passcode: compliance.require_passcode,
            block_jailbroken: compliance.block_jailbroken,
            grace_period_hours: u32::try_from(compliance.grace_period.whole_hours()).unwrap_or(0),
            check_in_days: u32::try_from(compliance.check_in_within.whole_days()).unwrap_or(DEFAULT_CHECK_IN_DAYS),
        }
    }

    /// Version `version`: this policy's mode and categories, with `settings`.
    /// A platform the mode does not offer stays out whatever the settings say.
    pub fn with_settings(&self, version: u32, settings: &PolicySettings) -> Policy {
        let offered = |rule: &&PlatformSettings| self.mode.platforms().contains(&rule.platform);
        let platforms = settings
            .platforms
            .iter()
            .filter(offered)
            .map(|rule| {
                let policy = PlatformPolicy {
                    corporate_allowed: rule.corporate_allowed,
                    personal_allowed: rule.personal_allowed,
                    min_enroll_os: rule.min_enroll_os.clone(),
                };
                (rule.platform, policy)
            })
            .collect();
        let min_os = settings
            .platforms
            .iter()
            .filter(offered)
            .filter_map(|rule| Some((rule.platform, rule.min_compliant_os.clone()?)))
            .collect();
        Policy {
            version,
            mode: self.mode,
            device_limit: settings.device_limit,
            platforms,
            categories: self.categories.clone(),
            compliance: CompliancePolicy {
                min_os,
                require_encryption: settings.require_encryption,
                require_passcode: settings.require_passcode,
                block_jailbroken: settings.block_jailbroken,
                grace_period: Duration::hours(settings.grace_period_hours.into()),
                check_in_within: Duration::days(settings.check_in_days.into()),
            },
        }
    }

    /// What the policy makes of a device that reported `inventory` (its
    /// security settings too, if `security_reported`) and was last seen at
    /// `last_seen`, failing since `failing_since` before. The grace period
    /// runs from the first failure, not the latest, as the portal judged it:
    /// a device away too long, or failing a newly saved rule, gets the whole
    /// grace period from then, not from when it would have begun failing.
    pub fn judge(
        &self,
        platform: Platform,
        inventory: &Inventory,
        security_reported: bool,
        last_seen: OffsetDateTime,
        failing_since: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> Compliance {
        let mut reasons = self.evaluate(platform, inventory, last_seen, now);
        if !security_reported {
            reasons.retain(|reason| !SECURITY_RULES.contains(&reason.rule.as_str()));
        }
        let failing_since = (!reasons.is_empty()).then(|| failing_since.unwrap_or(now));
        let (state, _) = self.state(&reasons, failing_since, now);
        Compliance {
            state,
            reasons,
            failing_since,
        }
    }

    /// What the policy makes at `now` of a device as stored.
    pub fn judge_again(&self, device: &JudgedDevice, now: OffsetDateTime) -> Compliance {
        self.judge(
            device.platform,
            &device.inventory,
            security_reported(device.managed_by),
            device.last_seen,
            device.compliance.failing_since,
            now,
        )
    }

    /// What the Add device page shows before a code is issued.
    pub fn options(&self, devices_enrolled: u32) -> EnrollmentOptions {
        EnrollmentOptions {
            provisioning_mode: self.mode.as_str().into(),
            device_limit: self.device_limit,
            devices_enrolled,
            platforms: self
                .platforms
                .keys()
                .filter_map(|&platform| self.platform_rule(platform))
                .collect(),
            categories: self.categories.clone(),
            // Not the policy's: the enrollment route adds the terms in force and the registered devices.
            terms: None,
            registered_platforms: Vec::new(),
        }
    }

    /// The rule a new device would break, in words the user can act on.
    pub fn limit_reached(&self) -> String {
        format!(
            "You have reached the limit of {} devices. Remove a device you no longer use, then try again.",
            self.device_limit
        )
    }

    /// Whether a user with `devices_enrolled` may add no new device. Only
    /// there do their registered devices matter ([`Policy::code_refusal`]).
    pub fn at_device_limit(&self, devices_enrolled: u32) -> bool {
        devices_enrolled >= self.device_limit
    }

    /// Why a device may not be added, if it may not: the device limit, a
    /// platform the organisation does not take, or (enrolling only) an
    /// ownership the platform's rule forbids.
    pub fn enrollment_refusal(
        &self,
        platform: Platform,
        ownership: Ownership,
        management: Management,
        devices_enrolled: u32,
    ) -> Option<String> {
        if self.at_device_limit(devices_enrolled) {
            return Some(self.limit_reached());
        }
        self.admission_refusal(platform, ownership, management)
    }

    /// Why no code may be issued for such a device, if none may: as
    /// [`Policy::enrollment_refusal`], but a code to enroll a device of a
    /// platform the user has registered one of is not held back by the
    /// limit, which that device counts against already. A new device that
    /// tries such a code meets the limit when it enrolls.
    pub fn code_refusal(
        &self,
        platform: Platform,
        ownership: Ownership,
        management: Management,
        devices_enrolled: u32,
        registered_of_platform: bool,
    ) -> Option<String> {
        if management == Management::Managed && registered_of_platform {
            return self.admission_refusal(platform, ownership, management);
        }
        self.enrollment_refusal(platform, ownership, management, devices_enrolled)
    }

    /// The platforms of `devices` (a user's) that a code may enroll one of
    /// even at the device limit ([`Policy::code_refusal`]): registered,
    /// neither reset nor being removed, of a platform the organisation
    /// enrolls devices of.
    pub fn registered_to_enroll(&self, devices: &[portal_types::Device]) -> Vec<Platform> {
        let enrolls = |platform| {
            [Ownership::Corporate, Ownership::Personal]
                .into_iter()
                .any(|ownership| {
                    self.admission_refusal(platform, ownership, Management::Managed)
                        .is_none()
                })
        };
        let mut platforms: Vec<Platform> = devices
            .iter()
            .filter(|d| d.management == Management::Registered && !d.removal_pending && d.wiped_at.is_none())
            .map(|d| d.platform)
            .filter(|&platform| enrolls(platform))
            .collect();
        platforms.sort_by_key(|platform| platform.as_str());
        platforms.dedup();
        platforms
    }

    /// Why the platform's rules refuse a device, if they do: what
    /// [`Policy::enrollment_refusal`] checks beside the device limit; a
    /// registered device being enrolled is checked against it and its OS.
    pub fn admission_refusal(
        &self,
        platform: Platform,
        ownership: Ownership,
        management: Management,
    ) -> Option<String> {
        let Some(rule) = self.platform_rule(platform) else {
            return Some(format!(
                "{} devices cannot be enrolled in this organisation.",
                platform.label()
            ));
        };
        (!rule.allows(management, ownership))
            .then(|| format!("{} {} devices are not allowed.", ownership.label(), platform.label()))
    }

    /// The platform's rule as the Add device page shows it; `None` for a
    /// platform the organisation takes no device of.
    fn platform_rule(&self, platform: Platform) -> Option<PlatformRule> {
        let rule = self.platforms.get(&platform)?;
        (rule.corporate_allowed || rule.personal_allowed).then(|| PlatformRule {
            platform,
            corporate_allowed: rule.corporate_allowed,
            personal_allowed: rule.personal_allowed,
            min_os_version: rule.min_enroll_os.clone(),
        })
    }

    /// Why the device's OS is too old to enroll, if it is; registering
    /// asks for no OS version.
    pub fn os_refusal(&self, platform: Platform, management: Management, os_version: &str) -> Option<String> {
        if management == Management::Registered {
            return None;
        }
        let minimum = self.platforms.get(&platform)?.min_enroll_os.as_deref()?;
        (!version_at_least(os_version, minimum)).then(|| {
            format!(
                "{} {os_version} is too old to enroll: update to {minimum} or later first.",
                platform.label()
            )
        })
    }

    /// Every rule the device fails, with how to fix it.
    pub fn evaluate(
        &self,
        platform: Platform,
        inventory: &Inventory,
        last_seen: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Vec<ComplianceReason> {
        let policy = &self.compliance;
        let mut reasons = Vec::new();
        let mut fail = |rule: &str, problem: String, fix: String, values: Vec<String>| {
            reasons.push(ComplianceReason {
                rule: rule.into(),
                problem,
                fix,
                values,
            });
        };
        if let Some(minimum) = policy.min_os.get(&platform)
            && !version_at_least(&inventory.os_version, minimum)
        {
            let platform = platform.label();
            fail(
                "os_version",
                format!(
                    "{platform} {} is older than the required {minimum}.",
                    inventory.os_version
                ),
                format!("Install the latest {platform} update from the device's settings."),
                vec![platform.into(), inventory.os_version.clone(), minimum.clone()],
            );
        }
        if policy.require_encryption && !inventory.encrypted {
            fail(
                "encryption",
                "The device's storage is not encrypted.".into(),
                "Turn on device encryption in the device's security settings.".into(),
                Vec::new(),
            );
        }
        if policy.require_passcode && !inventory.passcode_set {
            fail(
                "passcode",
                "The device has no passcode.".into(),
                "Set a PIN, password or passcode on the device's lock screen.".into(),
                Vec::new(),
            );
        }
        if policy.block_jailbroken && inventory.jailbroken {
            fail(
                "jailbroken",
                "The device is jailbroken or rooted.".into(),
                "Restore the device's original operating system, then check status again.".into(),
                Vec::new(),
            );
        }
        let away = now - last_seen;
        if away > policy.check_in_within {
            let (days, limit) = (away.whole_days(), policy.check_in_within.whole_days());
            fail(
                "check_in",
                format!("The device has not checked in for {days} days; the limit is {limit}."),
                "Turn the device on and connect it to the internet so that it checks in.".into(),
                vec![days.to_string(), limit.to_string()],
            );
        }
        reasons
    }

    /// The state for a device that fails `reasons` and has done so since
    /// `failing_since`; also the deadline when Out of compliance ends.
    pub fn state(
        &self,
        reasons: &[ComplianceReason],
        failing_since: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> (ComplianceState, Option<OffsetDateTime>) {
        if reasons.is_empty() {
            return (ComplianceState::CanAccess, None);
        }
        let deadline = failing_since.unwrap_or(now) + self.compliance.grace_period;
        let state = if now < deadline {
            ComplianceState::OutOfCompliance
        } else {
            ComplianceState::CannotAccess
        };
        (state, Some(deadline))
    }

    /// Where time alone changes a judgement at `now`.
    pub fn deadlines(&self, now: OffsetDateTime) -> Deadlines {
        Deadlines {
            failing_since_by: now - self.compliance.grace_period,
            seen_before: now - self.compliance.check_in_within,
        }
    }

    /// The state a device judged earlier is in by now: Out of compliance
    /// turns into Cannot access when its grace period ends, before the next
    /// check-in or sweep judges it again.
    pub fn state_now(
        &self,
        judged: ComplianceState,
        reasons: &[ComplianceReason],
        failing_since: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> ComplianceState {
        match judged {
            ComplianceState::OutOfCompliance => self.state(reasons, failing_since, now).0,
            judged => judged,
        }
    }
}

/// The rules on what only a device itself reports: the on-premises
/// inventory tells a device's OS and when it was seen, not these.
const SECURITY_RULES: [&str; 3] = ["encryption", "passcode", "jailbroken"];

/// Whether the device reports its security settings: one known to the
/// on-premises manager alone does not (one policy judges both, on what each reports).
pub fn security_reported(managed_by: portal_types::ManagedBy) -> bool {
    managed_by != portal_types::ManagedBy::OnPremises
}

fn default_min_enroll_os(platform: Platform) -> Option<&'static str> {
    match platform {
        Platform::Android => Some("10"),
        Platform::Ios => Some("16"),
        Platform::Windows => Some("10.0.19041"),
        Platform::Macos => Some("13"),
        _ => None,
    }
}

fn default_min_compliant_os(platform: Platform) -> Option<&'static str> {
    match platform {
        Platform::Android => Some("13"),
        Platform::Ios => Some("17"),
        Platform::Windows => Some("10.0.19045"),
        Platform::Macos => Some("14"),
        _ => None,
    }
}

/// The policy file: every field optional, each overriding the mode's default.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    device_limit: Option<u32>,
    categories: Option<Vec<String>>,
    #[serde(default)]
    platforms: BTreeMap<Platform, PlatformFile>,
    #[serde(default)]
    compliance: ComplianceFile,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlatformFile {
    allowed: Option<bool>,
    corporate: Option<bool>,
    personal: Option<bool>,
    min_os_version: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ComplianceFile {
    #[serde(default)]
    min_os_version: BTreeMap<Platform, String>,
    require_encryption: Option<bool>,
    require_passcode: Option<bool>,
    block_jailbroken: Option<bool>,
    grace_period_hours: Option<i64>,
    check_in_days: Option<i64>,
}

impl PolicyFile {
    fn apply(self, policy: &mut Policy) {
        if let Some(limit) = self.device_limit {
            policy.device_limit = limit;
        }
        if let Some(categories) = self.categories {
            policy.categories = categories;
        }
        for (platform, file) in self.platforms {
            if file.allowed == Some(false) {
                policy.platforms.remove(&platform);
                continue;
            }
            let rule = policy.platforms.entry(platform).or_insert(PlatformPolicy {
                corporate_allowed: true,
                personal_allowed: true,
                min_enroll_os: None,
            });
            rule.corporate_allowed = file.corporate.unwrap_or(rule.corporate_allowed);
            rule.personal_allowed = file.personal.unwrap_or(rule.personal_allowed);
            if file.min_os_version.is_some() {
                rule.min_enroll_os = file.min_os_version;
            }
        }
        let compliance = &mut policy.compliance;
        compliance.min_os.extend(self.compliance.min_os_version);
        compliance.require_encryption = self
            .compliance
            .require_encryption
            .unwrap_or(compliance.require_encryption);
        compliance.require_passcode = self.compliance.require_passcode.unwrap_or(compliance.require_passcode);
        compliance.block_jailbroken = self.compliance.block_jailbroken.unwrap_or(compliance.block_jailbroken);
        if let Some(hours) = self.compliance.grace_period_hours {
            compliance.grace_period = Duration::hours(hours);
        }
        if let Some(days) = self.compliance.check_in_days {
            compliance.check_in_within = Duration::days(days);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: OffsetDateTime = time::macros::datetime!(2026-12-05 09:00 UTC);

    fn inventory(os: &str, encrypted: bool, passcode: bool, jailbroken: bool) -> Inventory {
        Inventory {
            os_version: os.into(),
            model: "Pixel 8".into(),
            encrypted,
            passcode_set: passcode,
            jailbroken,
            free_storage_mb: 1000,
            serial_number: None,
            onprem_id: None,
        }
    }

    #[test]
    fn basic_mobility_management_offers_no_lock() {
        use portal_types::CommandKind::*;
        for kind in [Sync, Lock, Wipe, Retire] {
            assert!(ProvisioningMode::Standalone.offers_action(kind));
            assert!(ProvisioningMode::Hybrid.offers_action(kind));
        }
        assert!(!ProvisioningMode::Office365.offers_action(Lock));
        for kind in [Wipe, Retire] {
            assert!(ProvisioningMode::Office365.offers_action(kind));
        }
    }

    #[test]
    fn modes_offer_their_platforms() {
        let office = Policy::defaults(ProvisioningMode::Office365);
        assert!(
            office
                .enrollment_refusal(Platform::Macos, Ownership::Corporate, Management::Managed, 0)
                .is_some()
        );
        let hybrid = Policy::defaults(ProvisioningMode::Hybrid);
        assert!(
            hybrid
                .enrollment_refusal(Platform::Linux, Ownership::Corporate, Management::Managed, 0)
                .is_none()
        );
        let standalone = Policy::defaults(ProvisioningMode::Standalone);
        assert_eq!(
            standalone
                .enrollment_refusal(Platform::WindowsPhone, Ownership::Personal, Management::Managed, 0)
                .as_deref(),
            Some("Personal Windows Phone devices are not allowed.")
        );
        assert!(
            standalone
                .enrollment_refusal(Platform::Android, Ownership::Personal, Management::Managed, 5)
                .unwrap()
                .contains("limit of 5")
        );
    }

    #[test]
    fn at_the_limit_a_code_is_issued_only_to_enroll_a_registered_device() {
        let policy = Policy::defaults(ProvisioningMode::Standalone);
        let (android, corporate, at_limit) = (Platform::Android, Ownership::Corporate, policy.device_limit);
        let code = |management, registered| policy.code_refusal(android, corporate, management, at_limit, registered);
        assert!(code(Management::Managed, true).is_none());
        assert!(code(Management::Managed, false).unwrap().contains("limit"));
        assert!(code(Management::Registered, true).unwrap().contains("limit"));
        // The platform's own rules still hold.
        assert!(
            policy
                .code_refusal(
                    Platform::WindowsPhone,
                    Ownership::Personal,
                    Management::Managed,
                    at_limit,
                    true
                )
                .unwrap()
                .contains("not allowed")
        );
    }

    #[test]
    fn each_failed_rule_has_a_reason_and_a_fix() {
        let policy = Policy::defaults(ProvisioningMode::Standalone);
        assert!(
            policy
                .evaluate(Platform::Android, &inventory("14", true, true, false), NOW, NOW)
                .is_empty()
        );
        let reasons = policy.evaluate(Platform::Android, &inventory("9", false, false, true), NOW, NOW);
        let rules: Vec<_> = reasons.iter().map(|r| r.rule.as_str()).collect();
        assert_eq!(rules, ["os_version", "encryption", "passcode", "jailbroken"]);
        assert!(reasons.iter().all(|r| !r.problem.is_empty() && !r.fix.is_empty()));
    }

    #[test]
    fn a_device_away_longer_than_the_policy_allows_is_noncompliant() {
        let policy = Policy::defaults(ProvisioningMode::Standalone);
        let healthy = inventory("14", true, true, false);
        let seen = NOW - Duration::days(30);
        assert!(policy.evaluate(Platform::Android, &healthy, seen, NOW).is_empty());
        let reasons = policy.evaluate(Platform::Android, &healthy, seen - Duration::days(4), NOW);
        assert_eq!(reasons.len(), 1);
        assert_eq!(reasons[0].rule, "check_in");
        assert!(
            reasons[0].problem.contains("34 days; the limit is 30"),
            "{}",
            reasons[0].problem
        );
        let judged = policy.judge(Platform::Android, &healthy, true, seen - Duration::days(4), None, NOW);
        assert_eq!(
            (judged.state, judged.failing_since),
            (ComplianceState::OutOfCompliance, Some(NOW))
        );
    }

    #[test]
    fn edited_settings_make_the_next_version() {
        let initial = Policy::defaults(ProvisioningMode::Office365);
        let mut settings = initial.settings();
        assert!(
            settings.platform(Platform::Macos).is_none(),
            "the mode does not offer macOS"
        );
        let android = settings
            .platforms
            .iter_mut()
            .find(|r| r.platform == Platform::Android)
            .unwrap();
        android.min_compliant_os = Some("15".into());
        let ios = settings
            .platforms
            .iter_mut()
            .find(|r| r.platform == Platform::Ios)
            .unwrap();
        (ios.corporate_allowed, ios.personal_allowed) = (false, false);
        settings.check_in_days = 7;
        let next = initial.with_settings(2, &settings);
        assert_eq!(next.version, 2);
        assert_eq!(next.settings(), settings, "settings survive the round trip");
        assert_eq!(
            next.enrollment_refusal(Platform::Ios, Ownership::Corporate, Management::Managed, 0)
                .as_deref(),
            Some("iOS/iPadOS devices cannot be enrolled in this organisation.")
        );
        let reasons = next.evaluate(Platform::Android, &inventory("14", true, true, false), NOW, NOW);
        assert_eq!(reasons[0].rule, "os_version");
        assert_eq!(next.compliance.check_in_within, Duration::days(7));
        assert_eq!(next.categories, initial.categories);
    }

    #[test]
    fn out_of_compliance_turns_into_cannot_access_after_the_grace_period() {
        let policy = Policy::defaults(ProvisioningMode::Standalone);
        let reasons = policy.evaluate(Platform::Ios, &inventory("16.1", true, true, false), NOW, NOW);
        let since = OffsetDateTime::now_utc();
        let (state, deadline) = policy.state(&reasons, Some(since), since + Duration::days(1));
        assert_eq!(
            (state, deadline),
            (ComplianceState::OutOfCompliance, Some(since + Duration::days(3)))
        );
        let (state, _) = policy.state(&reasons, Some(since), since + Duration::days(3));
        assert_eq!(state, ComplianceState::CannotAccess);
        assert_eq!(policy.state(&[], Some(since), since).0, ComplianceState::CanAccess);
        // As a device judged a day in is by the clock: its state ends with the grace period.
        let judged = ComplianceState::OutOfCompliance;
        let by = |days| policy.state_now(judged, &reasons, Some(since), since + Duration::days(days));
        assert_eq!((by(2), by(3)), (judged, ComplianceState::CannotAccess));
        for judged in [ComplianceState::CanAccess, ComplianceState::CannotAccess] {
            assert_eq!(
                policy.state_now(judged, &reasons, Some(since), since + Duration::days(9)),
                judged
            );
        }
    }

    #[test]
    fn a_policy_file_overrides_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy.toml");
        std::fs::write(
            &path,
            r#"
            device_limit = 2
            [platforms.android]
            personal = false
            min_os_version = "12"
            [platforms.macos]
            allowed = false
            [compliance]
            grace_period_hours = 24
            require_passcode = false
            "#,
        )
        .unwrap();
        let policy = Policy::load(ProvisioningMode::Standalone, Some(&path)).unwrap();
        assert_eq!(policy.device_limit, 2);
        assert!(
            policy
                .enrollment_refusal(Platform::Android, Ownership::Personal, Management::Managed, 0)
                .is_some()
        );
        assert!(
            policy
                .enrollment_refusal(Platform::Macos, Ownership::Corporate, Management::Managed, 0)
                .is_some()
        );
        assert!(
            policy
                .os_refusal(Platform::Android, Management::Managed, "11")
                .is_some()
        );
        // Registering takes a personal device the platform does not enroll, and any OS.
        assert!(
            policy
                .enrollment_refusal(Platform::Android, Ownership::Personal, Management::Registered, 0)
                .is_none()
        );
        assert!(
            policy
                .os_refusal(Platform::Android, Management::Registered, "11")
                .is_none()
        );
        assert!(
            policy
                .enrollment_refusal(Platform::Macos, Ownership::Corporate, Management::Registered, 0)
                .is_some(),
            "a platform the organisation does not take is not registered either"
        );
        assert_eq!(policy.compliance.grace_period, Duration::hours(24));
        assert!(!policy.compliance.require_passcode);

        std::fs::write(&path, "device_limt = 2").unwrap();
        assert!(
            Policy::load(ProvisioningMode::Standalone, Some(&path)).is_err(),
            "typos are refused"
        );
    }
}
