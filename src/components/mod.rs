pub mod compliance_badge;
pub mod device_list;
pub mod header;
