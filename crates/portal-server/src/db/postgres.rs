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
    use super::sql::{Key, Pool, Tx, other};
    use crate::db::DbResult;

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
