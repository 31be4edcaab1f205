//! Live changes: fanned out to the portal sessions of the user they concern,
//! and wake-ups to the connected device a command was queued for.

use portal_types::{DeviceId, LiveEvent, UserId};
use tokio::sync::broadcast;

#[derive(Clone)]
pub struct Events {
    users: broadcast::Sender<(UserId, LiveEvent)>,
    devices: broadcast::Sender<DeviceId>,
}

impl Events {
    pub fn new() -> Self {
        // A slow listener that falls this far behind skips ahead (and re-reads).
        Self {
            users: broadcast::channel(256).0,
            devices: broadcast::channel(256).0,
        }
    }

    pub fn publish(&self, user: UserId, event: LiveEvent) {
        // No listener is not an error: nobody has the portal open.
        let _ = self.users.send((user, event));
    }

    pub fn subscribe(&self) -> broadcast::Receiver<(UserId, LiveEvent)> {
        self.users.subscribe()
    }

    /// Tells a connected device it has commands waiting.
    pub fn wake(&self, device: DeviceId) {
        let _ = self.devices.send(device);
    }

    pub fn wakes(&self) -> broadcast::Receiver<DeviceId> {
        self.devices.subscribe()
    }
}

impl Default for Events {
    fn default() -> Self {
        Self::new()
    }
}
