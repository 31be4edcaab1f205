//! The enrollment API: owns the data, and serves the built portal.
//!
//! A feature in one folder, with its routes and its rules: `identity/`
//! (sign-in, sessions, the second factor), `devices/` (enrollment, the device
//! CA, the device API), `policies/` (enrollment restrictions and the compliance
//! policy, versioned, and devices judged by it), `commands/` (remote actions),
//! `catalog/` (apps and installs), `admin/` (the organisation's side), `live/` (events to portals and devices, on
//! every node). `http/` holds what every route shares; `db/` stores and loads.

pub mod admin;
pub mod branding;
pub mod catalog;
pub mod clock;
pub mod commands;
pub mod config;
pub mod db;
pub mod demo;
pub mod devices;
pub mod digest;
pub mod gateway;
pub mod http;
pub mod identity;
pub mod inventory;
pub mod languages;
pub mod live;
pub mod policies;
pub mod rate_limit;
pub mod secrets;
pub mod shared_keys;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod terms;
