//! Remote actions on devices (Check status, Lock, Reset device, Remove
//! device, Rename) and their timeline.

pub mod expiry;
pub mod routes;
pub mod rules;
