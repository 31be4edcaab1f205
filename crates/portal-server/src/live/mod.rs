//! Live changes: fanned out to the portal sessions of the user they concern,
//! and wake-ups to the connected device a command was queued for, on every
//! node. With one node they stay in the process; over PostgreSQL each goes
//! out by `NOTIFY` and comes back to every node's listener, this one's too,
//! so all nodes hear them in the same order.

pub mod routes;

use std::sync::Arc;

use portal_types::{DeviceId, LiveEvent, UserId};
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc::UnboundedSender};

use crate::db::{Database, DbResult};

/// What the nodes tell each other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Notice {
    /// For the user's open portals.
    User { user: UserId, event: LiveEvent },
    /// The device has commands waiting.
    Wake { device: DeviceId },
    /// Some notices may have been missed: every listener re-reads.
    Resync,
}

#[derive(Clone)]
pub struct Events {
    local: broadcast::Sender<Notice>,
    /// To the other nodes, when there are any.
    relay: Option<UnboundedSender<String>>,
    db: Arc<dyn Database>,
}

impl Events {
    pub fn new(db: Arc<dyn Database>) -> Self {
        // A slow listener that falls this far behind skips ahead (and re-reads).
        let local = broadcast::channel(256).0;
        let sender = local.clone();
        let relay = db.relay(Arc::new(move |payload: Option<&str>| {
            let notice = match payload.map(serde_json::from_str) {
                Some(Ok(notice)) => notice,
                Some(Err(error)) => {
                    tracing::warn!(%error, "an unreadable notice; re-reading instead");
                    Notice::Resync
                }
                None => Notice::Resync,
            };
            // No listener is not an error: nobody has the portal open.
            let _ = sender.send(notice);
        }));
        Self { local, relay, db }
    }

    fn send(&self, notice: Notice) {
        match &self.relay {
            Some(relay) => {
                let payload = serde_json::to_string(&notice).expect("notices serialize");
                if relay.send(payload).is_err() {
                    let _ = self.local.send(notice);
                }
            }
            None => {
                let _ = self.local.send(notice);
            }
        }
    }

    pub fn publish(&self, user: UserId, event: LiveEvent) {
        self.send(Notice::User { user, event });
    }

    /// A command was queued for the device: the device is woken and the
    /// user's portal told.
    pub fn command_queued(&self, user: UserId, device: DeviceId) {
        self.wake(device);
        self.publish(user, LiveEvent::command_updated(device));
    }

    /// Tells a connected device it has commands waiting.
    pub fn wake(&self, device: DeviceId) {
        self.send(Notice::Wake { device });
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Notice> {
        self.local.subscribe()
    }

    /// Registers a new command stream of the device's, superseding the
    /// ones before on any node; gives back its number.
    pub async fn connect(&self, device: DeviceId) -> DbResult<i64> {
        self.db.open_command_stream(device).await
    }

    /// Whether stream `number` is still the device's newest.
    pub async fn is_current(&self, device: DeviceId, number: i64) -> DbResult<bool> {
        Ok(self.db.newest_command_stream(device).await? == Some(number))
    }
}
