//! What the nodes of one portal share: limits' attempts, the command streams'
//! numbers, and the facts checked at start-up.

use async_trait::async_trait;
use portal_types::DeviceId;
use time::OffsetDateTime;

use super::{Key, Store, other, uid};
use crate::db::{Admit, AttemptKey, DbResult, NodeStateStore, Reserved, values::Ts};

#[async_trait]
impl NodeStateStore for Store {
    async fn reserve_attempt(&self, keys: &[AttemptKey], at: OffsetDateTime, admit: &Admit) -> DbResult<Reserved> {
        // In one order, so that two reservations never wait for each other.
        let mut locks: Vec<&str> = keys.iter().map(|k| k.key.as_str()).collect();
        locks.sort_unstable();
        let locks: Vec<Key> = locks.into_iter().map(Key::Limit).collect();
        let mut tx = self.begin_locked(&locks).await?;
        let mut recent = Vec::with_capacity(keys.len());
        for key in keys {
            let times: Vec<Ts> = sqlx::query_scalar(
                "SELECT at FROM limit_attempts WHERE key = $1 AND at > $2 ORDER BY at DESC LIMIT $3",
            )
            .bind(&key.key)
            .bind(Ts(key.since))
            .bind(i64::from(key.read))
            .fetch_all(&mut *tx)
            .await
            .map_err(other)?;
            recent.push(times.into_iter().map(|t| t.0).collect());
        }
        if !admit(&recent) {
            return Ok(Reserved { taken: false, recent });
        }
        for key in keys {
            sqlx::query("DELETE FROM limit_attempts WHERE key = $1 AND at <= $2")
                .bind(&key.key)
                .bind(Ts(key.since))
                .execute(&mut *tx)
                .await
                .map_err(other)?;
            sqlx::query("INSERT INTO limit_attempts (key, at) VALUES ($1, $2)")
                .bind(&key.key)
                .bind(Ts(at))
                .execute(&mut *tx)
                .await
                .map_err(other)?;
        }
        tx.commit().await?;
        Ok(Reserved { taken: true, recent })
    }

    async fn release_attempt(&self, keys: &[AttemptKey], at: OffsetDateTime) -> DbResult<()> {
        let names: Vec<&str> = keys.iter().map(|k| k.key.as_str()).collect();
        let mut tx = self.begin().await?;
        for name in names {
            sqlx::query("DELETE FROM limit_attempts WHERE key = $1 AND at = $2")
                .bind(name)
                .bind(Ts(at))
                .execute(&mut *tx)
                .await
                .map_err(other)?;
        }
        tx.commit().await
    }

    async fn forget_stale(
        &self,
        attempts_before: OffsetDateTime,
        codes_expired_before: OffsetDateTime,
    ) -> DbResult<u64> {
        let _turn = self.single_write().await;
        let attempts = sqlx::query("DELETE FROM limit_attempts WHERE at < $1")
            .bind(Ts(attempts_before))
            .execute(&self.pool)
            .await
            .map_err(other)?;
        let codes = sqlx::query("DELETE FROM enrollment_codes WHERE expires_at < $1")
            .bind(Ts(codes_expired_before))
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(attempts.rows_affected() + codes.rows_affected())
    }

    async fn open_command_stream(&self, device_id: DeviceId) -> DbResult<i64> {
        let _turn = self.single_write().await;
        sqlx::query_scalar(
            "INSERT INTO command_streams (device_id, number) VALUES ($1, 1)
             ON CONFLICT (device_id) DO UPDATE SET number = command_streams.number + 1
             RETURNING number",
        )
        .bind(uid(device_id))
        .fetch_one(&self.pool)
        .await
        .map_err(other)
    }

    async fn newest_command_stream(&self, device_id: DeviceId) -> DbResult<Option<i64>> {
        sqlx::query_scalar("SELECT number FROM command_streams WHERE device_id = $1")
            .bind(uid(device_id))
            .fetch_optional(&self.pool)
            .await
            .map_err(other)
    }

    async fn setting_or_insert(&self, name: &str, value: &str) -> DbResult<String> {
        let _turn = self.single_write().await;
        sqlx::query("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(value)
            .execute(&self.pool)
            .await
            .map_err(other)?;
        sqlx::query_scalar("SELECT value FROM settings WHERE name = $1")
            .bind(name)
            .fetch_one(&self.pool)
            .await
            .map_err(other)
    }
}
