//! Live changes, fanned out to the portal sessions of the user they concern.

use portal_types::{LiveEvent, UserId};
use tokio::sync::broadcast;

#[derive(Clone)]
pub struct Events(broadcast::Sender<(UserId, LiveEvent)>);

impl Events {
    pub fn new() -> Self {
        // A slow listener that falls this far behind skips ahead (and re-reads).
        Self(broadcast::channel(256).0)
    }

    pub fn publish(&self, user: UserId, event: LiveEvent) {
        // No listener is not an error: nobody has the portal open.
        let _ = self.0.send((user, event));
    }

    pub fn subscribe(&self) -> broadcast::Receiver<(UserId, LiveEvent)> {
        self.0.subscribe()
    }
}

impl Default for Events {
    fn default() -> Self {
        Self::new()
    }
}
