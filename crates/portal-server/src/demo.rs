//! Demo users and devices, created only by the explicit `--demo` switch.

use portal_types::{DeviceId, Inventory, ManagedApp, Ownership, Platform, Role};
use time::Duration;

use crate::{
    catalog::seed,
    db::{Compliance, NewDevice, NewUser},
    devices::rules::kept_inventory,
    state::AppState,
};

pub const PASSWORD: &str = "demo-password-1";

struct DemoDevice {
    name: &'static str,
    platform: Platform,
    model: &'static str,
    serial_number: &'static str,
    os_version: &'static str,
    ownership: Ownership,
    category: &'static str,
    encrypted: bool,
    /// How long ago it started failing a rule, when it does.
    failing_for: Duration,
    checked_in_ago: Option<Duration>,
}

const ADA: &[DemoDevice] = &[
    DemoDevice {
        name: "Work phone",
        platform: Platform::Android,
        model: "Pixel 8",
        serial_number: "R5CW21XK4PM",
        os_version: "15",
        ownership: Ownership::Corporate,
        category: "Phone",
        encrypted: true,
        failing_for: Duration::ZERO,
        checked_in_ago: Some(Duration::minutes(12)),
    },
    DemoDevice {
        name: "Personal iPhone",
        platform: Platform::Ios,
        model: "iPhone 13",
        serial_number: "F2LZK9QJN72D",
        os_version: "16.1",
        ownership: Ownership::Personal,
        category: "Phone",
        encrypted: true,
        failing_for: Duration::days(1),
        checked_in_ago: Some(Duration::hours(5)),
    },
    DemoDevice {
        name: "Work laptop",
        platform: Platform::Macos,
        model: "MacBook Pro 14\"",
        serial_number: "C02DX1ML05N4",
        os_version: "15.1",
        ownership: Ownership::Corporate,
        category: "Laptop",
        encrypted: true,
        failing_for: Duration::ZERO,
        checked_in_ago: Some(Duration::minutes(40)),
    },
    DemoDevice {
        name: "Old Surface",
        platform: Platform::Windows,
        model: "Surface Pro 7",
        serial_number: "C02FK3ZTMD6R",
        os_version: "10.0.19045",
        ownership: Ownership::Corporate,
        category: "Laptop",
        encrypted: false,
        failing_for: Duration::days(21),
        checked_in_ago: Some(Duration::days(21)),
    },
];

const GRACE: &[DemoDevice] = &[
    DemoDevice {
        name: "Grace's Galaxy",
        platform: Platform::Android,
        model: "Galaxy S24",
        serial_number: "035274593853",
        os_version: "14",
        ownership: Ownership::Personal,
        category: "Phone",
        encrypted: true,
        failing_for: Duration::ZERO,
        checked_in_ago: Some(Duration::hours(1)),
    },
    DemoDevice {
        name: "Grace's ThinkPad",
        platform: Platform::Windows,
        model: "ThinkPad X1 Carbon",
        serial_number: "RFCT70B9ZLE",
        os_version: "10.0.26100",
        ownership: Ownership::Corporate,
        category: "Laptop",
        encrypted: true,
        failing_for: Duration::ZERO,
        checked_in_ago: None,
    },
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
            .create_user(
                NewUser {
                    email: email.into(),
                    display_name: display_name.into(),
                    role,
                    password_hash,
                },
                now,
            )
            .await?;
        for d in devices {
            let inventory = Inventory {
                os_version: d.os_version.into(),
                model: d.model.into(),
                encrypted: d.encrypted,
                passcode_set: true,
                jailbroken: false,
                free_storage_mb: 24_000,
                serial_number: Some(d.serial_number.into()),
            };
            // The policy judges demo devices as it judges real ones.
            let reasons = state.policy.evaluate(d.platform, &inventory);
            let failing_since = (!reasons.is_empty()).then(|| now - d.failing_for);
            let (compliance, _) = state.policy.state(&reasons, failing_since, now);
            let id = DeviceId(uuid::Uuid::new_v4());
            state
                .db
                .create_device(NewDevice {
                    id,
                    user_id,
                    name: d.name.into(),
                    platform: d.platform,
                    ownership: d.ownership,
                    category: d.category.into(),
                    inventory: kept_inventory(d.ownership, inventory),
                    compliance: Compliance {
                        state: compliance,
                        reasons,
                        failing_since,
                    },
                    enrolled_at: now - Duration::days(90),
                    last_check_in: d.checked_in_ago.map(|ago| now - ago),
                })
                .await?;
            // As their devices would report them: the required apps, and one more.
            let installed: Vec<ManagedApp> = seed::apps()
                .into_iter()
                .filter(|(id, app)| {
                    app.platforms.contains(&d.platform) && (app.required || id == "chatterbox-messenger")
                })
                .map(|(app_id, app)| ManagedApp {
                    app_id,
                    version: app.version,
                })
                .collect();
            state
                .db
                .record_app_inventory(id, &installed, now, now + state.command_ttl)
                .await?;
        }
    }
    tracing::info!("demo data created: ada@example.com, grace@example.com, it@example.com / {PASSWORD}");
    Ok(())
}
