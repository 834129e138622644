//! The statements of [`crate::Accounts`], the same on both engines; each engine's module expands
//! [`accounts_impl!`] with its own pools (SQLite: the single writer and the readers; PostgreSQL:
//! its one pool), as [`crate::sessions_sql`] does for sessions.

/// `accounts_impl!(Store, Db, |s| write = …, read = …, begin = …)` implements
/// [`crate::Accounts`] for `Store`: `write` is the executor for single writing statements,
/// `read` the one for reads, `begin` starts a write transaction.
macro_rules! accounts_impl {
    ($store:ty, $db:ty, |$s:ident| write = $write:expr, read = $read:expr, begin = $begin:expr) => {
        #[async_trait::async_trait]
        impl crate::accounts::Accounts for $store {
            async fn create_account(&self, account: &crate::accounts::NewAccount) -> Result<(), crate::StoreError> {
                let $s = self;
                let mut tx = $begin.await?;
                sqlx::query(
                    "INSERT INTO accounts (id, email, display_name, password_hash, organisation, \
                     practitioner_id, patient_id, related_person_id, locale, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(&account.id)
                .bind(crate::accounts::normalise_email(&account.email))
                .bind(&account.display_name)
                .bind(&account.password_hash)
                .bind(&account.organisation)
                .bind(&account.practitioner_id)
                .bind(&account.patient_id)
                .bind(&account.related_person_id)
                .bind(&account.locale)
                .bind(crate::micros(account.created_at))
                .execute(&mut *tx)
                .await
                .map_err(|e| {
                    if crate::accounts::is_email_taken(&e) {
                        crate::StoreError::EmailTaken
                    } else {
                        crate::StoreError::from(e)
                    }
                })?;
                insert_roles(&mut tx, &account.id, &account.roles).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn account_by_email(
                &self,
                email: &str,
            ) -> Result<Option<crate::accounts::Account>, crate::StoreError> {
                let $s = self;
                let email = crate::accounts::normalise_email(email);
                let sql = crate::accounts::account_select!("WHERE a.email = $1");
                Ok(read_accounts($read, sql, Some(&email)).await?.pop())
            }

            async fn account_by_id(&self, id: &str) -> Result<Option<crate::accounts::Account>, crate::StoreError> {
                let $s = self;
                let sql = crate::accounts::account_select!("WHERE a.id = $1");
                Ok(read_accounts($read, sql, Some(id)).await?.pop())
            }

            async fn list_accounts(&self) -> Result<Vec<crate::accounts::Account>, crate::StoreError> {
                let $s = self;
                read_accounts($read, crate::accounts::account_select!(""), None).await
            }

            async fn set_account_disabled(
                &self,
                id: &str,
                at: Option<jiff::Timestamp>,
            ) -> Result<bool, crate::StoreError> {
                let $s = self;
                let mut tx = $begin.await?;
                let done = sqlx::query("UPDATE accounts SET disabled_at = $2 WHERE id = $1")
                    .bind(id)
                    .bind(at.map(crate::micros))
                    .execute(&mut *tx)
                    .await?;
                if let Some(at) = at {
                    revoke_sessions(&mut tx, id, at).await?;
                }
                tx.commit().await?;
                Ok(done.rows_affected() == 1)
            }

            async fn clear_totp_secret(&self, id: &str, at: jiff::Timestamp) -> Result<bool, crate::StoreError> {
                let $s = self;
                let mut tx = $begin.await?;
                let done = sqlx::query("UPDATE accounts SET totp_secret = NULL WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                // The replay guard goes too: a new secret starts its steps afresh.
                sqlx::query(
                    "UPDATE account_security SET totp_pending = NULL, totp_last_step = NULL WHERE account_id = $1",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
                revoke_sessions(&mut tx, id, at).await?;
                tx.commit().await?;
                Ok(done.rows_affected() == 1)
            }

            async fn set_account_locale(&self, id: &str, locale: Option<&str>) -> Result<bool, crate::StoreError> {
                let $s = self;
                let done = sqlx::query("UPDATE accounts SET locale = $2 WHERE id = $1")
                    .bind(id)
                    .bind(locale)
                    .execute($write)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn set_account_roles(
                &self,
                id: &str,
                roles: &[crate::accounts::AccountRole],
            ) -> Result<bool, crate::StoreError> {
                let $s = self;
                let mut tx = $begin.await?;
                // Touching the row first takes its lock (PostgreSQL), so two concurrent role
                // changes of one account apply one after the other, not interleaved.
                let found = sqlx::query("UPDATE accounts SET id = id WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                if found.rows_affected() != 1 {
                    return Ok(false);
                }
                sqlx::query("DELETE FROM account_roles WHERE account_id = $1").bind(id).execute(&mut *tx).await?;
                insert_roles(&mut tx, id, roles).await?;
                tx.commit().await?;
                Ok(true)
            }
        }

        /// Inserts `roles` of account `id` on `conn`, inside the caller's transaction.
        async fn insert_roles(
            conn: &mut <$db as sqlx::Database>::Connection,
            id: &str,
            roles: &[crate::accounts::AccountRole],
        ) -> Result<(), crate::StoreError> {
            for role in roles {
                sqlx::query("INSERT INTO account_roles (account_id, role, specialty) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(&role.role)
                    .bind(&role.specialty)
                    .execute(&mut *conn)
                    .await?;
            }
            Ok(())
        }

        /// Revokes every open session of account `id` at `at`, inside the caller's transaction.
        async fn revoke_sessions(
            conn: &mut <$db as sqlx::Database>::Connection,
            id: &str,
            at: jiff::Timestamp,
        ) -> Result<(), crate::StoreError> {
            sqlx::query("UPDATE sessions SET revoked_at = $2 WHERE account_id = $1 AND revoked_at IS NULL")
                .bind(id)
                .bind(crate::micros(at))
                .execute(&mut *conn)
                .await?;
            Ok(())
        }

        /// Runs one [`crate::accounts::account_select!`] statement, binding `key` if given.
        async fn read_accounts<'e>(
            executor: impl sqlx::Executor<'e, Database = $db>,
            sql: &'static str,
            key: Option<&str>,
        ) -> Result<Vec<crate::accounts::Account>, crate::StoreError> {
            use sqlx::Row;
            let mut query = sqlx::query(sql);
            if let Some(key) = key {
                query = query.bind(key.to_owned());
            }
            let rows = query.fetch_all(executor).await?;
            let raw = rows
                .iter()
                .map(|r| {
                    Ok(crate::accounts::RawRow {
                        id: r.try_get(0)?,
                        email: r.try_get(1)?,
                        display_name: r.try_get(2)?,
                        password_hash: r.try_get(3)?,
                        totp_secret: r.try_get(4)?,
                        organisation: r.try_get(5)?,
                        practitioner_id: r.try_get(6)?,
                        patient_id: r.try_get(7)?,
                        related_person_id: r.try_get(8)?,
                        locale: r.try_get(9)?,
                        created_at: r.try_get(10)?,
                        disabled_at: r.try_get(11)?,
                        role: r.try_get(12)?,
                        specialty: r.try_get(13)?,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?;
            Ok(crate::accounts::fold(raw))
        }
    };
}
pub(crate) use accounts_impl;
