//! The statements of [`crate::Sessions`], the same on both engines (SQLite 3.35+ and PostgreSQL
//! both have `ON CONFLICT … DO UPDATE … WHERE` and `RETURNING`); each engine's module expands
//! [`sessions_impl!`] with its own pools.

/// `sessions_impl!(Store, Db, |s| write = …, read = …, begin = …)` implements
/// [`crate::Sessions`] for `Store`: `write` is the executor for single writing statements,
/// `read` the one for reads, `begin` starts a write transaction.
macro_rules! sessions_impl {
    ($store:ty, $db:ty, |$s:ident| write = $write:expr, read = $read:expr, begin = $begin:expr) => {
        #[async_trait::async_trait]
        impl crate::sessions::Sessions for $store {
            async fn create_session(
                &self,
                session: &crate::sessions::NewSession,
            ) -> Result<(), crate::StoreError> {
                let $s = self;
                sqlx::query(
                    "INSERT INTO sessions (token_hash, account_id, stage, created_at, last_seen_at, \
                     expires_at) VALUES ($1, $2, $3, $4, $4, $5)",
                )
                .bind(&session.token_hash)
                .bind(&session.account_id)
                .bind(&session.stage)
                .bind(crate::micros(session.created_at))
                .bind(crate::micros(session.expires_at))
                .execute($write)
                .await?;
                Ok(())
            }

            async fn session(
                &self,
                token_hash: &str,
            ) -> Result<Option<crate::sessions::SessionRow>, crate::StoreError> {
                use sqlx::Row;
                let $s = self;
                let row = sqlx::query(
                    "SELECT token_hash, account_id, stage, created_at, last_seen_at, expires_at, \
                     revoked_at FROM sessions WHERE token_hash = $1",
                )
                .bind(token_hash)
                .fetch_optional($read)
                .await?;
                let Some(r) = row else { return Ok(None) };
                Ok(Some(crate::sessions::SessionRow {
                    token_hash: r.try_get(0)?,
                    account_id: r.try_get(1)?,
                    stage: r.try_get(2)?,
                    created_at: crate::from_micros(r.try_get(3)?),
                    last_seen_at: crate::from_micros(r.try_get(4)?),
                    expires_at: crate::from_micros(r.try_get(5)?),
                    revoked_at: r.try_get::<Option<i64>, _>(6)?.map(crate::from_micros),
                }))
            }

            async fn touch_session(&self, token_hash: &str, at: jiff::Timestamp) -> Result<(), crate::StoreError> {
                let $s = self;
                // Never backwards: two requests may finish out of order.
                sqlx::query(
                    "UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1 AND last_seen_at < $2",
                )
                .bind(token_hash)
                .bind(crate::micros(at))
                .execute($write)
                .await?;
                Ok(())
            }

            async fn revoke_session(&self, token_hash: &str, at: jiff::Timestamp) -> Result<bool, crate::StoreError> {
                let $s = self;
                let done = sqlx::query(
                    "UPDATE sessions SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL",
                )
                .bind(token_hash)
                .bind(crate::micros(at))
                .execute($write)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn revoke_sessions_of(
                &self,
                account_id: &str,
                at: jiff::Timestamp,
            ) -> Result<u64, crate::StoreError> {
                let $s = self;
                let done = sqlx::query(
                    "UPDATE sessions SET revoked_at = $2 WHERE account_id = $1 AND revoked_at IS NULL",
                )
                .bind(account_id)
                .bind(crate::micros(at))
                .execute($write)
                .await?;
                Ok(done.rows_affected())
            }

            async fn security(
                &self,
                account_id: &str,
            ) -> Result<crate::sessions::AccountSecurity, crate::StoreError> {
                use sqlx::Row;
                let $s = self;
                let row = sqlx::query(
                    "SELECT failed_attempts, locked_until, totp_pending, totp_last_step \
                     FROM account_security WHERE account_id = $1",
                )
                .bind(account_id)
                .fetch_optional($read)
                .await?;
                let Some(r) = row else { return Ok(crate::sessions::AccountSecurity::default()) };
                Ok(crate::sessions::AccountSecurity {
                    failed_attempts: u32::try_from(r.try_get::<i64, _>(0)?).unwrap_or(u32::MAX),
                    locked_until: r.try_get::<Option<i64>, _>(1)?.map(crate::from_micros),
                    totp_pending: r.try_get(2)?,
                    totp_last_step: r.try_get::<Option<i64>, _>(3)?.map(crate::sessions::unsigned),
                })
            }

            async fn record_sign_in_failure(
                &self,
                account_id: &str,
                at: jiff::Timestamp,
                lock_after: u32,
                lock_for: jiff::SignedDuration,
            ) -> Result<crate::sessions::FailureRecorded, crate::StoreError> {
                let $s = self;
                let mut tx = $begin.await?;
                // The increment happens in the database, so concurrent failures are all counted.
                let (count,): (i64,) = sqlx::query_as(
                    "INSERT INTO account_security (account_id, failed_attempts, last_failed_at) \
                     VALUES ($1, 1, $2) ON CONFLICT (account_id) DO UPDATE SET \
                     failed_attempts = account_security.failed_attempts + 1, last_failed_at = $2 \
                     RETURNING failed_attempts",
                )
                .bind(account_id)
                .bind(crate::micros(at))
                .fetch_one(&mut *tx)
                .await?;
                let mut recorded = crate::sessions::FailureRecorded {
                    failed_attempts: u32::try_from(count).unwrap_or(u32::MAX),
                    locked_until: None,
                };
                if recorded.failed_attempts >= lock_after.max(1) {
                    let until = at.checked_add(lock_for).unwrap_or(at);
                    sqlx::query(
                        "UPDATE account_security SET failed_attempts = 0, locked_until = $2 \
                         WHERE account_id = $1",
                    )
                    .bind(account_id)
                    .bind(crate::micros(until))
                    .execute(&mut *tx)
                    .await?;
                    recorded = crate::sessions::FailureRecorded { failed_attempts: 0, locked_until: Some(until) };
                }
                tx.commit().await?;
                Ok(recorded)
            }

            async fn clear_sign_in_failures(&self, account_id: &str) -> Result<(), crate::StoreError> {
                let $s = self;
                sqlx::query(
                    "UPDATE account_security SET failed_attempts = 0, locked_until = NULL \
                     WHERE account_id = $1 AND (failed_attempts <> 0 OR locked_until IS NOT NULL)",
                )
                .bind(account_id)
                .execute($write)
                .await?;
                Ok(())
            }

            async fn set_password_hash(&self, account_id: &str, password_hash: &str) -> Result<(), crate::StoreError> {
                let $s = self;
                sqlx::query("UPDATE accounts SET password_hash = $2 WHERE id = $1")
                    .bind(account_id)
                    .bind(password_hash)
                    .execute($write)
                    .await?;
                Ok(())
            }

            async fn set_totp_pending(&self, account_id: &str, sealed: Option<&str>) -> Result<(), crate::StoreError> {
                let $s = self;
                sqlx::query(
                    "INSERT INTO account_security (account_id, totp_pending) VALUES ($1, $2) \
                     ON CONFLICT (account_id) DO UPDATE SET totp_pending = $2",
                )
                .bind(account_id)
                .bind(sealed)
                .execute($write)
                .await?;
                Ok(())
            }

            async fn confirm_totp(&self, account_id: &str, sealed: &str, step: u64) -> Result<(), crate::StoreError> {
                let $s = self;
                let step = crate::sessions::stored_u64(step)?;
                let mut tx = $begin.await?;
                sqlx::query("UPDATE accounts SET totp_secret = $2 WHERE id = $1")
                    .bind(account_id)
                    .bind(sealed)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO account_security (account_id, totp_last_step) VALUES ($1, $2) \
                     ON CONFLICT (account_id) DO UPDATE SET totp_pending = NULL, totp_last_step = $2",
                )
                .bind(account_id)
                .bind(step)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn accept_totp_step(&self, account_id: &str, step: u64) -> Result<bool, crate::StoreError> {
                let $s = self;
                let step = crate::sessions::stored_u64(step)?;
                // One conditional statement: of two requests with the same code, one updates the
                // row and the other finds the step already taken.
                let done = sqlx::query(
                    "INSERT INTO account_security (account_id, totp_last_step) VALUES ($1, $2) \
                     ON CONFLICT (account_id) DO UPDATE SET totp_last_step = $2 \
                     WHERE account_security.totp_last_step IS NULL OR account_security.totp_last_step < $2",
                )
                .bind(account_id)
                .bind(step)
                .execute($write)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn create_password_reset(
                &self,
                reset: &crate::sessions::NewPasswordReset,
                email: &crate::sessions::NewEmail,
            ) -> Result<(), crate::StoreError> {
                let $s = self;
                let mut tx = $begin.await?;
                sqlx::query(
                    "INSERT INTO password_resets (token_hash, account_id, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(&reset.token_hash)
                .bind(&reset.account_id)
                .bind(crate::micros(reset.created_at))
                .bind(crate::micros(reset.expires_at))
                .execute(&mut *tx)
                .await?;
                insert_email(&mut tx, email).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn complete_password_reset(
                &self,
                token_hash: &str,
                at: jiff::Timestamp,
                password_hash: &str,
            ) -> Result<Option<String>, crate::StoreError> {
                let $s = self;
                let at = crate::micros(at);
                let mut tx = $begin.await?;
                let account: Option<(String,)> = sqlx::query_as(
                    "UPDATE password_resets SET used_at = $2 \
                     WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING account_id",
                )
                .bind(token_hash)
                .bind(at)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((account_id,)) = account else { return Ok(None) };
                sqlx::query("UPDATE accounts SET password_hash = $2 WHERE id = $1")
                    .bind(&account_id)
                    .bind(password_hash)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE sessions SET revoked_at = $2 WHERE account_id = $1 AND revoked_at IS NULL")
                    .bind(&account_id)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "UPDATE account_security SET failed_attempts = 0, locked_until = NULL WHERE account_id = $1",
                )
                .bind(&account_id)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(Some(account_id))
            }

            async fn enqueue_email(&self, email: &crate::sessions::NewEmail) -> Result<(), crate::StoreError> {
                let $s = self;
                let mut tx = $begin.await?;
                insert_email(&mut tx, email).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn claim_due_emails(
                &self,
                at: jiff::Timestamp,
                lease_until: jiff::Timestamp,
                limit: u32,
            ) -> Result<Vec<crate::sessions::OutboxEmail>, crate::StoreError> {
                let $s = self;
                // The outer `next_attempt_at <= $1` is checked again on the locked row
                // (PostgreSQL), so of two senders racing for a row only one claims it.
                let rows = sqlx::query(
                    "UPDATE email_outbox SET attempts = attempts + 1, next_attempt_at = $2 \
                     WHERE sent_at IS NULL AND next_attempt_at <= $1 AND id IN (SELECT id FROM email_outbox \
                     WHERE sent_at IS NULL AND next_attempt_at <= $1 ORDER BY id LIMIT $3) \
                     RETURNING id, recipient, subject, body_sealed, created_at, attempts, next_attempt_at, \
                     sent_at, last_error, attachment_sealed, topic",
                )
                .bind(crate::micros(at))
                .bind(crate::micros(lease_until))
                .bind(i64::from(limit))
                .fetch_all($write)
                .await?;
                let mut emails = rows.iter().map(outbox_row).collect::<Result<Vec<_>, sqlx::Error>>()?;
                emails.sort_by(|a, b| a.id.cmp(&b.id));
                Ok(emails)
            }

            async fn email_sent(&self, id: &str, at: jiff::Timestamp) -> Result<(), crate::StoreError> {
                let $s = self;
                sqlx::query("UPDATE email_outbox SET sent_at = $2, body_sealed = NULL, attachment_sealed = NULL, last_error = NULL WHERE id = $1")
                    .bind(id)
                    .bind(crate::micros(at))
                    .execute($write)
                    .await?;
                Ok(())
            }

            async fn email_failed(
                &self,
                id: &str,
                error: &str,
                retry_at: Option<jiff::Timestamp>,
            ) -> Result<(), crate::StoreError> {
                let $s = self;
                sqlx::query("UPDATE email_outbox SET last_error = $2, next_attempt_at = $3 WHERE id = $1")
                    .bind(id)
                    .bind(error)
                    // Giving up: a next attempt no claim ever reaches.
                    .bind(crate::micros(retry_at.unwrap_or(jiff::Timestamp::MAX)))
                    .execute($write)
                    .await?;
                Ok(())
            }

            async fn outbox(&self) -> Result<Vec<crate::sessions::OutboxEmail>, crate::StoreError> {
                let $s = self;
                let rows = sqlx::query(
                    "SELECT id, recipient, subject, body_sealed, created_at, attempts, next_attempt_at, \
                     sent_at, last_error, attachment_sealed, topic FROM email_outbox ORDER BY id",
                )
                .fetch_all($read)
                .await?;
                Ok(rows.iter().map(outbox_row).collect::<Result<Vec<_>, sqlx::Error>>()?)
            }
        }

        /// Inserts an email on `conn`, inside the caller's transaction.
        async fn insert_email(
            conn: &mut <$db as sqlx::Database>::Connection,
            email: &crate::sessions::NewEmail,
        ) -> Result<(), crate::StoreError> {
            let at = crate::micros(email.created_at);
            sqlx::query(
                "INSERT INTO email_outbox (id, recipient, subject, body_sealed, created_at, next_attempt_at, \
                 attachment_sealed, topic) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&email.id)
            .bind(&email.recipient)
            .bind(&email.subject)
            .bind(&email.body_sealed)
            .bind(at)
            .bind(email.due_at.map_or(at, crate::micros))
            .bind(&email.attachment_sealed)
            .bind(&email.topic)
            .execute(&mut *conn)
            .await?;
            Ok(())
        }

        /// Withdraws the unsent email about `topic` on `conn`, inside the caller's transaction.
        async fn withdraw_emails(
            conn: &mut <$db as sqlx::Database>::Connection,
            topic: &str,
        ) -> Result<u64, crate::StoreError> {
            let done = sqlx::query("DELETE FROM email_outbox WHERE topic = $1 AND sent_at IS NULL")
                .bind(topic)
                .execute(&mut *conn)
                .await?;
            Ok(done.rows_affected())
        }

        fn outbox_row(r: &<$db as sqlx::Database>::Row) -> Result<crate::sessions::OutboxEmail, sqlx::Error> {
            use sqlx::Row;
            Ok(crate::sessions::OutboxEmail {
                id: r.try_get(0)?,
                recipient: r.try_get(1)?,
                subject: r.try_get(2)?,
                body_sealed: r.try_get(3)?,
                created_at: crate::from_micros(r.try_get(4)?),
                attempts: u32::try_from(r.try_get::<i64, _>(5)?).unwrap_or(u32::MAX),
                next_attempt_at: crate::from_micros(r.try_get(6)?),
                sent_at: r.try_get::<Option<i64>, _>(7)?.map(crate::from_micros),
                last_error: r.try_get(8)?,
                attachment_sealed: r.try_get(9)?,
                topic: r.try_get(10)?,
            })
        }
    };
}
pub(crate) use sessions_impl;
