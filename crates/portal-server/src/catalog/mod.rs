//! The corporate app catalog: browsing, installs and uninstalls as device
//! commands, required apps, the administrators' endpoints, the starting catalog.

pub mod admin;
pub mod routes;
pub mod rules;
pub mod seed;
