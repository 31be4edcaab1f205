//! Demo users and devices, created only by the explicit `--demo` switch.

use portal_types::{ComplianceState, Ownership, Platform, Role};
use time::Duration;

use crate::{
    db::{NewDevice, NewUser},
    state::AppState,
};

pub const PASSWORD: &str = "demo-password-1";

struct DemoDevice {
    name: &'static str,
    platform: Platform,
    model: &'static str,
    os_version: &'static str,
    ownership: Ownership,
    compliance: ComplianceState,
    checked_in_ago: Option<Duration>,
}

const fn device(
    name: &'static str,
    platform: Platform,
    model: &'static str,
    os_version: &'static str,
    ownership: Ownership,
    compliance: ComplianceState,
    checked_in_ago: Option<Duration>,
) -> DemoDevice {
    DemoDevice { name, platform, model, os_version, ownership, compliance, checked_in_ago }
}

use ComplianceState::*;
use Ownership::*;

const ADA: &[DemoDevice] = &[
    device("Work phone", Platform::Android, "Pixel 8", "15", Corporate, CanAccess, Some(Duration::minutes(12))),
    device("Personal iPhone", Platform::Ios, "iPhone 13", "16.1", Personal, OutOfCompliance, Some(Duration::hours(5))),
    device("Work laptop", Platform::Macos, "MacBook Pro 14\"", "15.1", Corporate, CanAccess, Some(Duration::minutes(40))),
    device("Old Surface", Platform::Windows, "Surface Pro 7", "10.0.19045", Corporate, CannotAccess, Some(Duration::days(21))),
];

const GRACE: &[DemoDevice] = &[
    device("Grace's Galaxy", Platform::Android, "Galaxy S24", "14", Personal, CanAccess, Some(Duration::hours(1))),
    device("Grace's ThinkPad", Platform::Windows, "ThinkPad X1 Carbon", "10.0.26100", Corporate, CanAccess, None),
];

/// Creates the demo data once; later starts find it and leave it as it is.
pub async fn seed(state: &AppState) -> anyhow::Result<()> {
    if state.db.user_by_email("ada@example.com").await?.is_some() {
        return Ok(());
    }
    let now = state.clock.now();
    let people = [
        ("ada@example.com", "Ada Lovelace", Role::Employee, ADA),
        ("grace@example.com", "Grace Hopper", Role::Employee, GRACE),
        ("it@example.com", "IT Admin", Role::Admin, &[][..]),
    ];
    for (email, display_name, role, devices) in people {
        let password_hash = state.passwords.hash(PASSWORD.to_string()).await?;
        let user_id = state
            .db
            .create_user(NewUser { email: email.into(), display_name: display_name.into(), role, password_hash }, now)
            .await?;
        for d in devices {
            state
                .db
                .create_device(NewDevice {
                    user_id,
                    name: d.name.into(),
                    platform: d.platform,
                    model: d.model.into(),
                    os_version: d.os_version.into(),
                    ownership: d.ownership,
                    compliance: d.compliance,
                    enrolled_at: now - Duration::days(90),
                    last_check_in: d.checked_in_ago.map(|ago| now - ago),
                })
                .await?;
        }
    }
    tracing::info!("demo data created: ada@example.com, grace@example.com, it@example.com / {PASSWORD}");
    Ok(())
}
