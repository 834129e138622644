//! OAuth2 clients of the FHIR API (migration 0006): register, look up, list, disable. The store
//! keeps a hash of the secret and the scope text the caller hands it; checking a presented secret
//! and narrowing scopes are the use-case layer's.

use std::fmt;

use async_trait::async_trait;
use jiff::Timestamp;

use crate::StoreError;

/// Client storage.
#[async_trait]
pub trait ApiClients: Send + Sync {
    /// Stores a new client; [`StoreError::Conflict`] if the id is taken.
    async fn create_client(&self, client: &ApiClient) -> Result<(), StoreError>;

    /// The client with this id, disabled or not.
    async fn client_by_id(&self, id: &str) -> Result<Option<ApiClient>, StoreError>;

    /// Every client, ordered by id.
    async fn list_clients(&self) -> Result<Vec<ApiClient>, StoreError>;

    /// Marks the client disabled at `at` (it gets no new token); `false` if there is no such
    /// active client.
    async fn disable_client(&self, id: &str, at: Timestamp) -> Result<bool, StoreError>;
}

/// A registered client.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiClient {
    pub id: String,
    /// Shown to operators (`Passerelle MQTT, 4e étage`).
    pub name: String,
    /// SHA-256 hex of the secret (`relais_access::token::token_hash`), never the secret.
    pub secret_hash: String,
    /// The SMART scopes it may ask for, space separated.
    pub scopes: String,
    /// The account it acts for; `None` for a system client.
    pub account_id: Option<String>,
    pub created_at: Timestamp,
    pub disabled_at: Option<Timestamp>,
}

impl fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiClient")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("secret_hash", &"<redacted>")
            .field("scopes", &self.scopes)
            .field("account_id", &self.account_id)
            .field("created_at", &self.created_at)
            .field("disabled_at", &self.disabled_at)
            .finish()
    }
}

/// `clients_impl!(Store, Db, writes, reads)` implements [`ApiClients`] for one engine's
/// store, writing through the pool field `writes` and reading through `reads`. The statements
/// are the same on both engines.
macro_rules! clients_impl {
    ($store:ty, $db:ty, $writes:ident, $reads:ident) => {
        #[async_trait::async_trait]
        impl crate::clients::ApiClients for $store {
            async fn create_client(&self, client: &crate::clients::ApiClient) -> Result<(), crate::StoreError> {
                sqlx::query(
                    "INSERT INTO api_clients (id, name, secret_hash, scopes, account_id, created_at, disabled_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&client.id)
                .bind(&client.name)
                .bind(&client.secret_hash)
                .bind(&client.scopes)
                .bind(&client.account_id)
                .bind(crate::micros(client.created_at))
                .bind(client.disabled_at.map(crate::micros))
                .execute(&self.$writes)
                .await?;
                Ok(())
            }

            async fn client_by_id(&self, id: &str) -> Result<Option<crate::clients::ApiClient>, crate::StoreError> {
                let rows = sqlx::query(concat!(crate::clients::CLIENT_SELECT!(), " WHERE id = $1"))
                    .bind(id)
                    .fetch_all(&self.$reads)
                    .await?;
                Ok(rows.iter().map(client_row).collect::<Result<Vec<_>, sqlx::Error>>()?.pop())
            }

            async fn list_clients(&self) -> Result<Vec<crate::clients::ApiClient>, crate::StoreError> {
                let rows = sqlx::query(concat!(crate::clients::CLIENT_SELECT!(), " ORDER BY id"))
                    .fetch_all(&self.$reads)
                    .await?;
                Ok(rows.iter().map(client_row).collect::<Result<Vec<_>, sqlx::Error>>()?)
            }

            async fn disable_client(&self, id: &str, at: jiff::Timestamp) -> Result<bool, crate::StoreError> {
                let done = sqlx::query(
                    "UPDATE api_clients SET disabled_at = $1 WHERE id = $2 AND disabled_at IS NULL",
                )
                .bind(crate::micros(at))
                .bind(id)
                .execute(&self.$writes)
                .await?;
                Ok(done.rows_affected() == 1)
            }
        }

        fn client_row(
            r: &<$db as sqlx::Database>::Row,
        ) -> Result<crate::clients::ApiClient, sqlx::Error> {
            use sqlx::Row;
            Ok(crate::clients::ApiClient {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
                secret_hash: r.try_get(2)?,
                scopes: r.try_get(3)?,
                account_id: r.try_get(4)?,
                created_at: crate::from_micros(r.try_get(5)?),
                disabled_at: r.try_get::<Option<i64>, _>(6)?.map(crate::from_micros),
            })
        }
    };
}
pub(crate) use clients_impl;

/// The columns [`clients_impl!`]'s row reader expects, in order.
macro_rules! CLIENT_SELECT {
    () => {
        "SELECT id, name, secret_hash, scopes, account_id, created_at, disabled_at FROM api_clients"
    };
}
pub(crate) use CLIENT_SELECT;
