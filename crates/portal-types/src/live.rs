use serde::{Deserialize, Serialize};

use crate::DeviceId;

/// A change the portal hears about as it happens (server-sent events on
/// `/api/v1/events`), so pages update without a reload.
///
/// A struct with a kind, not an internally tagged enum: decoding those takes
/// serde's buffering machinery, kilobytes of wasm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LiveEvent {
    pub kind: LiveEventKind,
    /// The device the event is about.
    pub device_id: DeviceId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LiveEventKind {
    /// A device enrolled with one of the user's codes.
    DeviceEnrolled,
    /// A device checked in, or its state changed.
    DeviceUpdated,
    /// A command for the device moved along its timeline.
    CommandUpdated,
}

impl LiveEvent {
    pub fn device_enrolled(device_id: DeviceId) -> Self {
        Self {
            kind: LiveEventKind::DeviceEnrolled,
            device_id,
        }
    }

    pub fn command_updated(device_id: DeviceId) -> Self {
        Self {
            kind: LiveEventKind::CommandUpdated,
            device_id,
        }
    }

    pub fn device_updated(device_id: DeviceId) -> Self {
        Self {
            kind: LiveEventKind::DeviceUpdated,
            device_id,
        }
    }
}
