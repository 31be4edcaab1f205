//! What the organisation keeps of a device.

use portal_types::{Inventory, ManagedApp, Management, Ownership};

/// The audit log's name for a device being added, registered or enrolled.
pub fn added_action(management: Management) -> &'static str {
    match management {
        Management::Registered => "device_registered",
        Management::Managed => "device_enrolled",
    }
}

/// The organisation keeps no personal device's serial number (the Privacy
/// page says so): the inventory as it may be stored.
pub fn kept_inventory(ownership: Ownership, mut inventory: Inventory) -> Inventory {
    if ownership != Ownership::Corporate {
        inventory.serial_number = None;
    }
    inventory
}

/// The apps a device reports, as they may be stored: the organisation keeps
/// no app inventory of a device it does not manage.
pub fn kept_apps(management: Management, apps: Vec<ManagedApp>) -> Vec<ManagedApp> {
    match management {
        Management::Managed => apps,
        Management::Registered => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_serial() -> Inventory {
        Inventory {
            os_version: "15".into(),
            model: "Pixel 9".into(),
            encrypted: true,
            passcode_set: true,
            jailbroken: false,
            free_storage_mb: 1,
            serial_number: Some("SN-1".into()),
            onprem_id: None,
        }
    }

    #[test]
    fn only_corporate_devices_keep_their_serial_number() {
        assert_eq!(
            kept_inventory(Ownership::Corporate, with_serial())
                .serial_number
                .as_deref(),
            Some("SN-1")
        );
        assert_eq!(kept_inventory(Ownership::Personal, with_serial()).serial_number, None);
    }
}
