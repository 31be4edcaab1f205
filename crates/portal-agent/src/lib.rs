//! The device side of the enrollment API: register or enroll with a one-time code and a
//! key generated on the device, then sign every request with that key.

mod client;
mod state;

pub use client::{ApiFailure, DeviceClient, EventStream, add, enroll};
pub use state::{DeviceState, StateDir};
