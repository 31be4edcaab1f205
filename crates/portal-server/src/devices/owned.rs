//! The caller's own device, named by the path.

use std::collections::HashMap;

use axum::{
    extract::{FromRequestParts, Path},
    http::request::Parts,
};
use portal_types::DeviceId;

use crate::{http::error::AppError, identity::session::CurrentUser, state::AppState};

/// The signed-in caller and their device named by the path's `{id}`;
/// 404 whether it is somebody else's or nobody's.
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
        let id = own_device(state, &caller, params.get("id").map_or("", String::as_str)).await?;
        Ok(Self { caller, id })
    }
}

/// The caller's device by its id, or 404 whether it is somebody else's or nobody's.
pub async fn own_device(state: &AppState, caller: &CurrentUser, id: &str) -> Result<DeviceId, AppError> {
    let id = id.parse().map(DeviceId).map_err(|_| AppError::NotFound)?;
    if state.db.owns_device(caller.user.id, id).await? {
        Ok(id)
    } else {
        Err(AppError::NotFound)
    }
}
