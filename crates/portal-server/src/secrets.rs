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

pub struct SecretBox {
    cipher: Aes256Gcm,
    /// Keys the digests of secrets only checked, never read back (recovery
    /// codes): a copied database without the secret key cannot test guesses.
    digests: ring::hmac::Key,
}

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
        let digests = ring::hkdf::Salt::new(ring::hkdf::HKDF_SHA256, b"company-portal")
            .extract(&bytes)
            .expand(&[b"digests"], ring::hmac::HMAC_SHA256)
            .expect("one HMAC key's length")
            .into();
        Ok(Self {
            cipher: Aes256Gcm::new_from_slice(&bytes).expect("32-byte key"),
            digests,
        })
    }

    /// HMAC-SHA-256 of `parts` (each length-prefixed, so they cannot run
    /// into each other), hex.
    pub fn digest(&self, parts: &[&[u8]]) -> String {
        let mut context = ring::hmac::Context::with_key(&self.digests);
        for part in parts {
            context.update(&(part.len() as u64).to_be_bytes());
            context.update(part);
        }
        context.sign().as_ref().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Nonce followed by ciphertext and tag.
    pub fn seal(&self, plaintext: &[u8]) -> Vec<u8> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let mut sealed = nonce.to_vec();
        sealed.extend(
            self.cipher
                .encrypt(&nonce, plaintext)
                .expect("AES-GCM encryption does not fail"),
        );
        sealed
    }

    pub fn open(&self, sealed: &[u8]) -> anyhow::Result<Vec<u8>> {
        anyhow::ensure!(sealed.len() > NONCE_LEN, "sealed secret too short");
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        self.cipher
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
    // Another node starting over the same folder may be first: its key counts.
    crate::devices::ca::write_once(path, STANDARD.encode(key).as_bytes(), true)?;
    STANDARD
        .decode(std::fs::read_to_string(path)?.trim())
        .with_context(|| format!("reading {}", path.display()))
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
