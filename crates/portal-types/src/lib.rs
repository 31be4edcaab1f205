//! The enrollment API's wire types, shared by the server and the portal.
//!
//! Only serde-level dependencies by default: every byte here reaches the wasm.
//! Server-only derives sit behind the `openapi` feature.

pub mod admin;
pub mod apps;
pub mod auth;
pub mod branding;
pub mod bundles;
pub mod commands;
pub mod contrast;
pub mod device;
#[cfg(feature = "device-auth")]
pub mod device_auth;
pub mod enrollment;
pub mod error;
pub mod gateway;
pub mod help;
pub mod ids;
pub mod inventory;
pub mod live;
pub mod messages;
pub mod policy;
pub mod terms;

pub use admin::{
    AdminActionRequest, AdminDevice, AuditEntry, AuditPage, ComplianceCount, FleetDevice, FleetPage, FleetSort,
    ManagedBy, ManagedByCount, ModeSummary, Overview, PlatformCount,
};
pub use apps::{
    App, AppDetail, AppInput, AppInstall, AppPackage, AppsPage, DeviceAppsResponse, InstallState, ManagedApp,
    RequiredReach,
};
pub use auth::{
    MeResponse, PasskeySummary, PasswordConfirmation, RecoveryCodesResponse, Role, SecurityResponse, SessionResponse,
    SignInRequest, TotpConfirmRequest, TotpSetupResponse,
};
pub use branding::{Branding, BrandingChange, BrandingSettings};
pub use commands::{
    ActivityEntry, ActivityResponse, Command, CommandId, CommandKind, CommandOutcome, CommandReport, CommandState,
    CommandsResponse, DeviceCommand, LockRequest, RenameRequest, WipeRequest,
};
pub use device::{
    CertificateInfo, ComplianceState, Device, DeviceDetail, DevicesResponse, Management, Ownership, Platform,
};
pub use enrollment::{
    CheckInRequest, CheckInResponse, ComplianceReason, EnrollRegisteredRequest, EnrollRequest, EnrollResponse,
    EnrollmentCodeRequest, EnrollmentCodeResponse, EnrollmentOptions, Inventory, PlatformRule,
};
pub use error::{ApiError, FieldError, FieldErrors};
pub use gateway::{AccessRule, Enforcement, PublishedApp, PublishedAppsResponse};
pub use help::HelpDesk;
pub use ids::{DeviceId, UserId};
pub use inventory::{InventoryRecord, InventorySnapshot, OnMissing, RowError, SnapshotKind, SyncReport, SyncToken};
pub use live::{LiveEvent, LiveEventKind};
pub use policy::{Evaluation, PlatformSettings, PolicyChange, PolicySettings, PolicyVersion};
pub use terms::{Terms, TermsAcceptance, TermsChange, TermsVersion};

/// A whole number, written as JSON writes it: `365` or `365.0` alike (JSON
/// Schema counts both as integers; serde alone refuses the second).
/// A `u32` written as a whole number, `4` or `4.0` (as JSON Schema's
/// integers may be). A visitor rather than an untagged enum: that would bring
/// serde's buffering of any value into every bundle that reads a policy.
pub(crate) fn whole_u32<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    struct Whole;
    impl serde::de::Visitor<'_> for Whole {
        type Value = u32;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a whole number")
        }
        fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<u32, E> {
            u32::try_from(n).map_err(|_| E::custom("the number is too large"))
        }
        fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<u32, E> {
            u32::try_from(n).map_err(|_| E::custom("expected a whole number from 0"))
        }
        fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<u32, E> {
            if n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&n) {
                Ok(n as u32)
            } else {
                Err(E::custom("expected a whole number"))
            }
        }
    }
    deserializer.deserialize_any(Whole)
}

pub(crate) fn whole_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Number {
        Whole(u64),
        Written(f64),
    }
    match <Number as serde::Deserialize>::deserialize(deserializer)? {
        Number::Whole(whole) => Ok(whole),
        Number::Written(f) if f.fract() == 0.0 && (0.0..=u64::MAX as f64).contains(&f) => Ok(f as u64),
        Number::Written(f) => Err(serde::de::Error::custom(format!("expected a whole number, not {f}"))),
    }
}
