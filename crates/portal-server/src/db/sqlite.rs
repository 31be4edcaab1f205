//! SQLite: one file, one writer. Write transactions start with
//! `BEGIN IMMEDIATE`, which takes the database's write lock at once, so a
//! check and the write it guards see the same data; the per-key locks the
//! shared queries ask for are therefore already held.

use std::str::FromStr;

use anyhow::Context;
use sqlx::{
    Decode, Encode, Sqlite, Type,
    encode::IsNull,
    error::BoxDynError,
    sqlite::{
        SqliteArgumentValue, SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
        SqliteTypeInfo, SqliteValueRef,
    },
};

use super::values::{Ts, Uid};

pub type Db = Sqlite;

// The same queries, compiled for this database.
#[allow(clippy::duplicate_mod)]
#[path = "sql/mod.rs"]
mod sql;

pub use sql::Store as SqliteDatabase;

impl SqliteDatabase {
    /// Opens (creating file and folder when missing) and migrates.
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .with_context(|| format!("parsing database URL {url:?}"))?
            .create_if_missing(true)
            .foreign_keys(true)
            // WAL lets readers run beside the writer; FULL makes each commit
            // durable before it is acknowledged.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(std::time::Duration::from_secs(5));
        let path = options.get_filename();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        // Readable by this user only, whatever the umask: it holds sessions
        // and sealed secrets. SQLite gives its -wal and -shm files the same mode.
        #[cfg(unix)]
        if path != std::path::Path::new(":memory:") && !path.exists() {
            let mut create = std::fs::OpenOptions::new();
            create.write(true).create_new(true);
            std::os::unix::fs::OpenOptionsExt::mode(&mut create, 0o600);
            if let Err(error) = create.open(path)
                && error.kind() != std::io::ErrorKind::AlreadyExists
            {
                return Err(error).with_context(|| format!("creating {}", path.display()));
            }
        }
        // Migrations run with foreign keys off, as SQLite asks of a table
        // rebuilt: dropping the old one must not cascade to what refers to it.
        let migrating = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone().foreign_keys(false))
            .await?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&migrating)
            .await
            .context("migrating the SQLite database")?;
        migrating.close().await;
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            // A ping before every query doubled the round trips of a request
            // (seen in a profile of GET /api/v1/devices); a dead connection
            // fails its query instead, and the pool replaces it.
            .test_before_acquire(false)
            .connect_with(options)
            .await?;
        Ok(Self::new(pool))
    }
}

/// The few fragments where SQLite's SQL differs from PostgreSQL's.
mod dialect {
    use std::sync::Arc;

    use tokio::sync::Mutex;

    use super::sql::{Key, Later, Pool, WriteTurn};
    use crate::{
        db::{DbResult, Deliver},
        live::Notice,
    };

    /// Every transaction writes: it takes the write lock at once (a deferred
    /// one could fail to upgrade), after its turn among this process's
    /// writers. That lock is every key's: none is read.
    pub fn begin_statement(_keys: &[Key<'_>]) -> Option<String> {
        Some("BEGIN IMMEDIATE".into())
    }

    /// A write, in a transaction or not, waits its turn among this process's writers.
    pub async fn write_turn(writers: &Arc<Mutex<()>>) -> Option<WriteTurn> {
        Some(writers.clone().lock_owned().await)
    }

    /// The strings of a JSON array bound as `$n`, as a subquery.
    pub fn json_strings(n: u8) -> String {
        format!("SELECT value FROM json_each(${n})")
    }

    /// The condition on devices (`d`) whose name, model or serial number
    /// contain `text` (case-insensitively) through the trigram index, as the
    /// condition's start and the value to bind after it; `None` below three
    /// characters, which the index has no trigram for.
    pub fn device_text_index(text: &str) -> Option<(&'static str, String)> {
        (text.chars().count() >= 3).then(|| {
            // One phrase of trigrams is the text as a substring; quotes doubled.
            let phrase = format!("\"{}\"", text.replace('"', "\"\""));
            (
                "d.rowid IN (SELECT rowid FROM devices_search WHERE devices_search MATCH ",
                phrase,
            )
        })
    }

    /// `column IN (subquery)`, opened and closed around the subquery.
    pub const IN_SUBQUERY: (&str, &str) = (" IN (", ")");

    /// Text values of a group joined by commas.
    pub fn comma_joined(column: &str) -> String {
        format!("group_concat({column}, ',')")
    }

    /// Sends the writes a transaction kept, one by one: within the process
    /// a statement costs no round trip. One node: its own commits are all
    /// there is to hear.
    pub async fn send(
        tx: &mut sqlx::Transaction<'_, super::Db>,
        writes: Vec<Later>,
        _notices: &[Notice],
        _node: &str,
    ) -> DbResult<()> {
        Later::each(writes, tx).await
    }

    pub async fn listen(_pool: &Pool, _node: &str, _hear: Deliver) -> DbResult<()> {
        Ok(())
    }
}

impl Type<Sqlite> for Ts {
    fn type_info() -> SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }
    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <String as Type<Sqlite>>::compatible(ty)
    }
}

impl<'q> Encode<'q, Sqlite> for Ts {
    fn encode_by_ref(&self, buf: &mut Vec<SqliteArgumentValue<'q>>) -> Result<IsNull, BoxDynError> {
        <String as Encode<'q, Sqlite>>::encode(self.to_text(), buf)
    }
}

impl<'r> Decode<'r, Sqlite> for Ts {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <&str as Decode<'r, Sqlite>>::decode(value)?;
        Ok(Ts::from_text(text)?)
    }
}

impl Type<Sqlite> for Uid {
    fn type_info() -> SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }
    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <String as Type<Sqlite>>::compatible(ty)
    }
}

impl<'q> Encode<'q, Sqlite> for Uid {
    fn encode_by_ref(&self, buf: &mut Vec<SqliteArgumentValue<'q>>) -> Result<IsNull, BoxDynError> {
        <String as Encode<'q, Sqlite>>::encode(self.0.to_string(), buf)
    }
}

impl<'r> Decode<'r, Sqlite> for Uid {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <&str as Decode<'r, Sqlite>>::decode(value)?;
        Ok(Uid(uuid::Uuid::parse_str(text)?))
    }
}
