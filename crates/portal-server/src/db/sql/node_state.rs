//! What the nodes of one portal share: limits' attempts, the command streams'
//! numbers, and the facts checked at start-up.

use async_trait::async_trait;
use portal_types::DeviceId;
use time::OffsetDateTime;

use super::{Store, other, uid};
use crate::db::{DbResult, NodeStateStore, values::Ts};

#[async_trait]
impl NodeStateStore for Store {
    async fn recent_attempts(&self, key: &str, since: OffsetDateTime, max: u32) -> DbResult<Vec<OffsetDateTime>> {
        let times: Vec<Ts> =
            sqlx::query_scalar("SELECT at FROM limit_attempts WHERE key = $1 AND at > $2 ORDER BY at DESC LIMIT $3")
                .bind(key)
                .bind(Ts(since))
                .bind(i64::from(max))
                .fetch_all(&self.pool)
                .await
                .map_err(other)?;
        Ok(times.into_iter().map(|t| t.0).collect())
    }

    async fn record_attempt(&self, key: &str, at: OffsetDateTime, forget_before: OffsetDateTime) -> DbResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM limit_attempts WHERE key = $1 AND at <= $2")
            .bind(key)
            .bind(Ts(forget_before))
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        sqlx::query("INSERT INTO limit_attempts (key, at) VALUES ($1, $2)")
            .bind(key)
            .bind(Ts(at))
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        tx.commit().await
    }

    async fn open_command_stream(&self, device_id: DeviceId) -> DbResult<i64> {
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
