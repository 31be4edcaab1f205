//! What the organisation keeps of a device.

use portal_types::{Inventory, Ownership};

/// The organisation keeps no personal device's serial number (the Privacy
/// page says so): the inventory as it may be stored.
pub fn kept_inventory(ownership: Ownership, mut inventory: Inventory) -> Inventory {
    if ownership != Ownership::Corporate {
        inventory.serial_number = None;
    }
    inventory
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
