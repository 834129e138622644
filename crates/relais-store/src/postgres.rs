//! The PostgreSQL store: content as JSONB, row locks (`FOR UPDATE`) and advisory locks keep
//! concurrent writers from losing each other's updates.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use relais_access::audit::{AuditDraft, AuditRecord};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{Postgres, Row, Transaction};

use crate::index::Indexed;
use crate::{
    AuditLog, AuditQuery, HistoryQuery, IndexEntry, Method, NewVersion, PoolStats, ResourceRow,
    ResourceStore, ResourceTx, StoreError, StoreOptions, from_micros, micros,
};

pub(crate) struct PgStore {
    pool: PgPool,
    max: u32,
}

impl PgStore {
    pub(crate) async fn open(url: &str, options: &StoreOptions) -> Result<Self, StoreError> {
        // No JIT compilation: it pays off for long analytical queries, not for the short
        // statements Relais runs, and PostgreSQL's cost estimates for a search with several
        // correlated filters are high enough to trigger it (about 20 ms of compilation for a
        // query that runs in 1 ms).
        let connect = PgConnectOptions::from_str(url)?.application_name("relais").options([("jit", "off")]);
        let max = options.max_connections.max(1);
        // A broken connection surfaces as an error on first use and is replaced; pinging before
        // every acquire would add a network round trip to every query.
        let pool = PgPoolOptions::new()
            .test_before_acquire(false)
            .max_connections(max)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(connect)
            .await?;
        Ok(Self { pool, max })
    }
}

fn row(r: &PgRow) -> Result<ResourceRow, sqlx::Error> {
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

/// One version, through the pool or inside a transaction.
async fn fetch_version<'e>(
    executor: impl sqlx::PgExecutor<'e>,
    resource_type: &str,
    id: &str,
    version: i64,
) -> Result<Option<ResourceRow>, StoreError> {
    let found = sqlx::query(
        "SELECT seq, res_type, res_id, version, last_updated, deleted, method, content::text
         FROM resource_versions WHERE res_type = $1 AND res_id = $2 AND version = $3",
    )
    .bind(resource_type)
    .bind(id)
    .bind(version)
    .fetch_optional(executor)
    .await?;
    Ok(found.as_ref().map(row).transpose()?)
}

#[async_trait]
impl ResourceStore for PgStore {
    fn engine(&self) -> &'static str {
        "postgres"
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::migrate!("./migrations/postgres").run(&self.pool).await?;
        Ok(())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    fn pool_stats(&self) -> Vec<PoolStats> {
        vec![PoolStats {
            name: "main",
            size: self.pool.size(),
            idle: u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX),
            max: self.max,
        }]
    }

    async fn begin(&self) -> Result<Box<dyn ResourceTx>, StoreError> {
        Ok(Box::new(PgTx { tx: self.pool.begin().await? }))
    }

    async fn current(&self, resource_type: &str, id: &str) -> Result<Option<ResourceRow>, StoreError> {
        let found = sqlx::query(
            "SELECT seq, res_type, res_id, version, last_updated, deleted, method, content::text
             FROM resource_versions WHERE res_type = $1 AND res_id = $2 AND is_current",
        )
        .bind(resource_type)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.as_ref().map(row).transpose()?)
    }

    async fn version(
        &self,
        resource_type: &str,
        id: &str,
        version: i64,
    ) -> Result<Option<ResourceRow>, StoreError> {
        fetch_version(&self.pool, resource_type, id, version).await
    }

    async fn index_of(&self, resource_type: &str, id: &str) -> Result<Vec<IndexEntry>, StoreError> {
        let mut conn = self.pool.acquire().await?;
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
                "SELECT seq, res_type, res_id, version, last_updated, deleted, method, content::text
                 FROM resource_versions WHERE res_type = $1 AND res_id = $2
                 AND ($3::bigint IS NULL OR last_updated >= $3) AND ($4::bigint IS NULL OR seq < $4)
                 ORDER BY seq DESC LIMIT $5",
            )
            .bind(t.clone())
            .bind(id.clone()),
            (Some(t), None) => sqlx::query(
                "SELECT seq, res_type, res_id, version, last_updated, deleted, method, content::text
                 FROM resource_versions WHERE res_type = $1 AND $2::text IS NULL
                 AND ($3::bigint IS NULL OR last_updated >= $3) AND ($4::bigint IS NULL OR seq < $4)
                 ORDER BY seq DESC LIMIT $5",
            )
            .bind(t.clone())
            .bind(None::<String>),
            _ => sqlx::query(
                "SELECT seq, res_type, res_id, version, last_updated, deleted, method, content::text
                 FROM resource_versions WHERE $1::text IS NULL AND $2::text IS NULL
                 AND ($3::bigint IS NULL OR last_updated >= $3) AND ($4::bigint IS NULL OR seq < $4)
                 ORDER BY seq DESC LIMIT $5",
            )
            .bind(None::<String>)
            .bind(None::<String>),
        };
        let rows = query.bind(since).bind(q.before_seq).bind(limit).fetch_all(&self.pool).await?;
        Ok(rows.iter().map(row).collect::<Result<_, _>>()?)
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

crate::search::search_executor!(PgStore, sqlx::Postgres, crate::search::Dialect::Postgres, pool, row);
crate::index::insert_index!(insert_index, sqlx::Postgres);
crate::index::delete_index!(delete_index, sqlx::Postgres);
crate::index::read_index!(read_index, sqlx::Postgres);
crate::audit::audit_append_ops!(sqlx::Postgres);
crate::audit::audit_read_ops!(sqlx::Postgres);
crate::audit::audit_lookup_ops!(sqlx::Postgres);
crate::accounts_sql::accounts_impl!(
    PgStore,
    sqlx::Postgres,
    |s| write = &s.pool,
    read = &s.pool,
    begin = s.pool.begin()
);
crate::clients::clients_impl!(PgStore, sqlx::Postgres, pool, pool);
crate::device_tokens::device_tokens_impl!(PgStore, sqlx::Postgres, pool, pool);
crate::break_glass::break_glass_impl!(PgStore, sqlx::Postgres, pool, pool);
crate::invitations::invitations_impl!(PgStore, sqlx::Postgres, |s| write = &s.pool, read = &s.pool);
crate::sessions_sql::sessions_impl!(
    PgStore,
    sqlx::Postgres,
    |s| write = &s.pool,
    read = &s.pool,
    begin = s.pool.begin()
);

/// The advisory lock that serialises audit appends, in PostgreSQL's two-integer key space, which
/// never meets the one-bigint keys of the resource and `lock_key` locks.
const AUDIT_LOCK: (i32, i32) = (0x7265_6c61, 1); // "rela", 1

/// Appends `draft` inside `tx`: takes the audit lock (held until `tx` ends), then seals after the
/// last record and inserts. A resource transaction that appends its audit record this way should
/// do it last, just before committing, so it holds the lock briefly and always after its
/// resource locks (one lock order, no deadlock).
///
/// Why a lock and not `SELECT … FOR UPDATE` on the last row: there is no row to lock in an empty
/// trail, and under READ COMMITTED a writer that waited for the last row's lock would go on with
/// the same last row (it is not updated, a new row is added after it) and seal after it a second
/// time. With the advisory lock taken first, the `SELECT` of the last record starts after the
/// previous append has committed, so it sees that record.
pub(crate) async fn append_in_tx(
    tx: &mut sqlx::PgConnection,
    draft: AuditDraft,
) -> Result<AuditRecord, StoreError> {
    lock_audit(tx).await?;
    append_locked(tx, draft).await
}

/// Takes the audit lock, held until the transaction on `tx` ends.
async fn lock_audit(tx: &mut sqlx::PgConnection) -> Result<(), StoreError> {
    sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
        .bind(AUDIT_LOCK.0)
        .bind(AUDIT_LOCK.1)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

#[async_trait]
impl AuditLog for PgStore {
    async fn append_audit(&self, draft: AuditDraft) -> Result<AuditRecord, StoreError> {
        let mut tx = self.pool.begin().await?;
        let record = append_in_tx(&mut tx, draft).await?;
        tx.commit().await?;
        Ok(record)
    }

    async fn append_audit_batch(&self, drafts: Vec<AuditDraft>) -> Result<Vec<AuditRecord>, StoreError> {
        if drafts.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.pool.begin().await?;
        lock_audit(&mut tx).await?;
        let records = append_batch_locked(&mut tx, drafts).await?;
        tx.commit().await?;
        Ok(records)
    }

    async fn audit_search(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>, StoreError> {
        search_records(&self.pool, query).await
    }

    async fn audit_records(&self, after_seq: u64, limit: u32) -> Result<Vec<AuditRecord>, StoreError> {
        read_records(&self.pool, after_seq, limit).await
    }

    async fn audit_head(&self) -> Result<Option<(u64, String)>, StoreError> {
        read_head(&self.pool).await
    }

    async fn audit_of_patient(
        &self,
        patient_id: &str,
        before_seq: Option<u64>,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        read_patient_records(&self.pool, patient_id, before_seq, limit).await
    }
}

struct PgTx {
    tx: Transaction<'static, Postgres>,
}

#[async_trait]
impl ResourceTx for PgTx {
    async fn current(&mut self, resource_type: &str, id: &str) -> Result<Option<ResourceRow>, StoreError> {
        // `FOR UPDATE` alone is not enough under READ COMMITTED: a transaction that waited for the
        // row lock while another one replaced the current version re-checks that row, finds it no
        // longer current and returns nothing, as if the resource did not exist. So writers of one
        // resource queue on an advisory lock first; the SELECT below then starts after the one
        // before has committed, and sees its version (or its creation of the resource).
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1 || '/' || $2, 1))")
            .bind(resource_type)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        let found = sqlx::query(
            "SELECT seq, res_type, res_id, version, last_updated, deleted, method, content::text
             FROM resource_versions WHERE res_type = $1 AND res_id = $2 AND is_current FOR UPDATE",
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
        fetch_version(&mut *self.tx, resource_type, id, version).await
    }

    async fn write(&mut self, v: &NewVersion<'_>) -> Result<i64, StoreError> {
        if let Some(previous) = v.previous {
            let replaced = sqlx::query(
                "UPDATE resource_versions SET is_current = FALSE
                 WHERE res_type = $1 AND res_id = $2 AND version = $3 AND is_current",
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
             VALUES ($1, $2, $3, TRUE, $4, $5, $6, $7::jsonb) RETURNING seq",
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
            "SELECT DISTINCT res_id FROM idx_token
             WHERE res_type = $1 AND param = $2 AND code = $3 AND ($4::text IS NULL OR system = $4)
             ORDER BY res_id",
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

    async fn lock_key(&mut self, key: &str) -> Result<(), StoreError> {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(key)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.tx.commit().await?;
        Ok(())
    }
}
