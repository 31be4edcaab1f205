pub mod compliance_badge;
pub mod device_actions;
pub mod device_list;
pub mod field;
pub mod header;
pub mod timeline;
