//! PostgreSQL: for more than one machine, and for several stateless nodes
//! over one database.
//!
//! Transactions run at READ COMMITTED. Where SQLite's `BEGIN IMMEDIATE`
//! serialises a check and the write it guards (a user's device limit, one
//! Reset at a time per device, the catalog's required apps), the shared
//! queries take a transaction-scoped advisory lock on the key they check
//! (`pg_advisory_xact_lock`), released at commit or rollback. Writers of
//! different keys run side by side.

use anyhow::Context;
use sqlx::{
    Decode, Encode, Postgres, Type,
    encode::IsNull,
    error::BoxDynError,
    postgres::{PgArgumentBuffer, PgConnectOptions, PgPoolOptions, PgTypeInfo, PgValueRef},
};
use time::OffsetDateTime;

use super::values::{Ts, Uid};

pub type Db = Postgres;

#[path = "sql/mod.rs"]
mod sql;

pub use sql::Store as PgDatabase;

impl PgDatabase {
    /// Connects and migrates. Two nodes starting at once migrate once: sqlx
    /// holds an advisory lock for the migration run.
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let options: PgConnectOptions = url.parse().with_context(|| "parsing the PostgreSQL URL")?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            // A ping before every query doubled the round trips of a request
            // (seen in a profile of GET /api/v1/devices); a dead connection
            // fails its query instead, and the pool replaces it.
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .context("connecting to PostgreSQL")?;
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .context("migrating the PostgreSQL database")?;
        Ok(Self::new(pool))
    }
}

/// The few fragments where PostgreSQL's SQL differs from SQLite's.
mod dialect {
    use tokio::sync::mpsc::UnboundedSender;

    use super::sql::{Key, Pool, Tx, other};
    use crate::db::{DbResult, Deliver};

    pub async fn begin_write(pool: &Pool) -> DbResult<Tx<'static>> {
        pool.begin().await.map_err(other)
    }

    /// Held until the transaction ends.
    pub async fn lock(tx: &mut Tx<'_>, key: Key<'_>) -> DbResult<()> {
        let (function, name) = match key {
            Key::Catalog => ("pg_advisory_xact_lock", "catalog".to_string()),
            Key::CatalogShared => ("pg_advisory_xact_lock_shared", "catalog".to_string()),
            Key::User(id) => ("pg_advisory_xact_lock", format!("user:{}", id.0)),
            Key::Device(id) => ("pg_advisory_xact_lock", format!("device:{}", id.0)),
        };
        sqlx::query(&format!("SELECT {function}(hashtextextended($1, 0))"))
            .bind(name)
            .execute(&mut **tx)
            .await
            .map_err(other)?;
        Ok(())
    }

    /// The strings of a JSON array bound as `$n`, as a subquery.
    pub fn json_strings(n: u8) -> String {
        format!("SELECT jsonb_array_elements_text(${n}::jsonb)")
    }

    /// Text values of a group joined by commas.
    pub fn comma_joined(column: &str) -> String {
        format!("string_agg({column}, ',')")
    }

    /// Notices cross nodes by `NOTIFY` on one channel; each node's listener
    /// (a connection of its own) hands every notice, its own included, to
    /// `deliver`, and `None` after its connection was lost and made again.
    pub fn relay(pool: &Pool, deliver: Deliver) -> Option<UnboundedSender<String>> {
        let (sender, mut outgoing) = tokio::sync::mpsc::unbounded_channel::<String>();
        let notifier = pool.clone();
        let fallback = deliver.clone();
        tokio::spawn(async move {
            while let Some(payload) = outgoing.recv().await {
                let sent = sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(CHANNEL)
                    .bind(&payload)
                    .execute(&notifier)
                    .await;
                if let Err(error) = sent {
                    // Other nodes re-read when their streams next wake; this one hears it now.
                    tracing::warn!(%error, "could not notify the other nodes");
                    fallback(Some(&payload));
                }
            }
        });
        let pool = pool.clone();
        tokio::spawn(async move {
            let mut listener = loop {
                match listen(&pool).await {
                    Ok(listener) => break listener,
                    Err(sqlx::Error::PoolClosed) => return,
                    Err(error) => {
                        tracing::warn!(%error, "cannot listen for the other nodes' notices; trying again");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                }
            };
            loop {
                match listener.try_recv().await {
                    Ok(Some(notice)) => deliver(Some(notice.payload())),
                    Ok(None) => {
                        tracing::warn!("lost the connection for notices; listening again");
                        deliver(None);
                    }
                    Err(sqlx::Error::PoolClosed) => return,
                    Err(error) => {
                        tracing::warn!(%error, "notices interrupted");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                        deliver(None);
                    }
                }
            }
        });
        Some(sender)
    }

    const CHANNEL: &str = "portal_notices";

    async fn listen(pool: &Pool) -> Result<sqlx::postgres::PgListener, sqlx::Error> {
        let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
        listener.listen(CHANNEL).await?;
        Ok(listener)
    }
}

impl Type<Postgres> for Ts {
    fn type_info() -> PgTypeInfo {
        <OffsetDateTime as Type<Postgres>>::type_info()
    }
    fn compatible(ty: &PgTypeInfo) -> bool {
        <OffsetDateTime as Type<Postgres>>::compatible(ty)
    }
}

impl Encode<'_, Postgres> for Ts {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <OffsetDateTime as Encode<Postgres>>::encode_by_ref(&self.0, buf)
    }
}

impl<'r> Decode<'r, Postgres> for Ts {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        <OffsetDateTime as Decode<'r, Postgres>>::decode(value).map(Ts)
    }
}

impl Type<Postgres> for Uid {
    fn type_info() -> PgTypeInfo {
        <uuid::Uuid as Type<Postgres>>::type_info()
    }
    fn compatible(ty: &PgTypeInfo) -> bool {
        <uuid::Uuid as Type<Postgres>>::compatible(ty)
    }
}

impl Encode<'_, Postgres> for Uid {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <uuid::Uuid as Encode<Postgres>>::encode_by_ref(&self.0, buf)
    }
}

impl<'r> Decode<'r, Postgres> for Uid {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        <uuid::Uuid as Decode<'r, Postgres>>::decode(value).map(Uid)
    }
}
