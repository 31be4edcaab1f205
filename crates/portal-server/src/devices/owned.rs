//! The caller's own device, named by the path.

use std::collections::HashMap;

use axum::{
    extract::{FromRequestParts, Path},
    http::{Method, StatusCode, request::Parts},
};
use portal_types::{DeviceId, ManagedBy};

use crate::{http::error::AppError, identity::session::CurrentUser, state::AppState};

/// The signed-in caller and their device named by the path's `{id}`;
/// 404 whether it is somebody else's or nobody's. Anything but a read of a
/// device managed on premises is refused.
pub struct OwnedDevice {
    pub caller: CurrentUser,
    pub id: DeviceId,
}

impl FromRequestParts<AppState> for OwnedDevice {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let caller = CurrentUser::from_request_parts(parts, state).await?;
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        let acting = !matches!(parts.method, Method::GET | Method::HEAD);
        let id = own_device(state, &caller, params.get("id").map_or("", String::as_str), acting).await?;
        Ok(Self { caller, id })
    }
}

/// The caller's device by its id, or 404 whether it is somebody else's or
/// nobody's; when `acting` on it, refused for a device the on-premises
/// manager alone manages: the portal has no way to carry anything out there.
pub async fn own_device(state: &AppState, caller: &CurrentUser, id: &str, acting: bool) -> Result<DeviceId, AppError> {
    let id = id.parse().map(DeviceId).map_err(|_| AppError::NotFound)?;
    match state.db.device_manager(caller.user.id, id).await? {
        None => Err(AppError::NotFound),
        Some(ManagedBy::OnPremises) if acting => Err(managed_on_premises()),
        Some(_) => Ok(id),
    }
}

/// Why the portal takes no action on a device the on-premises manager alone manages.
pub fn managed_on_premises() -> AppError {
    AppError::refused(
        StatusCode::CONFLICT,
        "managed_on_premises",
        "This device is managed with the on-premises tools: the portal shows it but cannot act on it. \
         Contact your IT department.",
    )
}
