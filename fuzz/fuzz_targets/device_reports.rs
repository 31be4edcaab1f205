//! What enrolled devices report: check-ins (inventory and apps), command
//! reports, and enrollment requests, through the same parser and checks as
//! the device API, then the compliance policy.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use portal_server::{
    devices::device_auth::parse_body,
    policies::rules::{Policy, ProvisioningMode},
};
use portal_types::{CheckInRequest, CommandReport, EnrollRequest, enrollment::normalize_code};

fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| Policy::defaults(ProvisioningMode::Hybrid))
}

fuzz_target!(|data: &[u8]| {
    if let Ok(report) = parse_body::<CheckInRequest>(data)
        && report.field_errors().is_empty()
    {
        for platform in portal_types::Platform::ALL {
            let now = time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
            let _ = policy().judge(platform, &report.inventory, true, now, None, now);
        }
    }
    if let Ok(report) = parse_body::<CommandReport>(data) {
        let _ = report.field_errors();
    }
    if let Ok(request) = parse_body::<EnrollRequest>(data) {
        let _ = request.inventory.field_errors();
        let _ = normalize_code(&request.code);
        let _ = policy().os_refusal(request.platform, request.management, &request.inventory.os_version);
    }
});
