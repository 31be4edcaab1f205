use serde::{Deserialize, Serialize};

use crate::DeviceId;

/// A change the portal hears about as it happens (server-sent events on
/// `/api/v1/events`), so pages update without a reload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LiveEvent {
    /// A device enrolled with one of the user's codes.
    DeviceEnrolled { device_id: DeviceId },
    /// A device checked in, or its state changed.
    DeviceUpdated { device_id: DeviceId },
}
