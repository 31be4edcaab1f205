//! The policy file (`--policy-file`, TOML) over each mode's defaults, and
//! the rules it then applies.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portal_server::devices::policy::{Policy, ProvisioningMode};
use portal_types::{Inventory, Platform};

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
    };
    for mode in [ProvisioningMode::Standalone, ProvisioningMode::Office365, ProvisioningMode::Hybrid] {
        let Ok(policy) = Policy::parse(mode, text) else { continue };
        let options = policy.options(1);
        assert!(options.platforms.iter().all(|p| Platform::ALL.contains(&p.platform)));
        for platform in Platform::ALL {
            let _ = policy.os_refusal(platform, &inventory.os_version);
            let _ = policy.evaluate(platform, &inventory);
        }
    }
});
