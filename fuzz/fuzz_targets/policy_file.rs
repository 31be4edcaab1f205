//! The policy file (`--policy-file`, TOML) over each mode's defaults, and
//! the rules it then applies.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portal_server::policies::rules::{Policy, ProvisioningMode};
use portal_types::{Inventory, Management, Ownership, Platform};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let inventory = Inventory {
        os_version: "14.2".into(),
        model: "Pixel 9".into(),
        encrypted: false,
        passcode_set: true,
        jailbroken: false,
        free_storage_mb: 1024,
        serial_number: None,
        onprem_id: None,
    };
    for mode in [ProvisioningMode::Standalone, ProvisioningMode::Office365, ProvisioningMode::Hybrid] {
        let Ok(policy) = Policy::parse(mode, text) else { continue };
        let options = policy.options(1);
        assert!(options.platforms.iter().all(|p| Platform::ALL.contains(&p.platform)));
        for platform in Platform::ALL {
            for management in Management::ALL {
                let _ = policy.os_refusal(platform, management, &inventory.os_version);
                let _ = policy.enrollment_refusal(platform, Ownership::Personal, management, 0);
            }
            let now = time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
            let _ = policy.judge(platform, &inventory, true, now - time::Duration::days(40), None, now);
            let _ = policy.with_settings(policy.version + 1, &policy.settings());
        }
    }
});
