//! The organisation's side, for IT administrators: the Overview, All
//! devices and the audit log so far.

pub mod audit;
mod csv;
pub mod devices;
pub mod fleet;
pub mod overview;

use axum::http::StatusCode;
use portal_types::Role;

use crate::{http::error::AppError, identity::session::CurrentUser};

/// Only administrators pass; anybody else is refused with `message`.
pub fn admin_only(caller: &CurrentUser, message: &str) -> Result<(), AppError> {
    if caller.user.role == Role::Admin {
        return Ok(());
    }
    Err(AppError::refused(StatusCode::FORBIDDEN, "admin_only", message))
}
