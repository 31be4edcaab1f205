//! Device objects: enrollment with one-time codes, the device CA that signs
//! their certificates, the signed device API, what the organisation keeps of
//! a device, and how often a device may call.

pub mod ca;
pub mod device_api;
pub mod device_auth;
pub mod enrollment;
pub mod owned;
pub mod routes;
pub mod rules;
pub mod throttle;
