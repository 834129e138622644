//! Relais persistence: the versioned FHIR resource store, the hash-chained audit trail and the
//! accounts of the people who sign in, with one implementation on SQLite (the default: a file
//! under `relais-data/`) and one on PostgreSQL, behind the same traits.
//!
//! Only this crate knows SQL. It knows nothing of HTTP, access policy or FHIR validation: it stores
//! what the use-case layer hands it, atomically, and never loses an acknowledged write.

mod accounts;
mod accounts_sql;
mod audit;
mod break_glass;
mod clients;
mod device_tokens;
mod error;
mod group_commit;
mod index;
mod invitations;
mod postgres;
mod rows;
mod search;
mod sessions;
mod sessions_sql;
mod sqlite;
mod sqlite_audit;
mod sqlite_audit_index;
mod sqlite_audit_search;
mod sqlite_audit_writer;
mod sqlite_checkpointer;
mod sqlite_create_writer;
mod sqlite_reads;

use std::sync::Arc;

use async_trait::async_trait;
use jiff::Timestamp;

pub use accounts::{Account, AccountRole, Accounts, NewAccount, normalise_email};
pub use audit::{AuditLog, AuditQuery};
pub use break_glass::{BreakGlassGrants, BreakGlassRow, ReviewPosition};
pub use clients::{ApiClient, ApiClients};
pub use device_tokens::{DeviceTokenRow, DeviceTokens};
pub use error::StoreError;
pub use invitations::{InvitationRow, Invitations, NewInvitation};
pub use relais_fhir::search::{IndexEntry, IndexValue};
pub use rows::{Created, HistoryQuery, Method, NewCreate, NewVersion, PoolStats, ResourceRow, Unless};
pub use search::{SearchPage, SearchSpec, Visibility, Visible};
pub use sessions::{
    AccountSecurity, FailureRecorded, NewEmail, NewPasswordReset, NewSession, OutboxEmail, SessionRow,
    Sessions,
};

/// How hard SQLite works to keep a committed write through a crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SqliteDurability {
    /// WAL with `synchronous=NORMAL`: survives the process being killed (`kill -9`); a power cut
    /// may lose the last transactions. The default.
    #[default]
    Normal,
    /// `synchronous=FULL`: also survives a power cut, at a cost in write throughput.
    Full,
}

/// Connection settings for [`open`].
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Most connections to PostgreSQL, or SQLite readers (SQLite has one writer).
    pub max_connections: u32,
    pub sqlite_durability: SqliteDurability,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self { max_connections: 16, sqlite_durability: SqliteDurability::Normal }
    }
}

/// Opens the store named by `url` (`sqlite://path/file.db` or `postgres://…`). Creates a
/// missing SQLite file; does not migrate (see [`ResourceStore::migrate`]).
pub async fn open(url: &str, options: &StoreOptions) -> Result<Arc<dyn ResourceStore>, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStore::open(url, options).await?))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Arc::new(postgres::PgStore::open(url, options).await?))
    } else {
        Err(StoreError::UnsupportedUrl)
    }
}

/// The versioned resource store, and beside it the audit trail ([`AuditLog`]), the accounts
/// ([`Accounts`]), signing in ([`Sessions`]), the API clients ([`ApiClients`]), the
/// break-the-glass grants ([`BreakGlassGrants`]) and invitation links ([`Invitations`]).
/// Where the audit trail of the database at `url` is kept: on PostgreSQL the same database; on
/// SQLite a file of its own beside the resources' (`sqlite://d/relais.db` →
/// `sqlite://d/relais-audit.db`, query options kept). For tools that read the trail's table
/// directly; Relais itself finds it from `url`.
pub fn audit_url(url: &str) -> String {
    let Some(rest) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) else {
        return url.to_owned();
    };
    let (path, query) = match rest.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (rest, None),
    };
    let audit = sqlite_audit::audit_path(std::path::Path::new(path));
    match query {
        Some(query) => format!("sqlite://{}?{query}", audit.display()),
        None => format!("sqlite://{}", audit.display()),
    }
}

#[async_trait]
pub trait ResourceStore:
    AuditLog
    + Accounts
    + Sessions
    + ApiClients
    + BreakGlassGrants
    + Invitations
    + DeviceTokens
    + Send
    + Sync
    + 'static
{
    /// `sqlite` or `postgres`.
    fn engine(&self) -> &'static str;

    /// Applies the embedded migrations that have not run yet.
    async fn migrate(&self) -> Result<(), StoreError>;

    /// Checks that the database answers.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Connection pool figures, for `/metrics`.
    fn pool_stats(&self) -> Vec<PoolStats>;

    /// Starts a write transaction. Dropping it without [`ResourceTx::commit`] rolls back.
    async fn begin(&self) -> Result<Box<dyn ResourceTx>, StoreError>;

    /// Stores version 1 of a new resource in a transaction of its own and answers its `seq`
    /// once committed; [`StoreError::Conflict`] if the id exists. The same as `begin`, `write`,
    /// `commit`, but an engine may commit concurrent creates together (SQLite does).
    async fn create(&self, version: &NewVersion<'_>) -> Result<i64, StoreError> {
        write_alone(self, version).await
    }

    /// Stores version 1 of each of `creates` in one transaction, in order, and answers what
    /// became of each once committed: stored (its `seq`), or not, because a current resource
    /// carries its `unless` token — looked up in the same transaction, so an earlier create of
    /// the same call counts. Nothing is stored if a write fails ([`StoreError::Conflict`] for an
    /// id that exists). What a batch of new readings needs: one hand-off instead of a round trip
    /// per statement. An engine may commit it together with concurrent creates (SQLite does).
    async fn create_all(&self, creates: &[NewCreate<'_>]) -> Result<Vec<Created>, StoreError> {
        let mut tx = self.begin().await?;
        let mut done = Vec::with_capacity(creates.len());
        for create in creates {
            if let Some(unless) = &create.unless {
                tx.lock_key(unless.key).await?;
                let found = tx
                    .find_by_token(create.version.resource_type, unless.param, unless.system, unless.code)
                    .await?;
                if !found.is_empty() {
                    done.push(Created::Found(found));
                    continue;
                }
            }
            done.push(Created::Stored(tx.write(&create.version).await?));
        }
        tx.commit().await?;
        Ok(done)
    }

    /// The current version of a resource (possibly a deletion tombstone).
    async fn current(&self, resource_type: &str, id: &str) -> Result<Option<ResourceRow>, StoreError>;

    /// One version of a resource.
    async fn version(
        &self,
        resource_type: &str,
        id: &str,
        version: i64,
    ) -> Result<Option<ResourceRow>, StoreError>;

    /// Every search index entry of the current version of a resource (for diagnostics and for
    /// tests of the index; searches query the index tables directly).
    async fn index_of(&self, resource_type: &str, id: &str) -> Result<Vec<IndexEntry>, StoreError>;

    /// One page of a FHIR search. [`StoreError::BadCursor`] if `query.cursor` is not one this
    /// store handed out for the same query.
    async fn search(&self, spec: &SearchSpec<'_>) -> Result<SearchPage, StoreError>;

    /// Versions newest first, for instance, type or system history.
    async fn history(&self, query: &HistoryQuery) -> Result<Vec<ResourceRow>, StoreError>;

    /// Waits for in-flight work and closes every connection.
    async fn close(&self);
}

/// A write transaction: everything in it is stored together or not at all.
#[async_trait]
pub trait ResourceTx: Send {
    /// The current version, locked against concurrent writers until the transaction ends. If
    /// another transaction is writing the resource, waits for it and returns what it committed.
    async fn current(&mut self, resource_type: &str, id: &str) -> Result<Option<ResourceRow>, StoreError>;

    /// One version, as this transaction sees it (its own writes included).
    async fn version(
        &mut self,
        resource_type: &str,
        id: &str,
        version: i64,
    ) -> Result<Option<ResourceRow>, StoreError>;

    /// Stores a new version. Fails with [`StoreError::Conflict`] if `previous` is no longer the
    /// current version (or, for a new resource, if one appeared meanwhile). Returns the new
    /// version's write position (`seq`).
    async fn write(&mut self, version: &NewVersion<'_>) -> Result<i64, StoreError>;

    /// Ids of current, non-deleted resources of a type with a token index entry: all of them,
    /// sorted, each once (a caller that needs at most two takes them after combining criteria).
    async fn find_by_token(
        &mut self,
        resource_type: &str,
        param: &str,
        system: Option<&str>,
        code: &str,
    ) -> Result<Vec<String>, StoreError>;

    /// Queues an email: it exists (and is sent) only if the transaction commits.
    async fn enqueue_email(&mut self, email: &NewEmail) -> Result<(), StoreError>;

    /// Withdraws the unsent email about `topic` (a cancelled visit's reminders); answers how many.
    async fn withdraw_emails(&mut self, topic: &str) -> Result<u64, StoreError>;

    /// Stores an invitation link: it works only if the transaction commits.
    async fn create_invitation(&mut self, invitation: &NewInvitation) -> Result<(), StoreError>;

    /// Revokes at `at` every open invitation to `target` (`Appointment/123`); answers how many.
    async fn revoke_invitations_to(&mut self, target: &str, at: Timestamp) -> Result<u64, StoreError>;

    /// Serialises transactions that use the same key until they end (conditional create).
    async fn lock_key(&mut self, key: &str) -> Result<(), StoreError>;

    /// Makes the transaction durable.
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;
}

/// Writes one version in a transaction of its own.
pub(crate) async fn write_alone<S: ResourceStore + ?Sized>(
    store: &S,
    version: &NewVersion<'_>,
) -> Result<i64, StoreError> {
    let mut tx = store.begin().await?;
    let seq = tx.write(version).await?;
    tx.commit().await?;
    Ok(seq)
}

pub(crate) fn micros(at: Timestamp) -> i64 {
    at.as_microsecond()
}

pub(crate) fn from_micros(micros: i64) -> Timestamp {
    Timestamp::from_microsecond(micros).unwrap_or(Timestamp::UNIX_EPOCH)
}
