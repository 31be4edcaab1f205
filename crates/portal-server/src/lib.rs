//! The enrollment API: owns the data, and serves the built portal.

pub mod ca;
pub mod catalog;
pub mod catalog_seed;
pub mod clock;
pub mod commands;
pub mod config;
pub mod csrf;
pub mod db;
pub mod demo;
pub mod device_auth;
pub mod devices;
pub mod error;
pub mod events;
pub mod password;
pub mod policy;
pub mod rate_limit;
pub mod routes;
pub mod second_factor;
pub mod secrets;
pub mod security_headers;
pub mod session;
pub mod startup;
pub mod state;
pub mod static_files;
pub mod telemetry;
pub mod totp;
