//! The queries, written once: this module is compiled for each database
//! (`sqlite.rs` and `postgres.rs` include it with their own `Db` and
//! `dialect`), so the same SQL and the same code store and load in both.
//! `$N` placeholders, `ON CONFLICT`, `RETURNING` and `lower()` mean the same
//! in both; what differs is in the backend's `dialect` module.

mod audit;
mod branding;
mod catalog;
mod commands;
mod devices;
mod fleet;
mod gateway;
mod inventory;
mod node_state;
mod passkeys;
mod policies;
mod terms;
mod users;

use std::{
    ops::{Deref, DerefMut},
    sync::{Arc, OnceLock},
};

use async_trait::async_trait;
use portal_types::{DeviceId, UserId};
use tracing::Instrument;

use super::{Db, dialect};

use crate::{
    db::{AuditEvent, Database, DbError, DbResult, Deliver, read_cache::ReadCache, values::Uid},
    live::Notice,
};

pub type Pool = sqlx::Pool<Db>;

/// Devices the portal enrolled, which the device limit counts and required
/// apps reach: not those the on-premises inventory alone knows.
const ENROLLED: &str = "managed_by <> 'on_premises'";

/// The store of one database.
pub struct Store {
    pool: Pool,
    node: Arc<Node>,
}

/// This process among the nodes that share the database.
struct Node {
    /// Tells this node's notices from the others' where they all arrive.
    id: String,
    /// Where committed notices go, once somebody listens.
    deliver: OnceLock<Deliver>,
    /// Used once somebody listens (and so hears what makes it stale).
    cache: ReadCache,
    /// Writers wait here, first come first served, rather than in SQLite's
    /// busy handler, whose growing sleeps leave the database idle.
    writers: Arc<tokio::sync::Mutex<()>>,
}

impl Node {
    /// A committed change's notice, this node's or another's.
    fn hear(&self, notice: Option<&Notice>) {
        self.cache.forget(notice);
        if let Some(deliver) = self.deliver.get() {
            deliver(notice);
        }
    }
}

impl Store {
    pub(super) fn new(pool: Pool) -> Self {
        Self {
            pool,
            node: Arc::new(Node {
                id: uuid::Uuid::new_v4().simple().to_string(),
                deliver: OnceLock::new(),
                cache: ReadCache::default(),
                writers: Arc::default(),
            }),
        }
    }

    fn cache(&self) -> Option<&ReadCache> {
        self.node.deliver.get().map(|_| &self.node.cache)
    }

    /// A transaction whose checks and the writes they guard see the same
    /// data: over SQLite the one writer, its turn queued for in this process;
    /// over PostgreSQL with the locks ([`Key`]) the caller takes.
    async fn begin(&self) -> DbResult<Tx<'static>> {
        self.begin_locked(&[]).await
    }

    /// A transaction that holds `keys` (in the order given) before it
    /// checks what they guard.
    async fn begin_locked(&self, keys: &[Key<'_>]) -> DbResult<Tx<'static>> {
        let turn = dialect::write_turn(&self.node.writers).await;
        let begin = dialect::begin_statement(keys);
        let pool = self.pool.clone();
        // Begun in a task of its own, which a caller that goes away (a
        // request whose client left) cannot stop halfway: sqlx's begin,
        // dropped after the database began but before its `Transaction`
        // exists, returns the connection to the pool inside the transaction,
        // holding SQLite's write lock or PostgreSQL's key locks from every
        // later writer (without keys, later writes on that connection would
        // land in it, uncommitted). A begun transaction nobody waits for any
        // more is dropped, which queues its rollback, before its writer's
        // turn goes.
        let begun = tokio::spawn(
            async move {
                let tx = match begin {
                    Some(begin) => pool.begin_with(begin).await,
                    None => pool.begin().await,
                };
                (tx, turn)
            }
            .in_current_span(),
        );
        let (inner, turn) = match begun.await {
            Ok(begun) => begun,
            Err(failed) if failed.is_panic() => std::panic::resume_unwind(failed.into_panic()),
            Err(stopped) => return Err(DbError::Other(stopped.into())),
        };
        Ok(Tx {
            inner: inner.map_err(other)?,
            notices: Vec::new(),
            audits: Vec::new(),
            laters: Vec::new(),
            node: self.node.clone(),
            _turn: turn,
        })
    }
}

impl Store {
    /// What a write outside a transaction (one statement, or a few that need
    /// not be atomic) holds while it runs: over SQLite its turn among this
    /// process's writers, as a transaction's; else it meets them in SQLite's
    /// busy handler, whose sleeps leave the database idle (seen: nonce and
    /// code inserts of 1.3 s under 500 connections). Over PostgreSQL nothing.
    async fn single_write(&self) -> Option<WriteTurn> {
        dialect::write_turn(&self.node.writers).await
    }
}

/// A transaction, its audit entries, the writes it sends at commit, and the
/// notices the nodes hear when (and only if) it commits.
pub struct Tx<'a> {
    inner: sqlx::Transaction<'a, Db>,
    notices: Vec<Notice>,
    /// Written at commit, 500 rows a statement (nothing reads them before).
    audits: Vec<AuditEvent>,
    /// Writes sent at commit, before the audit entries: see [`Later`].
    laters: Vec<Later>,
    node: Arc<Node>,
    /// Held until the transaction ends (after `inner`, declared first).
    _turn: Option<WriteTurn>,
}

/// A writer's turn, where the database has one writer at a time.
pub type WriteTurn = tokio::sync::OwnedMutexGuard<()>;

impl Tx<'_> {
    /// Told to every node once the change is committed.
    fn notify(&mut self, notice: Notice) {
        if !self.notices.contains(&notice) {
            self.notices.push(notice);
        }
    }

    /// Goes in the audit log with the change.
    fn audit(&mut self, event: &AuditEvent) {
        self.audits.push(event.clone());
    }

    /// Sent at commit: see [`Later`].
    fn later(&mut self, write: Later) {
        self.laters.push(write);
    }

    /// Sends the writes kept for the commit now, for a read that needs them.
    async fn send_kept(&mut self) -> DbResult<()> {
        let writes = std::mem::take(&mut self.laters);
        dialect::send(&mut self.inner, writes, &[], &self.node.id).await
    }

    /// Sends the writes kept for it and the audit entries and commits, then
    /// tells this node at once (what it keeps goes stale before the
    /// response) and, through the database, the others.
    async fn commit(self) -> DbResult<()> {
        let Tx {
            mut inner,
            notices,
            audits,
            mut laters,
            node,
            _turn,
        } = self;
        laters.extend(runs(audits, ROWS_PER_INSERT).into_iter().map(Later::audits));
        dialect::send(&mut inner, laters, &notices, &node.id).await?;
        inner.commit().await.map_err(other)?;
        drop(_turn);
        for notice in &notices {
            node.hear(Some(notice));
        }
        Ok(())
    }
}

impl Deref for Tx<'_> {
    type Target = <Db as sqlx::Database>::Connection;
    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl DerefMut for Tx<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.inner
    }
}

/// What a write transaction locks before it checks what it guards.
#[derive(Debug, Clone, Copy)]
// SQLite's dialect holds the whole database's write lock and reads no key.
#[allow(dead_code)]
pub enum Key<'a> {
    /// Saving an app: its required installs reach every device.
    Catalog,
    /// Assigning required apps to one device: beside others, not beside a save.
    CatalogShared,
    /// The user's device count.
    User(&'a UserId),
    /// A device's queue and its apps.
    Device(&'a DeviceId),
    /// The attempts counted under one limit's key.
    Limit(&'a str),
}

pub fn other(error: sqlx::Error) -> DbError {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => DbError::Conflict,
        _ => DbError::Other(error.into()),
    }
}

/// A version (of the policy, the terms, the branding) as its `integer`
/// column holds it.
fn version_column(version: u32) -> DbResult<i32> {
    i32::try_from(version).map_err(|e| DbError::Other(e.into()))
}

/// A version read from its column.
fn version_read(column: i32) -> DbResult<u32> {
    u32::try_from(column).map_err(|e| DbError::Other(e.into()))
}

fn uid(id: impl Into<Uid>) -> Uid {
    id.into()
}

/// Rows one multi-row INSERT takes at most: within SQLite's 32,766 bound
/// values at 13 columns.
const ROWS_PER_INSERT: usize = 500;

/// `items` in runs of at most `size`, each its own (moved, not copied).
fn runs<T>(items: impl IntoIterator<Item = T>, size: usize) -> Vec<Vec<T>> {
    let mut runs: Vec<Vec<T>> = Vec::new();
    for item in items {
        match runs.last_mut() {
            Some(run) if run.len() < size => run.push(item),
            _ => runs.push(vec![item]),
        }
    }
    runs
}

/// `($1, $2), ($3, $4)`: `rows` rows of `columns` placeholders, for one
/// INSERT of several rows (a round trip, not one per row).
fn value_rows(rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|row| {
            let values: Vec<String> = (1..=columns)
                .map(|column| format!("${}", row * columns + column))
                .collect();
            format!("({})", values.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A query of this database, its values bound or to be.
pub(super) type Query<'q> = sqlx::query::Query<'q, Db, <Db as sqlx::Database>::Arguments<'q>>;

/// A write whose effect nothing in its transaction reads (a read that
/// would, sends it first: [`Tx::send_kept`]), and which reads no other such
/// write's: the transaction sends it at commit. Over PostgreSQL the writes
/// and the notices go in one statement (each a `WITH` part, all seeing the
/// data as it was before them), a round trip each saved; over SQLite one
/// after the other.
pub(super) struct Later {
    /// Its values as `$1` to `$binds`; no other `$` (in a literal, say),
    /// which would be renumbered too.
    sql: String,
    binds: usize,
    bind: Box<dyn for<'q> FnOnce(Query<'q>) -> Query<'q> + Send>,
}

impl Later {
    pub(super) fn new(
        sql: String,
        binds: usize,
        bind: impl for<'q> FnOnce(Query<'q>) -> Query<'q> + Send + 'static,
    ) -> Self {
        Self {
            sql,
            binds,
            bind: Box::new(bind),
        }
    }

    /// Up to [`ROWS_PER_INSERT`] audit entries.
    fn audits(events: Vec<AuditEvent>) -> Self {
        let sql = format!(
            "INSERT INTO audit_events (at, actor_id, action, subject, source, outcome, detail) VALUES {}",
            value_rows(events.len(), 7)
        );
        Self::new(sql, 7 * events.len(), move |mut query| {
            for event in events {
                query = query
                    .bind(crate::db::values::Ts(event.at))
                    .bind(event.actor.map(uid))
                    .bind(event.action)
                    .bind(event.subject)
                    .bind(event.source)
                    .bind(event.outcome)
                    .bind(event.detail);
            }
            query
        })
    }

    /// Sends `writes` one statement each.
    #[allow(dead_code)]
    pub(super) async fn each(writes: Vec<Later>, tx: &mut sqlx::Transaction<'_, Db>) -> DbResult<()> {
        for write in writes {
            (write.bind)(sqlx::query(&write.sql))
                .execute(&mut **tx)
                .await
                .map_err(other)?;
        }
        Ok(())
    }

    /// The statement of `writes`, each a `WITH` part, and `last` after them
    /// (its placeholders numbered after theirs). Bind with [`Later::bind_all`].
    #[allow(dead_code)]
    pub(super) fn together(writes: &[Later], last: &str) -> String {
        if writes.is_empty() {
            return last.to_string();
        }
        let mut first = 0;
        let mut parts = Vec::with_capacity(writes.len());
        for (n, write) in writes.iter().enumerate() {
            parts.push(format!("w{n} AS ({})", shifted(&write.sql, first)));
            first += write.binds;
        }
        format!("WITH {} {}", parts.join(", "), shifted(last, first))
    }

    /// `query` with the values of `writes`, in order.
    #[allow(dead_code)]
    pub(super) fn bind_all<'q>(writes: Vec<Later>, query: Query<'q>) -> Query<'q> {
        writes.into_iter().fold(query, |query, write| (write.bind)(query))
    }

    /// The values the write binds.
    #[allow(dead_code)]
    pub(super) fn binds(&self) -> usize {
        self.binds
    }
}

/// `sql` with its placeholders `$n` numbered from `$(n + by)`.
fn shifted(sql: &str, by: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            let n: usize = rest[..digits].parse().expect("digits");
            out.push_str(&(n + by).to_string());
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
}

/// Writes the change's audit entry and commits the two together.
async fn commit_with_audit(mut tx: Tx<'_>, audit: &AuditEvent) -> DbResult<()> {
    tx.audit(audit);
    tx.commit().await
}

/// Commits a change of one row together with its audit entry; a change that
/// found no row (not the user's) is rolled back: false.
async fn commit_audited(tx: Tx<'_>, rows: u64, audit: &AuditEvent) -> DbResult<bool> {
    if rows != 1 {
        return Ok(false);
    }
    commit_with_audit(tx, audit).await?;
    Ok(true)
}

#[async_trait]
impl Database for Store {
    async fn ping(&self) -> DbResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(other)?;
        Ok(())
    }

    async fn analyze(&self) -> DbResult<()> {
        sqlx::query("ANALYZE").execute(&self.pool).await.map_err(other)?;
        Ok(())
    }

    async fn listen(&self, deliver: Deliver) -> DbResult<()> {
        if self.node.deliver.get().is_some() {
            return Err(DbError::Other(anyhow::anyhow!("somebody listens already")));
        }
        let node = self.node.clone();
        dialect::listen(&self.pool, &self.node.id, Arc::new(move |notice| node.hear(notice))).await?;
        self.node
            .deliver
            .set(deliver)
            .map_err(|_| DbError::Other(anyhow::anyhow!("somebody listens already")))
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::{runs, shifted};

    #[test]
    fn runs_keep_their_order_and_size() {
        assert_eq!(runs(1..=5, 2), [vec![1, 2], vec![3, 4], vec![5]]);
        assert!(runs(Vec::<u8>::new(), 2).is_empty());
    }

    #[test]
    fn a_parts_placeholders_follow_the_parts_before_it() {
        assert_eq!(shifted("VALUES ($1, $2), ($3, $10)", 4), "VALUES ($5, $6), ($7, $14)");
        assert_eq!(
            shifted("SELECT pg_notify($1, n) FROM unnest($2::text[])", 0),
            "SELECT pg_notify($1, n) FROM unnest($2::text[])"
        );
        assert_eq!(shifted("no values, a lone $ kept", 3), "no values, a lone $ kept");
    }
}
