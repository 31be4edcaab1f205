//! Certificate signing requests, as a device sends them at enrollment.
#![no_main]

use std::sync::OnceLock;

use base64::{Engine, engine::general_purpose::STANDARD};
use libfuzzer_sys::fuzz_target;
use portal_server::devices::ca::DeviceCa;
use portal_types::DeviceId;
use time::OffsetDateTime;

fn ca() -> &'static DeviceCa {
    static CA: OnceLock<(tempfile::TempDir, DeviceCa)> = OnceLock::new();
    &CA.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let ca = DeviceCa::load_or_create(dir.path()).unwrap();
        (dir, ca)
    })
    .1
}

fuzz_target!(|data: &[u8]| {
    // A leading 0 wraps the rest in PEM, to reach the DER parser with any bytes.
    let pem = match data.split_first() {
        Some((0, der)) => format!(
            "-----BEGIN CERTIFICATE REQUEST-----\n{}\n-----END CERTIFICATE REQUEST-----\n",
            STANDARD.encode(der)
        ),
        _ => String::from_utf8_lossy(data).into_owned(),
    };
    let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    if let Ok(issued) = ca().issue(&pem, DeviceId(uuid::Uuid::nil()), now) {
        // Whatever was asked, the certificate is for the server's own subject and a P-256 key.
        assert!(issued.subject.starts_with("CN=00000000-0000-0000-0000-000000000000,"));
        assert_eq!(issued.public_key.len(), 65);
    }
});
