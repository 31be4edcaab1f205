//! Encryption at rest for secrets the server must read back (TOTP secrets),
//! with AES-256-GCM under a key from configuration or, by default, a key
//! file created on first start in the data directory (mode 0600).

use std::path::Path;

use aes_gcm::{
    Aes256Gcm, KeyInit,
    aead::{Aead, AeadCore, OsRng},
};
use anyhow::Context;
use base64::{Engine, engine::general_purpose::STANDARD};

const NONCE_LEN: usize = 12;

pub struct SecretBox(Aes256Gcm);

impl SecretBox {
    /// `key` is 32 bytes in base64; without it, `dir/secret.key` is used (and created).
    pub fn load(key: Option<&str>, dir: &Path) -> anyhow::Result<Self> {
        let bytes = match key {
            Some(key) => STANDARD.decode(key.trim()).context("the secret key is not base64")?,
            None => key_file(&dir.join("secret.key"))?,
        };
        anyhow::ensure!(
            bytes.len() == 32,
            "the secret key must be 32 bytes, not {}",
            bytes.len()
        );
        Ok(Self(Aes256Gcm::new_from_slice(&bytes).expect("32-byte key")))
    }

    /// Nonce followed by ciphertext and tag.
    pub fn seal(&self, plaintext: &[u8]) -> Vec<u8> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let mut sealed = nonce.to_vec();
        sealed.extend(
            self.0
                .encrypt(&nonce, plaintext)
                .expect("AES-GCM encryption does not fail"),
        );
        sealed
    }

    pub fn open(&self, sealed: &[u8]) -> anyhow::Result<Vec<u8>> {
        anyhow::ensure!(sealed.len() > NONCE_LEN, "sealed secret too short");
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        self.0
            .decrypt(nonce.into(), ciphertext)
            .map_err(|_| anyhow::anyhow!("a stored secret does not open with this key"))
    }
}

fn key_file(path: &Path) -> anyhow::Result<Vec<u8>> {
    if path.exists() {
        return STANDARD
            .decode(std::fs::read_to_string(path)?.trim())
            .with_context(|| format!("reading {}", path.display()));
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let key: [u8; 32] = rand::random();
    crate::devices::ca::write_private(path, STANDARD.encode(key).as_bytes())?;
    Ok(key.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_and_refuses_another_key() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = SecretBox::load(None, dir.path()).unwrap();
        let sealed = secrets.seal(b"totp secret");
        assert_ne!(&sealed[NONCE_LEN..], b"totp secret");
        assert_eq!(secrets.open(&sealed).unwrap(), b"totp secret");
        assert_eq!(
            SecretBox::load(None, dir.path()).unwrap().open(&sealed).unwrap(),
            b"totp secret",
            "same key file"
        );
        let other = SecretBox::load(Some(&STANDARD.encode([7u8; 32])), dir.path()).unwrap();
        assert!(other.open(&sealed).is_err());
    }
}
