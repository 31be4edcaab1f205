//! Black-box tests of the enrollment API over HTTP: each test starts the real
//! server on a free port with a fresh database (SQLite, or PostgreSQL with
//! `PORTAL_TEST_DATABASE`); `store` tests the data layer beneath it.

mod admin;
mod auth;
mod branding;
mod catalog;
mod commands;
mod demo;
mod devices;
mod enrollment;
mod figures;
mod gateway;
mod hardening;
mod helpers;
mod inventory;
mod nodes;
mod openapi;
mod passkeys;
mod policies;
mod registration;
mod reliability;
mod second_factor;
mod security;
mod shutdown;
mod static_files;
mod store;
mod terms;
mod throughput;
