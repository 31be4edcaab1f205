//! Remote actions on one of the user's devices.

use portal_types::{ActivityResponse, Command, CommandsResponse, LockRequest, RenameRequest, WipeRequest};

use super::{ClientResult, delete, get, post, post_empty_body};

pub async fn list(device: String) -> ClientResult<Vec<Command>> {
    get::<CommandsResponse>(&format!("/devices/{device}/commands"))
        .await
        .map(|r| r.commands)
}

/// Check status: the device checks in now.
pub async fn sync(device: &str) -> ClientResult<Command> {
    post(&format!("/devices/{device}/sync"), &()).await
}

pub async fn lock(device: &str, request: &LockRequest) -> ClientResult<Command> {
    post(&format!("/devices/{device}/lock"), request).await
}

/// Reset device; the session must have been re-authenticated just before.
pub async fn wipe(device: &str, request: &WipeRequest) -> ClientResult<Command> {
    post(&format!("/devices/{device}/wipe"), request).await
}

pub async fn cancel(device: &str, command: &str) -> ClientResult<Command> {
    post(&format!("/devices/{device}/commands/{command}/cancel"), &()).await
}

pub async fn rename(device: &str, request: &RenameRequest) -> ClientResult<()> {
    post_empty_body(&format!("/devices/{device}/rename"), request).await
}

/// Remove device; the session must have been re-authenticated just before.
pub async fn remove(device: &str) -> ClientResult<()> {
    delete(&format!("/devices/{device}")).await
}

pub async fn activity() -> ClientResult<ActivityResponse> {
    get("/activity").await
}
