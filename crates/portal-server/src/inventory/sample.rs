//! Sample feeds: the demo's hybrid estate, and estates of any size for
//! measuring the sync.

use portal_types::InventoryRecord;

#[allow(clippy::too_many_arguments)]
fn record(
    id: &str,
    name: &str,
    os: &str,
    build: &str,
    user: Option<&str>,
    model: &str,
    manufacturer: &str,
    serial: &str,
) -> InventoryRecord {
    InventoryRecord {
        onprem_id: id.into(),
        name: name.into(),
        os: os.into(),
        os_build: build.into(),
        primary_user: user.map(Into::into),
        model: Some(model.into()),
        manufacturer: Some(manufacturer.into()),
        serial_number: Some(serial.into()),
        domain: Some("corp.example.com".into()),
        last_seen: None,
    }
}

/// What the demo's on-premises manager holds: desktops and servers, and Ada's
/// work laptop, which the portal manages too (the same serial number).
pub fn demo_estate() -> Vec<InventoryRecord> {
    vec![
        record(
            "16777216",
            "ADA-DESKTOP",
            "Microsoft Windows 11 Enterprise",
            "10.0.22631",
            Some("ada@example.com"),
            "OptiPlex 7010",
            "Dell Inc.",
            "7XK2LM3",
        ),
        record(
            "16777217",
            "ADA-MACBOOK",
            "macOS 15.1",
            "15.1",
            Some("ada@example.com"),
            "MacBook Pro 14\"",
            "Apple Inc.",
            "C02DX1ML05N4",
        ),
        record(
            "16777218",
            "GRACE-LINUX",
            "Ubuntu 24.04 LTS",
            "6.8",
            Some("grace@example.com"),
            "ThinkStation P360",
            "Lenovo",
            "PC2ABC91",
        ),
        record(
            "16777219",
            "FILESRV-01",
            "Microsoft Windows Server 2022 Datacenter",
            "10.0.20348",
            None,
            "PowerEdge R750",
            "Dell Inc.",
            "9QF7KL2",
        ),
        record(
            "16777220",
            "BUILD-02",
            "Microsoft Windows Server 2019 Standard",
            "10.0.17763",
            None,
            "ProLiant DL380",
            "HPE",
            "CZJ21402LK",
        ),
        record(
            "16777221",
            "KIOSK-LOBBY",
            "Microsoft Windows 10 Enterprise LTSC",
            "10.0.19044",
            None,
            "OptiPlex 3000",
            "Dell Inc.",
            "4HT9PQ1",
        ),
        record(
            "16777222",
            "NEWHIRE-LAPTOP",
            "Microsoft Windows 11 Pro",
            "10.0.26100",
            Some("newhire@example.com"),
            "Latitude 7450",
            "Dell Inc.",
            "5MN8RT2",
        ),
    ]
}

/// `count` records of a large estate: desktops and servers, a primary user
/// for most (`user-N@example.com`, twenty devices each).
pub fn estate(count: usize) -> Vec<InventoryRecord> {
    const KINDS: [(&str, &str, &str); 4] = [
        ("Microsoft Windows 11 Enterprise", "10.0.22631", "OptiPlex 7010"),
        ("Microsoft Windows 10 Enterprise", "10.0.19045", "Latitude 5440"),
        (
            "Microsoft Windows Server 2022 Datacenter",
            "10.0.20348",
            "PowerEdge R750",
        ),
        ("Ubuntu 24.04 LTS", "6.8", "ThinkStation P360"),
    ];
    (0..count)
        .map(|n| {
            let (os, build, model) = KINDS[n % KINDS.len()];
            let user = (n % 10 != 0).then(|| format!("user-{:05}@example.com", n / 20));
            let mut record = record(
                &format!("{}", 33_554_432 + n),
                &format!("PC-{n:06}"),
                os,
                build,
                user.as_deref(),
                model,
                "Dell Inc.",
                &format!("SN{n:08}"),
            );
            record.domain = Some("corp.example.com".into());
            record
        })
        .collect()
}
