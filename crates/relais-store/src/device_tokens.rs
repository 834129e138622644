//! Device tokens (migration 0015): issued for one FHIR Device, stored by the hash of the token,
//! read back by that hash or listed per device, and revoked. What a token lets the device do
//! (write readings for the patient it is assigned to) is decided in `relais_app::devices`.

use async_trait::async_trait;
use jiff::Timestamp;

use crate::StoreError;

/// Storage for device tokens.
#[async_trait]
pub trait DeviceTokens: Send + Sync {
    /// Stores a new token; [`StoreError::Conflict`] if the id or the hash is taken.
    async fn create_device_token(&self, token: &DeviceTokenRow) -> Result<(), StoreError>;

    /// The token whose text hashes to `token_hash`, revoked or not.
    async fn device_token_by_hash(&self, token_hash: &str) -> Result<Option<DeviceTokenRow>, StoreError>;

    /// Every token of `device_id`, oldest first.
    async fn device_tokens_of(&self, device_id: &str) -> Result<Vec<DeviceTokenRow>, StoreError>;

    /// Revokes the token `id` at `at`; `false` if there is no such working token.
    async fn revoke_device_token(&self, id: &str, at: Timestamp) -> Result<bool, StoreError>;
}

/// A stored device token (never the token itself).
#[derive(Clone, PartialEq, Eq)]
pub struct DeviceTokenRow {
    pub id: String,
    pub device_id: String,
    /// SHA-256 hex of the token (`relais_access::token::Token::hash`).
    pub token_hash: String,
    /// What staff call the device ("balance, salon").
    pub label: String,
    /// The account that issued it, or `cli`.
    pub created_by: String,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

impl std::fmt::Debug for DeviceTokenRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceTokenRow")
            .field("id", &self.id)
            .field("device_id", &self.device_id)
            .field("token_hash", &"<redacted>")
            .field("label", &self.label)
            .field("created_at", &self.created_at)
            .field("revoked_at", &self.revoked_at)
            .finish_non_exhaustive()
    }
}

/// The columns every read answers, in `device_token_row`'s order.
macro_rules! DEVICE_TOKEN_SELECT {
    () => {
        "SELECT id, device_id, token_hash, label, created_by, created_at, revoked_at FROM device_tokens"
    };
}
pub(crate) use DEVICE_TOKEN_SELECT;

/// `device_tokens_impl!(Store, Db, writes, reads)` implements [`DeviceTokens`] for one engine's
/// store with the same statements on both engines.
macro_rules! device_tokens_impl {
    ($store:ty, $db:ty, $writes:ident, $reads:ident) => {
        #[async_trait::async_trait]
        impl crate::device_tokens::DeviceTokens for $store {
            async fn create_device_token(
                &self,
                t: &crate::device_tokens::DeviceTokenRow,
            ) -> Result<(), crate::StoreError> {
                sqlx::query(
                    "INSERT INTO device_tokens (id, device_id, token_hash, label, created_by, created_at, revoked_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&t.id)
                .bind(&t.device_id)
                .bind(&t.token_hash)
                .bind(&t.label)
                .bind(&t.created_by)
                .bind(crate::micros(t.created_at))
                .bind(t.revoked_at.map(crate::micros))
                .execute(&self.$writes)
                .await?;
                Ok(())
            }

            async fn device_token_by_hash(
                &self,
                token_hash: &str,
            ) -> Result<Option<crate::device_tokens::DeviceTokenRow>, crate::StoreError> {
                let row = sqlx::query(concat!(crate::device_tokens::DEVICE_TOKEN_SELECT!(), " WHERE token_hash = $1"))
                    .bind(token_hash)
                    .fetch_optional(&self.$reads)
                    .await?;
                Ok(row.as_ref().map(device_token_row).transpose()?)
            }

            async fn device_tokens_of(
                &self,
                device_id: &str,
            ) -> Result<Vec<crate::device_tokens::DeviceTokenRow>, crate::StoreError> {
                let rows = sqlx::query(concat!(
                    crate::device_tokens::DEVICE_TOKEN_SELECT!(),
                    " WHERE device_id = $1 ORDER BY created_at, id"
                ))
                .bind(device_id)
                .fetch_all(&self.$reads)
                .await?;
                Ok(rows.iter().map(device_token_row).collect::<Result<Vec<_>, sqlx::Error>>()?)
            }

            async fn revoke_device_token(&self, id: &str, at: jiff::Timestamp) -> Result<bool, crate::StoreError> {
                let done = sqlx::query("UPDATE device_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                    .bind(crate::micros(at))
                    .bind(id)
                    .execute(&self.$writes)
                    .await?;
                Ok(done.rows_affected() == 1)
            }
        }

        fn device_token_row(
            r: &<$db as sqlx::Database>::Row,
        ) -> Result<crate::device_tokens::DeviceTokenRow, sqlx::Error> {
            use sqlx::Row;
            Ok(crate::device_tokens::DeviceTokenRow {
                id: r.try_get(0)?,
                device_id: r.try_get(1)?,
                token_hash: r.try_get(2)?,
                label: r.try_get(3)?,
                created_by: r.try_get(4)?,
                created_at: crate::from_micros(r.try_get(5)?),
                revoked_at: r.try_get::<Option<i64>, _>(6)?.map(crate::from_micros),
            })
        }
    };
}
pub(crate) use device_tokens_impl;
