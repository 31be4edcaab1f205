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

// The same queries, compiled for this database.
#[allow(clippy::duplicate_mod)]
#[path = "sql/mod.rs"]
mod sql;

pub use sql::Store as PgDatabase;

impl PgDatabase {
    /// Connects and migrates. Two nodes starting at once migrate once: sqlx
    /// holds an advisory lock for the migration run.
    pub async fn open(url: &str, connections: Option<u32>) -> anyhow::Result<Self> {
        let options: PgConnectOptions = url.parse().with_context(|| "parsing the PostgreSQL URL")?;
        // 1,000 enrollments from 50 agents on two nodes and two cores: 16
        // connections a node made 650/s (p99 235 ms), 6 made 800/s (p99 90 ms).
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as u32;
        let pool = PgPoolOptions::new()
            .max_connections(connections.unwrap_or(2 * cores + 2))
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
    use std::sync::Arc;

    use tokio::sync::Mutex;

    use super::sql::{Key, Later, Pool, WriteTurn, other};
    use crate::{
        db::{DbResult, Deliver},
        live::Notice,
    };

    /// The values one statement may bind, under PostgreSQL's 65,535.
    const MAX_BINDS: usize = 60_000;

    /// Writes, in a transaction or not, run side by side.
    pub async fn write_turn(_writers: &Arc<Mutex<()>>) -> Option<WriteTurn> {
        None
    }

    /// Writers run side by side, each holding the locks of what it checks,
    /// taken in the order given in the round trip that begins the
    /// transaction (one statement less in every locked write); a plain
    /// `BEGIN` without keys.
    pub fn begin_statement(keys: &[Key<'_>]) -> Option<String> {
        if keys.is_empty() {
            return None;
        }
        let calls: Vec<String> = keys
            .iter()
            .map(|key| {
                let (function, name) = match key {
                    Key::Catalog => ("pg_advisory_xact_lock", "catalog".to_string()),
                    Key::CatalogShared => ("pg_advisory_xact_lock_shared", "catalog".to_string()),
                    Key::User(id) => ("pg_advisory_xact_lock", format!("user:{}", id.0)),
                    Key::Device(id) => ("pg_advisory_xact_lock", format!("device:{}", id.0)),
                    Key::Limit(key) => ("pg_advisory_xact_lock", format!("limit:{key}")),
                };
                // A simple query takes no parameters: the name goes as hex,
                // which no input can break out of.
                let hex: String = name.bytes().map(|byte| format!("{byte:02x}")).collect();
                format!("{function}(hashtextextended(convert_from(decode('{hex}', 'hex'), 'UTF8'), 0))")
            })
            .collect();
        Some(format!("BEGIN; SELECT {}", calls.join(", ")))
    }

    /// The strings of a JSON array bound as `$n`, as a subquery.
    pub fn json_strings(n: u8) -> String {
        format!("SELECT jsonb_array_elements_text(${n}::jsonb)")
    }

    /// None: the trigram indexes on the columns answer `LIKE` itself.
    pub fn device_text_index(_text: &str) -> Option<(&'static str, String)> {
        None
    }

    /// `column = ANY(ARRAY(subquery))`: unlike `IN (subquery)`, an index
    /// condition the planner can join to others with `OR`.
    pub const IN_SUBQUERY: (&str, &str) = (" = ANY(ARRAY(", "))");

    /// Text values of a group joined by commas.
    pub fn comma_joined(column: &str) -> String {
        format!("string_agg({column}, ',')")
    }

    /// Sends the writes a transaction kept, and its notices when it is about
    /// to commit. The notices go out by `NOTIFY` inside the transaction:
    /// PostgreSQL sends them at commit, and not at all when it rolls back, to
    /// every node's listener; each as `<node> <json>`, so the sender can skip
    /// its own. The writes and the notices go in one statement (as many as
    /// PostgreSQL's 65,535 values a statement need), a round trip in place
    /// of one each.
    pub async fn send(
        tx: &mut sqlx::Transaction<'_, super::Db>,
        writes: Vec<Later>,
        notices: &[Notice],
        node: &str,
    ) -> DbResult<()> {
        let mut statements: Vec<Vec<Later>> = vec![Vec::new()];
        let mut binds = 0;
        for write in writes {
            if binds > 0 && binds + write.binds() > MAX_BINDS {
                statements.push(Vec::new());
                binds = 0;
            }
            binds += write.binds();
            statements.last_mut().expect("one statement at least").push(write);
        }
        let last = statements.pop().expect("one statement at least");
        for writes in statements {
            send_one(tx, writes, &[]).await?;
        }
        if !last.is_empty() || !notices.is_empty() {
            let payloads: Vec<String> = notices
                .iter()
                .map(|notice| format!("{node} {}", serde_json::to_string(notice).expect("notices serialize")))
                .collect();
            send_one(tx, last, &payloads).await?;
        }
        Ok(())
    }

    /// `writes` in one statement, which ends by sending `notices` if any.
    async fn send_one(
        tx: &mut sqlx::Transaction<'_, super::Db>,
        writes: Vec<Later>,
        notices: &[String],
    ) -> DbResult<()> {
        let last = match notices.is_empty() {
            true => "SELECT 1",
            false => "SELECT pg_notify($1, notice) FROM unnest($2::text[]) AS notice",
        };
        let sql = Later::together(&writes, last);
        let mut query = Later::bind_all(writes, sqlx::query(&sql));
        if !notices.is_empty() {
            query = query.bind(CHANNEL).bind(notices);
        }
        query.execute(&mut **tx).await.map_err(other)?;
        Ok(())
    }

    /// Each node's listener (a connection of its own) hands the other nodes'
    /// notices to `hear`, and `None` after its connection was lost and made
    /// again, as some may have been missed meanwhile. Listening when this
    /// returns: no commit after it goes unheard.
    pub async fn listen(pool: &Pool, node: &str, hear: Deliver) -> DbResult<()> {
        let mut listener = listen_on(pool).await.map_err(other)?;
        let own = format!("{node} ");
        tokio::spawn(async move {
            loop {
                match listener.try_recv().await {
                    Ok(Some(notice)) if notice.payload().starts_with(&own) => {}
                    Ok(Some(notice)) => {
                        let json = notice.payload().split_once(' ').map_or("", |(_, json)| json);
                        match serde_json::from_str::<Notice>(json) {
                            Ok(notice) => hear(Some(&notice)),
                            Err(error) => {
                                tracing::warn!(%error, "an unreadable notice; re-reading instead");
                                hear(None);
                            }
                        }
                    }
                    Ok(None) => {
                        tracing::warn!("lost the connection for notices; listening again");
                        hear(None);
                    }
                    Err(sqlx::Error::PoolClosed) => return,
                    Err(error) => {
                        tracing::warn!(%error, "notices interrupted");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                        hear(None);
                    }
                }
            }
        });
        Ok(())
    }

    const CHANNEL: &str = "portal_notices";

    async fn listen_on(pool: &Pool) -> Result<sqlx::postgres::PgListener, sqlx::Error> {
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
