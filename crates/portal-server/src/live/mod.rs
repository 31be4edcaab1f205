//! Live changes: fanned out to the portal sessions of the user they concern,
//! and wake-ups to the connected device a command was queued for, on every
//! node. The data layer sends a change's notices with its commit, and only
//! if it commits (over PostgreSQL by `NOTIFY` in the transaction, heard by
//! every node's listener, this one's too, in the same order); what each
//! change tells is said here.

pub mod routes;

use std::sync::Arc;

use portal_types::{DeviceId, LiveEvent, UserId};
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, watch};

use crate::db::{Database, DbResult};

/// What the nodes tell each other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Notice {
    /// For the user's open portals.
    User { user: UserId, event: LiveEvent },
    /// The device has commands waiting.
    Wake { device: DeviceId },
    /// The user's sessions or account changed (signed out, re-authenticated):
    /// what a node keeps of them is stale.
    Account { user: UserId },
    /// A new version of the policy is in force: every node loads it.
    Policy { version: u32 },
    /// A new version of the branding: every node loads it, and every open
    /// portal restyles itself and shows the organisation's name (empty: none).
    Branding { version: u32, organisation: String },
    /// The apps published through the gateway changed: every node reads them again.
    Published,
    /// Some notices may have been missed: every listener re-reads.
    Resync,
}

impl Notice {
    /// A command was queued, or moved along its timeline, or several were:
    /// the device's owner's portals re-read its commands.
    pub fn commands_changed(owner: UserId, device: DeviceId) -> Self {
        Self::User {
            user: owner,
            event: LiveEvent::command_updated(device),
        }
    }

    /// The device object changed: renamed, checked in, reset or removed.
    pub fn device_changed(owner: UserId, device: DeviceId) -> Self {
        Self::User {
            user: owner,
            event: LiveEvent::device_updated(device),
        }
    }

    pub fn device_enrolled(owner: UserId, device: DeviceId) -> Self {
        Self::User {
            user: owner,
            event: LiveEvent::device_enrolled(device),
        }
    }
}

/// Told once the server begins to stop. Endless streams end then, so that
/// the stop does not wait for them: agents and portals reconnect, to this
/// node once it is back or to another.
#[derive(Clone)]
pub struct Stopping(watch::Receiver<bool>);

impl Stopping {
    /// The switch, and what streams watch.
    pub fn new() -> (watch::Sender<bool>, Self) {
        let (sender, receiver) = watch::channel(false);
        (sender, Self(receiver))
    }

    /// Completes once the server is stopping (at once if it is).
    pub async fn wait(&mut self) {
        // A dropped switch means the server is gone: stop too.
        let _ = self.0.wait_for(|stopping| *stopping).await;
    }
}

/// How often an open stream looks again at whether its caller may still have it.
pub const RECHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

/// The notices of committed changes, as this node hears them.
#[derive(Clone)]
pub struct Events {
    local: broadcast::Sender<Notice>,
    db: Arc<dyn Database>,
}

impl Events {
    pub async fn new(db: Arc<dyn Database>) -> DbResult<Self> {
        // A slow listener that falls this far behind skips ahead (and re-reads).
        let local = broadcast::channel(256).0;
        let sender = local.clone();
        db.listen(Arc::new(move |notice: Option<&Notice>| {
            // No listener is not an error: nobody has the portal open.
            let _ = sender.send(notice.cloned().unwrap_or(Notice::Resync));
        }))
        .await?;
        Ok(Self { local, db })
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
