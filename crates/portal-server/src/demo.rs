//! Demo users and devices, created only by the explicit `--demo` switch.

use portal_types::{DeviceId, Inventory, ManagedApp, Management, Ownership, Platform, Role, UserId};
use time::{Duration, OffsetDateTime};

use crate::{
    catalog::seed,
    db::{NewDevice, NewUser},
    devices::rules::kept_inventory,
    inventory,
    policies::rules::ProvisioningMode,
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
    if state.db.user_by_email("ada@example.com").await?.is_none() {
        seed_people(state).await?;
    }
    // Also for demo data first seeded in another mode.
    if state.policies.current().mode == ProvisioningMode::Hybrid && state.db.onprem_ids().await?.is_empty() {
        seed_on_premises(state).await?;
    }
    Ok(())
}

/// The hybrid demo's on-premises estate, synced as the on-premises manager would.
async fn seed_on_premises(state: &AppState) -> anyhow::Result<()> {
    let records = inventory::sample::demo_estate()
        .into_iter()
        .zip(1..)
        .map(|(record, line)| inventory::records::check(line, record))
        .collect();
    let snapshot = inventory::records::Snapshot {
        kind: portal_types::SnapshotKind::Partial,
        on_missing: portal_types::OnMissing::Stale,
        records,
    };
    let policy = state.policies.current();
    inventory::apply(&*state.db, &*state.clock, &policy, snapshot, |_, _| {}).await?;
    Ok(())
}

async fn seed_people(state: &AppState) -> anyhow::Result<()> {
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
        // Only what the provisioning mode manages (Office 365: no Mac).
        let mode = state.policies.current().mode;
        for d in devices.iter().filter(|d| mode.offers_platform(d.platform)) {
            let inventory = Inventory {
                os_version: d.os_version.into(),
                model: d.model.into(),
                encrypted: d.encrypted,
                passcode_set: true,
                jailbroken: false,
                free_storage_mb: 24_000,
                serial_number: Some(d.serial_number.into()),
                onprem_id: None,
            };
            let device = judged_device(
                state,
                Seen {
                    user_id,
                    name: d.name.into(),
                    platform: d.platform,
                    ownership: d.ownership,
                    category: d.category.into(),
                    inventory,
                    failing_since: now - d.failing_for,
                    last_check_in: d.checked_in_ago.map(|ago| now - ago),
                },
            );
            let id = device.id;
            state.db.create_devices(&[device]).await?;
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
                .record_app_inventory(id, &installed, now, state.required_installs_expire_at(now))
                .await?;
        }
    }
    tracing::info!("demo data created: ada@example.com, grace@example.com, it@example.com / {PASSWORD}");
    Ok(())
}

/// A device as the demo finds it, before the policy judges it.
struct Seen {
    user_id: UserId,
    name: String,
    platform: Platform,
    ownership: Ownership,
    category: String,
    inventory: Inventory,
    /// Since when it fails a rule, if it does.
    failing_since: OffsetDateTime,
    last_check_in: Option<OffsetDateTime>,
}

/// The policy judges demo devices as it judges real ones.
fn judged_device(state: &AppState, seen: Seen) -> NewDevice {
    let now = state.clock.now();
    let enrolled_at = now - Duration::days(90);
    let compliance = state.policies.current().judge(
        seen.platform,
        &seen.inventory,
        true,
        seen.last_check_in.unwrap_or(enrolled_at),
        Some(seen.failing_since),
        now,
    );
    NewDevice {
        id: DeviceId(uuid::Uuid::new_v4()),
        user_id: seen.user_id,
        name: seen.name,
        platform: seen.platform,
        ownership: seen.ownership,
        category: seen.category,
        inventory: kept_inventory(seen.ownership, seen.inventory),
        compliance,
        enrolled_at,
        last_check_in: seen.last_check_in,
        management: Management::Managed,
    }
}

/// Devices a fleet user has, as a large organisation's employees might.
const FLEET_DEVICES_PER_USER: usize = 20;

/// What a fleet device may be: platform, model, OS versions (older first,
/// the oldest below the default policy's minimum), category.
const FLEET_KINDS: &[(Platform, &str, &[&str], &str)] = &[
    (Platform::Android, "Pixel 8", &["12", "14", "15"], "Phone"),
    (Platform::Android, "Galaxy S24", &["13", "14", "15"], "Phone"),
    (Platform::Ios, "iPhone 15", &["16.1", "17.5", "18.1"], "Phone"),
    (Platform::Ios, "iPad Air", &["16.7", "17.6", "18.1"], "Tablet"),
    (
        Platform::Windows,
        "ThinkPad X1 Carbon",
        &["10.0.19045", "10.0.22631", "10.0.26100"],
        "Laptop",
    ),
    (Platform::Macos, "MacBook Air", &["13.6", "14.7", "15.1"], "Laptop"),
    (Platform::Linux, "Framework 13", &["6.1", "6.8", "6.11"], "Laptop"),
];

/// `count` more devices, spread over users `fleet-NNNNN@example.com`
/// (one password hash for all: hashing thousands would take minutes), for
/// measuring All devices at an organisation's size. Seeded once: a later
/// start that finds the first fleet user leaves the fleet as it is.
pub async fn seed_fleet(state: &AppState, count: usize) -> anyhow::Result<()> {
    if count == 0 || state.db.user_by_email(&fleet_email(0)).await?.is_some() {
        return Ok(());
    }
    let now = state.clock.now();
    let password_hash = state.passwords.hash(PASSWORD.to_string()).await?;
    // Only what the provisioning mode manages.
    let kinds: Vec<_> = FLEET_KINDS
        .iter()
        .filter(|(platform, ..)| state.policies.current().platforms.contains_key(platform))
        .collect();
    let mut batch = Vec::with_capacity(FLEET_BATCH);
    let mut user_id = None;
    for n in 0..count {
        let user = n / FLEET_DEVICES_PER_USER;
        if n % FLEET_DEVICES_PER_USER == 0 {
            let id = state
                .db
                .create_user(
                    NewUser {
                        email: fleet_email(user),
                        display_name: format!("Fleet User {user}"),
                        role: Role::Employee,
                        password_hash: password_hash.clone(),
                    },
                    now,
                )
                .await?;
            user_id = Some(id);
        }
        // A spread that looks like a fleet: mostly current, some behind,
        // some unencrypted, some not seen for weeks.
        let &&(platform, model, versions, category) = &kinds[n % kinds.len()];
        let inventory = Inventory {
            os_version: versions[(n / 7) % versions.len()].into(),
            model: model.into(),
            encrypted: n % 11 != 0,
            passcode_set: true,
            jailbroken: false,
            free_storage_mb: 8_000 + (n % 50) as u64 * 1_000,
            serial_number: Some(format!("FLT{n:08}")),
            onprem_id: None,
        };
        let ownership = if n % 3 == 0 {
            Ownership::Personal
        } else {
            Ownership::Corporate
        };
        batch.push(judged_device(
            state,
            Seen {
                user_id: user_id.expect("the first device of a user makes the user"),
                name: format!("{model} {n:06}"),
                platform,
                ownership,
                category: category.into(),
                inventory,
                failing_since: now - Duration::days((n % 9) as i64),
                last_check_in: Some(now - Duration::minutes((n as i64 * 37) % (60 * 24 * 60))),
            },
        ));
        if batch.len() == FLEET_BATCH {
            state.db.create_devices(&batch).await?;
            batch.clear();
        }
    }
    state.db.create_devices(&batch).await?;
    state.db.analyze().await?;
    tracing::info!("demo fleet created: {count} devices of users fleet-NNNNN@example.com");
    Ok(())
}

/// Devices written in one transaction.
const FLEET_BATCH: usize = 5_000;

fn fleet_email(user: usize) -> String {
    format!("fleet-{user:05}@example.com")
}
