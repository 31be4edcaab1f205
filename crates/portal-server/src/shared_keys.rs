//! Every node of one portal must use the same device CA (devices present
//! certificates it issued to whichever node they reach) and the same secret
//! key (any node reads the secrets another sealed). The first node to start
//! writes down the CA's fingerprint and a value sealed with the key; a node
//! that disagrees refuses to start, saying which.

use crate::{db::Database, devices::ca::DeviceCa, digest::sha256_hex, secrets::SecretBox};
use anyhow::Context;
use base64::{Engine, engine::general_purpose::STANDARD};

const CA_FINGERPRINT: &str = "device_ca_sha256";
const SECRET_KEY_CHECK: &str = "secret_key_check";
const CHECK_PLAINTEXT: &[u8] = b"Company Portal secret key";

pub async fn check(db: &dyn Database, ca: &DeviceCa, secrets: &SecretBox) -> anyhow::Result<()> {
    let fingerprint = sha256_hex(ca.certificate_pem());
    let known = db.setting_or_insert(CA_FINGERPRINT, &fingerprint).await?;
    anyhow::ensure!(
        known == fingerprint,
        "this node's device CA (SHA-256 {fingerprint}) is not the one the database's devices were issued \
         certificates under (SHA-256 {known}): give every node the same device-ca.pem and device-ca.key.pem (--data-dir)"
    );
    let sealed = STANDARD.encode(secrets.seal(CHECK_PLAINTEXT));
    let known = db.setting_or_insert(SECRET_KEY_CHECK, &sealed).await?;
    let opened = STANDARD
        .decode(&known)
        .context("reading the stored secret key check")
        .and_then(|bytes| secrets.open(&bytes));
    anyhow::ensure!(
        opened.is_ok_and(|plain| plain == CHECK_PLAINTEXT),
        "this node's secret key is not the one the database's secrets were sealed with: give every node the \
         same --secret-key (or the same secret.key in --data-dir)"
    );
    Ok(())
}
