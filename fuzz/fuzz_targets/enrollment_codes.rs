//! Enrollment codes as typed, code requests, and the version comparison the
//! enrollment restrictions use.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portal_types::{
    EnrollmentCodeRequest,
    enrollment::{normalize_code, version_at_least},
};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let code = normalize_code(&text);
    assert!(code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
    assert_eq!(normalize_code(&code), code, "normalising is idempotent");

    let (a, b) = text.split_once('\n').unwrap_or((&text, "1"));
    assert!(version_at_least(a, a));
    assert!(version_at_least(a, b) || version_at_least(b, a), "any two versions compare");

    if let Ok(request) = serde_json::from_slice::<EnrollmentCodeRequest>(data) {
        let _ = request.field_errors();
    }
});
