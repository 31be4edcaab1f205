//! Live changes: fanned out to the portal sessions of the user they concern,
//! and wake-ups to the connected device a command was queued for.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use portal_types::{DeviceId, LiveEvent, UserId};
use tokio::sync::broadcast;

#[derive(Clone)]
pub struct Events {
    users: broadcast::Sender<(UserId, LiveEvent)>,
    devices: broadcast::Sender<DeviceId>,
    /// Each device's newest command stream: an older one still open (a
    /// connection the device already gave up on) must not take commands.
    streams: Arc<Mutex<HashMap<DeviceId, u64>>>,
}

impl Events {
    pub fn new() -> Self {
        // A slow listener that falls this far behind skips ahead (and re-reads).
        Self {
            users: broadcast::channel(256).0,
            devices: broadcast::channel(256).0,
            streams: Arc::default(),
        }
    }

    pub fn publish(&self, user: UserId, event: LiveEvent) {
        // No listener is not an error: nobody has the portal open.
        let _ = self.users.send((user, event));
    }

    pub fn subscribe(&self) -> broadcast::Receiver<(UserId, LiveEvent)> {
        self.users.subscribe()
    }

    /// A command was queued for the device: the device is woken and the
    /// user's portal told.
    pub fn command_queued(&self, user: UserId, device: DeviceId) {
        self.wake(device);
        self.publish(user, LiveEvent::command_updated(device));
    }

    /// Tells a connected device it has commands waiting.
    pub fn wake(&self, device: DeviceId) {
        let _ = self.devices.send(device);
    }

    pub fn wakes(&self) -> broadcast::Receiver<DeviceId> {
        self.devices.subscribe()
    }

    /// Registers a new command stream of the device's, superseding the
    /// ones before; gives back its number.
    pub fn connect(&self, device: DeviceId) -> u64 {
        let mut streams = self.streams.lock().expect("not poisoned");
        let number = streams.get(&device).map_or(1, |n| n + 1);
        streams.insert(device, number);
        number
    }

    /// Whether stream `number` is still the device's newest.
    pub fn is_current(&self, device: DeviceId, number: u64) -> bool {
        self.streams.lock().expect("not poisoned").get(&device) == Some(&number)
    }
}

impl Default for Events {
    fn default() -> Self {
        Self::new()
    }
}
