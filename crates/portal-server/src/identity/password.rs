use std::sync::Arc;

use anyhow::Context;
use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordVerifier, Version,
    password_hash::{PasswordHasher as _, SaltString, rand_core::OsRng},
};
use tokio::sync::Semaphore;

/// argon2id at OWASP's first recommended setting: 19 MiB, 2 passes, 1 lane.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes and verifies off the async workers, a bounded number at a time,
/// so a burst of sign-ins queues here instead of starving other requests.
#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    /// Verified against when the user is unknown, so that answer takes as long
    /// as a wrong password.
    dummy_hash: Arc<str>,
    /// argon2id verifications run, counted for the tests.
    verifications: Arc<std::sync::atomic::AtomicU64>,
}

impl PasswordHasher {
    pub fn new() -> anyhow::Result<Self> {
        let parallel = std::thread::available_parallelism().map_or(1, |n| n.get());
        Ok(Self {
            permits: Arc::new(Semaphore::new(parallel)),
            dummy_hash: hash_blocking("not a real password")?.into(),
            verifications: Arc::default(),
        })
    }

    pub async fn hash(&self, password: String) -> anyhow::Result<String> {
        let _permit = self.permits.acquire().await?;
        tokio::task::spawn_blocking(move || hash_blocking(&password)).await?
    }

    /// True when `password` matches `stored`; with no stored hash, does the
    /// same work and answers false.
    pub async fn verify(&self, password: String, stored: Option<String>) -> anyhow::Result<bool> {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| self.dummy_hash.to_string());
        let _permit = self.permits.acquire().await?;
        let verifications = self.verifications.clone();
        let matches = tokio::task::spawn_blocking(move || {
            verifications.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let parsed = PasswordHash::new(&stored).map_err(|e| anyhow::anyhow!("stored hash: {e}"))?;
            Ok::<_, anyhow::Error>(argon2().verify_password(password.as_bytes(), &parsed).is_ok())
        })
        .await??;
        Ok(known && matches)
    }
}

fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("hashing a password")
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use super::*;

    #[tokio::test]
    async fn an_unknown_user_costs_one_real_verification_like_a_wrong_password() {
        let hasher = PasswordHasher::new().unwrap();
        let stored = hasher.hash("right".into()).await.unwrap();
        assert!(hasher.verify("right".into(), Some(stored.clone())).await.unwrap());
        assert!(!hasher.verify("wrong".into(), Some(stored)).await.unwrap());
        assert!(
            !hasher.verify("right".into(), None).await.unwrap(),
            "no user: never a match"
        );
        assert_eq!(
            hasher.verifications.load(Ordering::Relaxed),
            3,
            "each answer ran argon2id once"
        );
    }
}
