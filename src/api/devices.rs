use portal_types::{Device, DevicesResponse};

use super::{ClientResult, get};

/// The signed-in user's devices.
pub async fn list() -> ClientResult<Vec<Device>> {
    get::<DevicesResponse>("/devices").await.map(|r| r.devices)
}
