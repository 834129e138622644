//! Invitation links (migration 0010): stored by the hash of their token, read back by token
//! hash or id, used by one conditional `UPDATE` (so a single-use link used twice at once succeeds
//! once), and revoked. The store decides nothing beyond that statement's condition; the rules
//! are `relais_access::invitation`'s and the use cases are `relais_app::invitations`.

use async_trait::async_trait;
use jiff::Timestamp;

use crate::StoreError;

/// Storage for invitation links. See the module documentation.
#[async_trait]
pub trait Invitations: Send + Sync {
    /// Stores a new invitation.
    async fn create_invitation(&self, invitation: &NewInvitation) -> Result<(), StoreError>;

    /// The invitation with this id, whatever its state.
    async fn invitation(&self, id: &str) -> Result<Option<InvitationRow>, StoreError>;

    /// The invitation whose token hashes to `token_hash`, whatever its state.
    async fn invitation_by_token(&self, token_hash: &str) -> Result<Option<InvitationRow>, StoreError>;

    /// Counts one use at `at` of the invitation whose token hashes to `token_hash` if it is not
    /// revoked, not expired at `at` and not used up, in one statement; answers it after the use,
    /// or `None` (nothing changed).
    async fn use_invitation(
        &self,
        token_hash: &str,
        at: Timestamp,
    ) -> Result<Option<InvitationRow>, StoreError>;

    /// Revokes an invitation at `at`; `true` if it was not revoked until now.
    async fn revoke_invitation(&self, id: &str, at: Timestamp) -> Result<bool, StoreError>;
}

/// An invitation to store.
#[derive(Clone, PartialEq, Eq)]
pub struct NewInvitation {
    pub id: String,
    /// SHA-256 hex of the link's token (`relais_access::token::Token::hash`).
    pub token_hash: String,
    /// `relais_access::invitation::Purpose` code.
    pub purpose: String,
    /// What it opens, as a reference (`Appointment/123`).
    pub target: String,
    pub patient_id: Option<String>,
    /// The invitee's display name.
    pub invitee: String,
    /// The account that created it.
    pub created_by: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub max_uses: u32,
}

impl std::fmt::Debug for NewInvitation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewInvitation")
            .field("id", &self.id)
            .field("purpose", &self.purpose)
            .finish_non_exhaustive()
    }
}

/// A stored invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationRow {
    pub id: String,
    pub purpose: String,
    pub target: String,
    pub patient_id: Option<String>,
    pub invitee: String,
    pub created_by: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    pub max_uses: u32,
    pub uses: u32,
    pub last_used_at: Option<Timestamp>,
}

/// The columns every read answers, in [`invitation_row`]'s order.
pub(crate) const COLUMNS: &str = "id, purpose, target, patient_id, invitee, created_by, created_at, expires_at, \
     revoked_at, max_uses, uses, last_used_at";

pub(crate) fn count(value: i64) -> u32 {
    u32::try_from(value).unwrap_or(if value < 0 { 0 } else { u32::MAX })
}

/// `invitations_impl!(Store, Db, |s| write = …, read = …)` implements [`Invitations`] for
/// `Store` with the same statements on both engines.
macro_rules! invitations_impl {
    ($store:ty, $db:ty, |$s:ident| write = $write:expr, read = $read:expr) => {
        #[async_trait::async_trait]
        impl crate::invitations::Invitations for $store {
            async fn create_invitation(
                &self,
                i: &crate::invitations::NewInvitation,
            ) -> Result<(), crate::StoreError> {
                let $s = self;
                let mut conn = ($write).acquire().await?;
                insert_invitation(&mut *conn, i).await
            }

            async fn invitation(
                &self,
                id: &str,
            ) -> Result<Option<crate::invitations::InvitationRow>, crate::StoreError> {
                let $s = self;
                let sql = format!("SELECT {} FROM invitations WHERE id = $1", crate::invitations::COLUMNS);
                let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional($read).await?;
                Ok(row.as_ref().map(invitation_row).transpose()?)
            }

            async fn invitation_by_token(
                &self,
                token_hash: &str,
            ) -> Result<Option<crate::invitations::InvitationRow>, crate::StoreError> {
                let $s = self;
                let sql =
                    format!("SELECT {} FROM invitations WHERE token_hash = $1", crate::invitations::COLUMNS);
                let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(token_hash).fetch_optional($read).await?;
                Ok(row.as_ref().map(invitation_row).transpose()?)
            }

            async fn use_invitation(
                &self,
                token_hash: &str,
                at: jiff::Timestamp,
            ) -> Result<Option<crate::invitations::InvitationRow>, crate::StoreError> {
                let $s = self;
                let sql = format!(
                    "UPDATE invitations SET uses = uses + 1, last_used_at = $2 \
                     WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2 AND uses < max_uses \
                     RETURNING {}",
                    crate::invitations::COLUMNS
                );
                let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(token_hash).bind(crate::micros(at)).fetch_optional($write).await?;
                Ok(row.as_ref().map(invitation_row).transpose()?)
            }

            async fn revoke_invitation(&self, id: &str, at: jiff::Timestamp) -> Result<bool, crate::StoreError> {
                let $s = self;
                let done = sqlx::query("UPDATE invitations SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
                    .bind(id)
                    .bind(crate::micros(at))
                    .execute($write)
                    .await?;
                Ok(done.rows_affected() == 1)
            }
        }

        /// Inserts an invitation on `conn` (a pooled connection or a transaction).
        async fn insert_invitation(
            conn: &mut <$db as sqlx::Database>::Connection,
            i: &crate::invitations::NewInvitation,
        ) -> Result<(), crate::StoreError> {
            sqlx::query(
                "INSERT INTO invitations (id, token_hash, purpose, target, patient_id, invitee, \
                 created_by, created_at, expires_at, max_uses) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(&i.id)
            .bind(&i.token_hash)
            .bind(&i.purpose)
            .bind(&i.target)
            .bind(&i.patient_id)
            .bind(&i.invitee)
            .bind(&i.created_by)
            .bind(crate::micros(i.created_at))
            .bind(crate::micros(i.expires_at))
            .bind(i64::from(i.max_uses))
            .execute(&mut *conn)
            .await?;
            Ok(())
        }

        /// Revokes at `at` every open invitation to `target` on `conn`; answers how many.
        async fn revoke_invitations_to(
            conn: &mut <$db as sqlx::Database>::Connection,
            target: &str,
            at: jiff::Timestamp,
        ) -> Result<u64, crate::StoreError> {
            let done = sqlx::query("UPDATE invitations SET revoked_at = $2 WHERE target = $1 AND revoked_at IS NULL")
                .bind(target)
                .bind(crate::micros(at))
                .execute(&mut *conn)
                .await?;
            Ok(done.rows_affected())
        }

        fn invitation_row(
            r: &<$db as sqlx::Database>::Row,
        ) -> Result<crate::invitations::InvitationRow, sqlx::Error> {
            use sqlx::Row;
            Ok(crate::invitations::InvitationRow {
                id: r.try_get(0)?,
                purpose: r.try_get(1)?,
                target: r.try_get(2)?,
                patient_id: r.try_get(3)?,
                invitee: r.try_get(4)?,
                created_by: r.try_get(5)?,
                created_at: crate::from_micros(r.try_get(6)?),
                expires_at: crate::from_micros(r.try_get(7)?),
                revoked_at: r.try_get::<Option<i64>, _>(8)?.map(crate::from_micros),
                max_uses: crate::invitations::count(r.try_get(9)?),
                uses: crate::invitations::count(r.try_get(10)?),
                last_used_at: r.try_get::<Option<i64>, _>(11)?.map(crate::from_micros),
            })
        }
    };
}
pub(crate) use invitations_impl;
