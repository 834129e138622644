//! The SQLite store: one file in WAL mode, one writer connection (SQLite allows one writer at a
//! time; queueing in-process avoids `SQLITE_BUSY`), and a pool of readers that never block it.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{Row, Sqlite, Transaction};

use crate::group_commit::GroupCommit;
use crate::index::Indexed;
use crate::sqlite_audit::SqliteAudit;
use crate::sqlite_create_writer::{CreateWriter, WriterSettings};
use crate::sqlite_reads::PointReads;
use crate::{
    HistoryQuery, IndexEntry, Method, NewVersion, PoolStats, ResourceRow, ResourceStore, ResourceTx,
    SqliteDurability, StoreError, StoreOptions, from_micros, micros, write_alone,
};

/// How much of the database file readers map into memory instead of copying pages in with
/// `pread`: searches touch pages all over the index tables, and mapping the file took the
/// search benchmark's Observation query from 2,170 to 2,910 requests/s. SQLite maps read-only
/// and never more than the file. 64 GiB is more than a database on one machine should grow
/// to; `.cargo/config.toml` raises the bundled build's cap (2 GB) to it.
pub(crate) const MMAP_BYTES: i64 = 1 << 36;

/// How long a connection waits for another one's write lock before giving up.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// `PRAGMA synchronous` for the connections opened outside sqlx (the writer threads).
pub(crate) fn synchronous_pragma(durability: SqliteDurability) -> &'static str {
    match durability {
        SqliteDurability::Normal => "NORMAL",
        SqliteDurability::Full => "FULL",
    }
}

pub(crate) struct SqliteStore {
    writer: SqlitePool,
    readers: SqlitePool,
    max_readers: u32,
    group_commit: GroupCommit,
    point_reads: PointReads,
    /// The audit trail, in its own file (see `sqlite_audit`).
    pub(crate) audit: SqliteAudit,
}

impl SqliteStore {
    pub(crate) async fn open(url: &str, options: &StoreOptions) -> Result<Self, StoreError> {
        let connect = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(match options.sqlite_durability {
                SqliteDurability::Normal => SqliteSynchronous::Normal,
                SqliteDurability::Full => SqliteSynchronous::Full,
            })
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true)
            .pragma("temp_store", "memory")
            // 16 MB page cache per connection (the default is 2 MB).
            .pragma("cache_size", "-16000");
        // No ping before each acquire: a local file does not drop connections, and the ping is
        // one more round trip to the connection's worker thread per query.
        let writer = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(1)
            .min_connections(1)
            // Multi-row inserts have one statement text per row count (group sizes, and the
            // power-of-two runs of index rows per table): keep them all prepared.
            .connect_with(connect.clone().statement_cache_capacity(1024))
            .await?;
        let max_readers = options.max_connections.max(1);
        let readers = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(max_readers)
            .connect_with(connect.clone().read_only(true).pragma("mmap_size", MMAP_BYTES.to_string()))
            .await?;
        let creates = CreateWriter::start(&WriterSettings {
            path: connect.get_filename(),
            synchronous: synchronous_pragma(options.sqlite_durability),
            busy_timeout: BUSY_TIMEOUT,
        })?;
        let group_commit = GroupCommit::start(writer.clone(), creates);
        let point_reads = PointReads::new(connect.get_filename(), max_readers as usize);
        let audit = SqliteAudit::open(&connect, options.sqlite_durability).await?;
        Ok(Self { writer, readers, max_readers, group_commit, point_reads, audit })
    }
}

fn row(r: &SqliteRow) -> Result<ResourceRow, sqlx::Error> {
    Ok(ResourceRow {
        seq: r.try_get(0)?,
        resource_type: r.try_get(1)?,
        id: r.try_get(2)?,
        version: r.try_get(3)?,
        last_updated: from_micros(r.try_get(4)?),
        deleted: r.try_get(5)?,
        method: Method::parse(r.try_get(6)?),
        content: r.try_get(7)?,
    })
}

pub(crate) fn pool_stats(name: &'static str, pool: &SqlitePool, max: u32) -> PoolStats {
    PoolStats { name, size: pool.size(), idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX), max }
}

#[async_trait]
impl ResourceStore for SqliteStore {
    fn engine(&self) -> &'static str {
        "sqlite"
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        // The trail first: it moves the old audit_log table's records out before the main
        // migration 0014 drops that table.
        self.audit.migrate(&self.writer).await?;
        sqlx::migrate!("./migrations/sqlite").run(&self.writer).await?;
        Ok(())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        if self.group_commit.is_stopped() {
            return Err(StoreError::Closed);
        }
        sqlx::query("SELECT 1").execute(&self.readers).await?;
        Ok(())
    }

    fn pool_stats(&self) -> Vec<PoolStats> {
        let [audit_writer, audit_readers] = self.audit.pool_stats();
        vec![
            pool_stats("writer", &self.writer, 1),
            pool_stats("reader", &self.readers, self.max_readers),
            audit_writer,
            audit_readers,
        ]
    }

    async fn begin(&self) -> Result<Box<dyn ResourceTx>, StoreError> {
        // IMMEDIATE takes the write lock now, so reads inside the transaction see what it will
        // write over; the single-connection writer pool already queues writers in-process.
        let tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        Ok(Box::new(SqliteTx { tx }))
    }

    async fn create(&self, version: &NewVersion<'_>) -> Result<i64, StoreError> {
        if version.version != 1 || version.previous.is_some() || version.content.is_none() {
            // Not a plain create: take the general path.
            return write_alone(self, version).await;
        }
        self.group_commit.create(version).await
    }

    async fn create_all(&self, creates: &[crate::NewCreate<'_>]) -> Result<Vec<crate::Created>, StoreError> {
        let plain = |v: &NewVersion<'_>| v.version == 1 && v.previous.is_none() && v.content.is_some();
        if !creates.iter().all(|c| plain(&c.version)) {
            return Err(StoreError::Write("create_all takes only first versions with content".into()));
        }
        self.group_commit.create_all(creates).await
    }

    async fn current(&self, resource_type: &str, id: &str) -> Result<Option<ResourceRow>, StoreError> {
        self.point_reads.current(resource_type, id)
    }

    async fn version(
        &self,
        resource_type: &str,
        id: &str,
        version: i64,
    ) -> Result<Option<ResourceRow>, StoreError> {
        self.point_reads.version(resource_type, id, version)
    }

    async fn index_of(&self, resource_type: &str, id: &str) -> Result<Vec<IndexEntry>, StoreError> {
        let mut conn = self.readers.acquire().await?;
        Ok(read_index(&mut conn, resource_type, id).await?)
    }

    async fn search(&self, spec: &crate::SearchSpec<'_>) -> Result<crate::SearchPage, StoreError> {
        crate::search::search(self, spec).await
    }

    async fn history(&self, q: &HistoryQuery) -> Result<Vec<ResourceRow>, StoreError> {
        let since = q.since.map(micros);
        let limit = i64::from(q.limit);
        let query = match (&q.resource_type, &q.id) {
            (Some(t), Some(id)) => sqlx::query(
                "SELECT seq, res_type, res_id, version, last_updated, deleted, method, content
                 FROM resource_versions WHERE res_type = $1 AND res_id = $2
                 AND ($3 IS NULL OR last_updated >= $3) AND ($4 IS NULL OR seq < $4)
                 ORDER BY seq DESC LIMIT $5",
            )
            .bind(t.clone())
            .bind(id.clone()),
            (Some(t), None) => sqlx::query(
                "SELECT seq, res_type, res_id, version, last_updated, deleted, method, content
                 FROM resource_versions WHERE res_type = $1 AND $2 IS NULL
                 AND ($3 IS NULL OR last_updated >= $3) AND ($4 IS NULL OR seq < $4)
                 ORDER BY seq DESC LIMIT $5",
            )
            .bind(t.clone())
            .bind(None::<String>),
            _ => sqlx::query(
                "SELECT seq, res_type, res_id, version, last_updated, deleted, method, content
                 FROM resource_versions WHERE $1 IS NULL AND $2 IS NULL
                 AND ($3 IS NULL OR last_updated >= $3) AND ($4 IS NULL OR seq < $4)
                 ORDER BY seq DESC LIMIT $5",
            )
            .bind(None::<String>)
            .bind(None::<String>),
        };
        let rows = query.bind(since).bind(q.before_seq).bind(limit).fetch_all(&self.readers).await?;
        Ok(rows.iter().map(row).collect::<Result<_, _>>()?)
    }

    async fn close(&self) {
        self.readers.close().await;
        self.writer.close().await;
        self.audit.close().await;
    }
}

crate::search::search_executor!(SqliteStore, sqlx::Sqlite, crate::search::Dialect::Sqlite, readers, row);
crate::index::insert_index!(insert_index, sqlx::Sqlite);
crate::index::delete_index!(delete_index, sqlx::Sqlite);
crate::index::read_index!(read_index, sqlx::Sqlite);
crate::accounts_sql::accounts_impl!(
    SqliteStore,
    sqlx::Sqlite,
    |s| write = &s.writer,
    read = &s.readers,
    begin = s.writer.begin_with("BEGIN IMMEDIATE")
);
crate::clients::clients_impl!(SqliteStore, sqlx::Sqlite, writer, readers);
crate::device_tokens::device_tokens_impl!(SqliteStore, sqlx::Sqlite, writer, readers);
crate::break_glass::break_glass_impl!(SqliteStore, sqlx::Sqlite, writer, readers);
crate::invitations::invitations_impl!(SqliteStore, sqlx::Sqlite, |s| write = &s.writer, read = &s.readers);
crate::sessions_sql::sessions_impl!(
    SqliteStore,
    sqlx::Sqlite,
    |s| write = &s.writer,
    read = &s.readers,
    begin = s.writer.begin_with("BEGIN IMMEDIATE")
);

struct SqliteTx {
    tx: Transaction<'static, Sqlite>,
}

#[async_trait]
impl ResourceTx for SqliteTx {
    async fn current(&mut self, resource_type: &str, id: &str) -> Result<Option<ResourceRow>, StoreError> {
        let found = sqlx::query(
            "SELECT seq, res_type, res_id, version, last_updated, deleted, method, content
             FROM resource_versions WHERE res_type = $1 AND res_id = $2 AND is_current = 1",
        )
        .bind(resource_type)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?;
        Ok(found.as_ref().map(row).transpose()?)
    }

    async fn version(
        &mut self,
        resource_type: &str,
        id: &str,
        version: i64,
    ) -> Result<Option<ResourceRow>, StoreError> {
        let found = sqlx::query(
            "SELECT seq, res_type, res_id, version, last_updated, deleted, method, content
             FROM resource_versions WHERE res_type = $1 AND res_id = $2 AND version = $3",
        )
        .bind(resource_type)
        .bind(id)
        .bind(version)
        .fetch_optional(&mut *self.tx)
        .await?;
        Ok(found.as_ref().map(row).transpose()?)
    }

    async fn write(&mut self, v: &NewVersion<'_>) -> Result<i64, StoreError> {
        if let Some(previous) = v.previous {
            let replaced = sqlx::query(
                "UPDATE resource_versions SET is_current = 0
                 WHERE res_type = $1 AND res_id = $2 AND version = $3 AND is_current = 1",
            )
            .bind(v.resource_type)
            .bind(v.id)
            .bind(previous)
            .execute(&mut *self.tx)
            .await?;
            if replaced.rows_affected() != 1 {
                return Err(StoreError::Conflict);
            }
            delete_index(&mut self.tx, v.resource_type, v.id).await?;
        }
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO resource_versions (res_type, res_id, version, is_current, deleted, last_updated, method, content)
             VALUES ($1, $2, $3, 1, $4, $5, $6, $7) RETURNING seq",
        )
        .bind(v.resource_type)
        .bind(v.id)
        .bind(v.version)
        .bind(v.content.is_none())
        .bind(micros(v.last_updated))
        .bind(v.method.as_str())
        .bind(v.content)
        .fetch_one(&mut *self.tx)
        .await?;
        insert_index(&mut self.tx, &[Indexed { resource_type: v.resource_type, id: v.id, entries: v.index }])
            .await?;
        Ok(seq)
    }

    async fn find_by_token(
        &mut self,
        resource_type: &str,
        param: &str,
        system: Option<&str>,
        code: &str,
    ) -> Result<Vec<String>, StoreError> {
        let ids = sqlx::query_scalar(
            // `+res_id`: without it SQLite orders by walking the primary key (every token of
            // the type) instead of seeking the lookup index — a conditional create scanned them all.
            "SELECT DISTINCT res_id FROM idx_token
             WHERE res_type = $1 AND param = $2 AND code = $3 AND ($4 IS NULL OR system = $4)
             ORDER BY +res_id",
        )
        .bind(resource_type)
        .bind(param)
        .bind(code)
        .bind(system)
        .fetch_all(&mut *self.tx)
        .await?;
        Ok(ids)
    }

    async fn enqueue_email(&mut self, email: &crate::NewEmail) -> Result<(), StoreError> {
        insert_email(&mut self.tx, email).await
    }

    async fn withdraw_emails(&mut self, topic: &str) -> Result<u64, StoreError> {
        withdraw_emails(&mut self.tx, topic).await
    }

    async fn create_invitation(&mut self, invitation: &crate::NewInvitation) -> Result<(), StoreError> {
        insert_invitation(&mut self.tx, invitation).await
    }

    async fn revoke_invitations_to(&mut self, target: &str, at: jiff::Timestamp) -> Result<u64, StoreError> {
        revoke_invitations_to(&mut self.tx, target, at).await
    }

    async fn lock_key(&mut self, _key: &str) -> Result<(), StoreError> {
        // The transaction already holds SQLite's single write lock.
        Ok(())
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.tx.commit().await?;
        Ok(())
    }
}
