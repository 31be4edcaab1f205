use portal_types::{Device, DeviceDetail, DevicesResponse};

use super::{ClientResult, get};

/// The signed-in user's devices.
pub async fn list() -> ClientResult<Vec<Device>> {
    get::<DevicesResponse>("/devices").await.map(|r| r.devices)
}

/// One of the signed-in user's devices, in full.
pub async fn detail(id: &str) -> ClientResult<DeviceDetail> {
    get(&format!("/devices/{id}")).await
}
