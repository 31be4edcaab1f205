//! Company Portal: the employee's self-service web app.

pub mod api;
pub mod app;
pub mod catalog_app;
pub mod components;
pub mod format;
pub mod live;
pub mod loader;
pub mod pages;
pub mod router;
pub mod session;
pub mod task;
