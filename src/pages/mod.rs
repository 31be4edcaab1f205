pub mod activity;
pub mod add_device;
pub mod device;
pub mod my_devices;
pub mod not_found;
pub mod security;
pub mod sign_in;
