//! The audit trail on SQLite, in a file of its own beside the resources (`relais.db` →
//! `relais-audit.db`), with its own writer connection, readers and migrations
//! (`migrations/sqlite-audit`).
//!
//! Why apart: every read of a record appends to the trail, and in WAL mode a commit to a file
//! makes every other connection to that file drop its whole page cache at its next read
//! transaction. With the trail inside `relais.db`, each read's audit commit emptied the caches of
//! all the resource readers (profiled in docs/performance.md). In a file of its own, the trail's
//! commits leave those caches warm; only the trail's own readers (the privacy officer, the
//! portal's "who accessed my record") start cold.
//!
//! Nothing is lost by the split: the trail was already appended in a transaction of its own,
//! after the change it records had committed (a request fails closed, `503`, when the append
//! fails, see `relais_app::audit`).
//!
//! Upgrading moves an existing trail: [`SqliteAudit::migrate`] copies the records of the old
//! `audit_log` table of `relais.db` into the new file, seq and hashes unchanged, before the main
//! migration 0014 drops the table. The copy takes only records after the new file's last one, so
//! a move interrupted half-way is finished by the next start.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use relais_access::audit::{AuditDraft, AuditRecord};
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

use crate::sqlite_audit_writer::{AppenderSettings, AuditAppender};
use crate::{AuditLog, AuditQuery, PoolStats, SqliteDurability, StoreError};

/// Readers of the trail: the privacy officer's searches and the portal are rare next to the
/// resource reads, and never long.
const AUDIT_READERS: u32 = 4;

/// The trail's file for the resources' file `main`: `relais.db` → `relais-audit.db` in the same
/// folder (`relais` → `relais-audit`). An in-memory database keeps its trail in memory too.
pub(crate) fn audit_path(main: &Path) -> PathBuf {
    if main == Path::new(":memory:") {
        return main.to_owned();
    }
    let mut name = OsString::from(main.file_stem().unwrap_or_else(|| "relais".as_ref()));
    name.push("-audit");
    if let Some(extension) = main.extension() {
        name.push(".");
        name.push(extension);
    }
    main.with_file_name(name)
}

/// The trail's connections: appends go to the writer thread; the sqlx writer connection runs the
/// migrations and the move of an old trail.
pub(crate) struct SqliteAudit {
    writer: SqlitePool,
    readers: SqlitePool,
    appender: AuditAppender,
    path: PathBuf,
}

impl SqliteAudit {
    /// Opens (creating if missing) the trail's file beside the file `main` opens, with the same
    /// durability and journal settings.
    pub(crate) async fn open(
        main: &SqliteConnectOptions,
        durability: SqliteDurability,
    ) -> Result<Self, StoreError> {
        let path = audit_path(main.get_filename());
        // A smaller page cache than the resources': the trail is appended to, and read rarely.
        let connect = main.clone().filename(&path).pragma("cache_size", "-4000");
        let writer = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(1)
            .min_connections(1)
            .connect_with(connect.clone())
            .await?;
        let readers = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(AUDIT_READERS)
            .connect_with(connect.read_only(true))
            .await?;
        let appender = AuditAppender::start(&AppenderSettings {
            path: &path,
            synchronous: crate::sqlite::synchronous_pragma(durability),
            busy_timeout: crate::sqlite::BUSY_TIMEOUT,
        })?;
        Ok(Self { writer, readers, appender, path })
    }

    /// Brings the trail's file to the current schema, then moves into it what the old `audit_log`
    /// table of the resources' file still holds. Call before the main migrations: their 0014
    /// drops that table.
    pub(crate) async fn migrate(&self, main_writer: &SqlitePool) -> Result<(), StoreError> {
        sqlx::migrate!("./migrations/sqlite-audit").run(&self.writer).await?;
        self.move_legacy_trail(main_writer).await?;
        // The lookup tables exist now (migration 0002): fill them between appends.
        self.appender.index_in_background()
    }

    async fn move_legacy_trail(&self, main_writer: &SqlitePool) -> Result<(), StoreError> {
        let mut conn = main_writer.acquire().await?;
        let legacy: Option<String> =
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'")
                .fetch_optional(&mut *conn)
                .await?;
        if legacy.is_none() {
            return Ok(());
        }
        // Records written before main migration 0008 have no break_glass column; they read as
        // not flagged, which the new column's default says too.
        let has_break_glass: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pragma_table_info('audit_log') WHERE name = 'break_glass'",
        )
        .fetch_one(&mut *conn)
        .await?;
        let path = self.path.to_str().ok_or(StoreError::UnsupportedUrl)?;
        sqlx::query("ATTACH DATABASE $1 AS relais_audit").bind(path).execute(&mut *conn).await?;
        let copy = if has_break_glass > 0 {
            sqlx::query(concat!(
                "INSERT INTO relais_audit.audit_log (",
                crate::audit::audit_columns!(),
                ") SELECT ",
                crate::audit::audit_columns!(),
                " FROM main.audit_log
                 WHERE seq > (SELECT COALESCE(MAX(seq), 0) FROM relais_audit.audit_log) ORDER BY seq"
            ))
        } else {
            sqlx::query(
                "INSERT INTO relais_audit.audit_log (seq, recorded, actor, on_behalf_of, action, outcome,
                   resource_type, resource_id, patient_id, query, source_address, purpose, prev_hash, hash)
                 SELECT seq, recorded, actor, on_behalf_of, action, outcome, resource_type, resource_id,
                   patient_id, query, source_address, purpose, prev_hash, hash
                 FROM main.audit_log
                 WHERE seq > (SELECT COALESCE(MAX(seq), 0) FROM relais_audit.audit_log) ORDER BY seq",
            )
        };
        let copied = copy.execute(&mut *conn).await;
        // Detach whatever the copy did: the connection goes back to the writer pool.
        let detached = sqlx::query("DETACH DATABASE relais_audit").execute(&mut *conn).await;
        let copied = copied?.rows_affected();
        detached?;
        if copied > 0 {
            tracing::info!(records = copied, file = %self.path.display(), "audit trail moved to its own file");
        }
        Ok(())
    }

    pub(crate) fn pool_stats(&self) -> [PoolStats; 2] {
        [
            crate::sqlite::pool_stats("audit-writer", &self.writer, 1),
            crate::sqlite::pool_stats("audit-reader", &self.readers, AUDIT_READERS),
        ]
    }

    pub(crate) async fn close(&self) {
        self.readers.close().await;
        self.writer.close().await;
    }
}

crate::audit::audit_read_ops!(sqlx::Sqlite);

#[async_trait]
impl AuditLog for crate::sqlite::SqliteStore {
    async fn append_audit(&self, draft: AuditDraft) -> Result<AuditRecord, StoreError> {
        self.audit.appender.append(vec![draft]).await?.pop().ok_or(StoreError::Unstorable)
    }

    async fn append_audit_batch(&self, drafts: Vec<AuditDraft>) -> Result<Vec<AuditRecord>, StoreError> {
        // The writer thread takes the write lock before it reads the last record, so even
        // another process writing to the file cannot slip a record in between.
        self.audit.appender.append(drafts).await
    }

    async fn audit_search(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>, StoreError> {
        let rows = crate::sqlite_audit_search::search_statement(query)
            .build()
            .fetch_all(&self.audit.readers)
            .await?;
        rows.iter().map(audit_record).collect()
    }

    async fn audit_records(&self, after_seq: u64, limit: u32) -> Result<Vec<AuditRecord>, StoreError> {
        read_records(&self.audit.readers, after_seq, limit).await
    }

    async fn audit_head(&self) -> Result<Option<(u64, String)>, StoreError> {
        read_head(&self.audit.readers).await
    }

    async fn audit_of_patient(
        &self,
        patient_id: &str,
        before_seq: Option<u64>,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let query =
            AuditQuery { patient: Some(patient_id.to_owned()), before_seq, limit, ..AuditQuery::default() };
        self.audit_search(&query).await
    }

    async fn index_audit(&self) -> Result<u64, StoreError> {
        self.audit.appender.index_now().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trail_file_sits_beside_the_resources_file() {
        assert_eq!(audit_path(Path::new("/data/relais.db")), Path::new("/data/relais-audit.db"));
        assert_eq!(audit_path(Path::new("relais")), Path::new("relais-audit"));
        assert_eq!(audit_path(Path::new("./d/clinic.sqlite3")), Path::new("./d/clinic-audit.sqlite3"));
        assert_eq!(audit_path(Path::new(":memory:")), Path::new(":memory:"));
    }

    #[test]
    fn tools_find_the_trail_from_the_database_url() {
        assert_eq!(crate::audit_url("sqlite:///d/relais.db"), "sqlite:///d/relais-audit.db");
        assert_eq!(crate::audit_url("sqlite://d/relais.db?mode=rwc"), "sqlite://d/relais-audit.db?mode=rwc");
        assert_eq!(crate::audit_url("postgres://u@h/relais"), "postgres://u@h/relais");
    }
}
