//! Black-box tests of the enrollment API over HTTP: each test starts the real
//! server on a free port with a fresh SQLite file.

mod auth;
mod catalog;
mod commands;
mod demo;
mod devices;
mod enrollment;
mod helpers;
mod openapi;
mod second_factor;
mod security;
mod shutdown;
mod static_files;
