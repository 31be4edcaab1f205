//! The enrollment API's wire types, shared by the server and the portal.
//!
//! Only serde-level dependencies by default: every byte here reaches the wasm.
//! Server-only derives sit behind the `openapi` feature.

pub mod auth;
pub mod device;
pub mod error;
pub mod ids;

pub use auth::{MeResponse, Role, SessionResponse, SignInRequest};
pub use device::{ComplianceState, Device, DevicesResponse, Ownership, Platform};
pub use error::{ApiError, FieldError, FieldErrors};
pub use ids::{DeviceId, UserId};
