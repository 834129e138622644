//! Break-the-glass grants (migration 0009): stored when a clinician opens a record outside their
//! care team, read back as grants while they run, and listed for the privacy officer's review —
//! unreviewed ones first, newest first, paged by position — until marked reviewed. The store
//! decides nothing: who may break the glass, for how long, and who reviews are the use cases'.

use std::fmt;

use async_trait::async_trait;
use jiff::Timestamp;

use crate::StoreError;

/// Break-the-glass grant storage.
#[async_trait]
pub trait BreakGlassGrants: Send + Sync {
    /// Stores a new grant; [`StoreError::Conflict`] if the id is taken.
    async fn insert_break_glass(&self, grant: &BreakGlassRow) -> Result<(), StoreError>;

    /// The grants of `account_id` still running at `now` (`expires_at > now`), oldest first.
    async fn active_break_glass(
        &self,
        account_id: &str,
        now: Timestamp,
    ) -> Result<Vec<BreakGlassRow>, StoreError>;

    /// One grant by id.
    async fn break_glass_by_id(&self, id: &str) -> Result<Option<BreakGlassRow>, StoreError>;

    /// Up to `limit` grants for review: unreviewed ones first, then newest first (`granted_at`,
    /// then id, descending), starting after `after` (the position of the last one of the previous
    /// page).
    async fn break_glass_for_review(
        &self,
        after: Option<&ReviewPosition>,
        limit: u32,
    ) -> Result<Vec<BreakGlassRow>, StoreError>;

    /// Marks the grant reviewed by `by` at `at` with `note`; `false` if there is no such grant or
    /// it was already reviewed (one review each, never overwritten).
    async fn mark_break_glass_reviewed(
        &self,
        id: &str,
        by: &str,
        at: Timestamp,
        note: &str,
    ) -> Result<bool, StoreError>;
}

/// A grant as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct BreakGlassRow {
    /// A uuid v7, made by the caller.
    pub id: String,
    /// The clinician's account.
    pub account_id: String,
    /// The FHIR Patient id.
    pub patient_id: String,
    /// Why, in the clinician's words (may name health facts: never logged, hidden from `Debug`).
    pub reason: String,
    pub granted_at: Timestamp,
    pub expires_at: Timestamp,
    pub reviewed_at: Option<Timestamp>,
    /// The privacy officer's account.
    pub reviewed_by: Option<String>,
    /// The privacy officer's note (hidden from `Debug` too).
    pub review_note: Option<String>,
}

impl BreakGlassRow {
    /// Where this grant stands in the review list, to start the next page after it.
    pub fn position(&self) -> ReviewPosition {
        ReviewPosition {
            reviewed: self.reviewed_at.is_some(),
            granted_at: self.granted_at,
            id: self.id.clone(),
        }
    }
}

impl fmt::Debug for BreakGlassRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BreakGlassRow")
            .field("id", &self.id)
            .field("account_id", &self.account_id)
            .field("granted_at", &self.granted_at)
            .field("expires_at", &self.expires_at)
            .field("reviewed_at", &self.reviewed_at)
            .finish_non_exhaustive()
    }
}

/// A place in the review list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewPosition {
    pub reviewed: bool,
    pub granted_at: Timestamp,
    pub id: String,
}

/// `break_glass_impl!(Store, Db, writes, reads)` implements [`BreakGlassGrants`] for one
/// engine's store, writing through the pool field `writes` and reading through `reads`. The
/// statements are the same on both engines.
macro_rules! break_glass_impl {
    ($store:ty, $db:ty, $writes:ident, $reads:ident) => {
        #[async_trait::async_trait]
        impl crate::break_glass::BreakGlassGrants for $store {
            async fn insert_break_glass(
                &self,
                g: &crate::break_glass::BreakGlassRow,
            ) -> Result<(), crate::StoreError> {
                sqlx::query(
                    "INSERT INTO break_glass_grants (id, account_id, patient_id, reason, granted_at, \
                     expires_at, reviewed_at, reviewed_by, review_note) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(&g.id)
                .bind(&g.account_id)
                .bind(&g.patient_id)
                .bind(&g.reason)
                .bind(crate::micros(g.granted_at))
                .bind(crate::micros(g.expires_at))
                .bind(g.reviewed_at.map(crate::micros))
                .bind(&g.reviewed_by)
                .bind(&g.review_note)
                .execute(&self.$writes)
                .await?;
                Ok(())
            }

            async fn active_break_glass(
                &self,
                account_id: &str,
                now: jiff::Timestamp,
            ) -> Result<Vec<crate::break_glass::BreakGlassRow>, crate::StoreError> {
                let rows = sqlx::query(concat!(
                    crate::break_glass::GRANT_SELECT!(),
                    " WHERE account_id = $1 AND expires_at > $2 ORDER BY granted_at, id"
                ))
                .bind(account_id)
                .bind(crate::micros(now))
                .fetch_all(&self.$reads)
                .await?;
                Ok(rows.iter().map(break_glass_row).collect::<Result<Vec<_>, sqlx::Error>>()?)
            }

            async fn break_glass_by_id(
                &self,
                id: &str,
            ) -> Result<Option<crate::break_glass::BreakGlassRow>, crate::StoreError> {
                let rows = sqlx::query(concat!(crate::break_glass::GRANT_SELECT!(), " WHERE id = $1"))
                    .bind(id)
                    .fetch_all(&self.$reads)
                    .await?;
                Ok(rows.iter().map(break_glass_row).collect::<Result<Vec<_>, sqlx::Error>>()?.pop())
            }

            async fn break_glass_for_review(
                &self,
                after: Option<&crate::break_glass::ReviewPosition>,
                limit: u32,
            ) -> Result<Vec<crate::break_glass::BreakGlassRow>, crate::StoreError> {
                // Unreviewed (0) before reviewed (1), then newest first; a page starts strictly
                // after the last position of the previous one.
                let rows = sqlx::query(concat!(
                    crate::break_glass::GRANT_SELECT!(),
                    " WHERE $1 IS NULL",
                    " OR (CASE WHEN reviewed_at IS NULL THEN 0 ELSE 1 END) > $1",
                    " OR ((CASE WHEN reviewed_at IS NULL THEN 0 ELSE 1 END) = $1",
                    " AND (granted_at < $2 OR (granted_at = $2 AND id < $3)))",
                    " ORDER BY (CASE WHEN reviewed_at IS NULL THEN 0 ELSE 1 END), granted_at DESC, id DESC",
                    " LIMIT $4"
                ))
                .bind(after.map(|p| i64::from(p.reviewed)))
                .bind(after.map(|p| crate::micros(p.granted_at)))
                .bind(after.map(|p| p.id.clone()))
                .bind(i64::from(limit))
                .fetch_all(&self.$reads)
                .await?;
                Ok(rows.iter().map(break_glass_row).collect::<Result<Vec<_>, sqlx::Error>>()?)
            }

            async fn mark_break_glass_reviewed(
                &self,
                id: &str,
                by: &str,
                at: jiff::Timestamp,
                note: &str,
            ) -> Result<bool, crate::StoreError> {
                let done = sqlx::query(
                    "UPDATE break_glass_grants SET reviewed_at = $1, reviewed_by = $2, review_note = $3 \
                     WHERE id = $4 AND reviewed_at IS NULL",
                )
                .bind(crate::micros(at))
                .bind(by)
                .bind(note)
                .bind(id)
                .execute(&self.$writes)
                .await?;
                Ok(done.rows_affected() == 1)
            }
        }

        fn break_glass_row(
            r: &<$db as sqlx::Database>::Row,
        ) -> Result<crate::break_glass::BreakGlassRow, sqlx::Error> {
            use sqlx::Row;
            Ok(crate::break_glass::BreakGlassRow {
                id: r.try_get(0)?,
                account_id: r.try_get(1)?,
                patient_id: r.try_get(2)?,
                reason: r.try_get(3)?,
                granted_at: crate::from_micros(r.try_get(4)?),
                expires_at: crate::from_micros(r.try_get(5)?),
                reviewed_at: r.try_get::<Option<i64>, _>(6)?.map(crate::from_micros),
                reviewed_by: r.try_get(7)?,
                review_note: r.try_get(8)?,
            })
        }
    };
}
pub(crate) use break_glass_impl;

/// The columns [`break_glass_impl!`]'s row reader expects, in order.
macro_rules! GRANT_SELECT {
    () => {
        "SELECT id, account_id, patient_id, reason, granted_at, expires_at, reviewed_at, reviewed_by, \
         review_note FROM break_glass_grants"
    };
}
pub(crate) use GRANT_SELECT;
