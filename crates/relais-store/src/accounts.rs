//! Accounts: the people who sign in, and the roles they hold (migration 0004), the caregiver's
//! RelatedPerson and the chosen UI language (migration 0011). The store keeps
//! what the use-case layer hands it — an already hashed password, role codes — and decides
//! nothing: the roles are `relais_access::policy::Role` codes, turned back into roles by the
//! caller, so a code this version does not know is reported by the caller, not dropped here.
//!
//! An account and its roles are written in one transaction. A second account with the same email
//! is refused by the UNIQUE constraint (the insert fails, nothing is written) and reported as
//! [`StoreError::EmailTaken`]: no check before the insert, which two concurrent creations could
//! both pass. The statements are in `accounts_sql.rs`, one macro both engines expand.

use std::fmt;

use async_trait::async_trait;
use jiff::Timestamp;

use crate::StoreError;

/// Account storage: create, look up by email or id, list, and the changes an administrator
/// makes (disable, enable, second factor reset, roles) and a person makes (language).
#[async_trait]
pub trait Accounts: Send + Sync {
    /// Stores `account` and its roles in one transaction, its email lower-cased and trimmed
    /// ([`normalise_email`]). [`StoreError::EmailTaken`] if an account already has that email
    /// (whatever its case); then nothing is written.
    async fn create_account(&self, account: &NewAccount) -> Result<(), StoreError>;

    /// The account with this email, compared after [`normalise_email`] (any case, surrounding
    /// spaces ignored).
    async fn account_by_email(&self, email: &str) -> Result<Option<Account>, StoreError>;

    /// The account with this id.
    async fn account_by_id(&self, id: &str) -> Result<Option<Account>, StoreError>;

    /// Every account, disabled ones included, ordered by email.
    async fn list_accounts(&self) -> Result<Vec<Account>, StoreError>;

    /// Disables the account at `at` (`Some`) or enables it again (`None`). Disabling also
    /// revokes every open session of the account at `at`, in the same transaction: no request
    /// gets through on a session of a disabled account. `false` if there is no such account.
    async fn set_account_disabled(&self, id: &str, at: Option<Timestamp>) -> Result<bool, StoreError>;

    /// Removes the account's second factor (`totp_secret`, and an enrolment waiting for its
    /// first code) and revokes every open session of the account at `at`, in one transaction:
    /// the next sign-in must set up a second factor again. `false` if there is no such account.
    ///
    /// Takes `at` (the brief had only the id) because the sessions are revoked in the same
    /// transaction: a session that passed the old second factor must not outlive it.
    async fn clear_totp_secret(&self, id: &str, at: Timestamp) -> Result<bool, StoreError>;

    /// Sets the UI language the person chose (`None`: not chosen, the server's default applies).
    /// `false` if there is no such account.
    async fn set_account_locale(&self, id: &str, locale: Option<&str>) -> Result<bool, StoreError>;

    /// Replaces the account's roles with `roles`, in one transaction. `false` if there is no
    /// such account (nothing is written).
    async fn set_account_roles(&self, id: &str, roles: &[AccountRole]) -> Result<bool, StoreError>;
}

/// An email as stored and looked up: trimmed, lower-cased.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A role an account holds: a `Role` code (`nurse`, `specialist`) and, where it matters, the
/// specialty (`dermatology`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRole {
    pub role: String,
    pub specialty: Option<String>,
}

/// An account to create.
#[derive(Clone)]
pub struct NewAccount {
    /// A uuid v7, made by the caller.
    pub id: String,
    /// Stored normalised ([`normalise_email`]).
    pub email: String,
    pub display_name: String,
    /// An Argon2id PHC string (`relais_access::password::hash`), never the password.
    pub password_hash: String,
    pub organisation: Option<String>,
    /// The FHIR Practitioner of a staff member.
    pub practitioner_id: Option<String>,
    /// The FHIR Patient of a patient account.
    pub patient_id: Option<String>,
    /// The FHIR RelatedPerson of a caregiver account.
    pub related_person_id: Option<String>,
    /// The UI language chosen (`fr`, `en`); `None` until the person chooses.
    pub locale: Option<String>,
    /// Each role once.
    pub roles: Vec<AccountRole>,
    pub created_at: Timestamp,
}

/// A stored account.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    /// Lower-cased and trimmed.
    pub email: String,
    pub display_name: String,
    /// The Argon2id PHC string.
    pub password_hash: String,
    /// The TOTP secret, once the second factor is set up (nothing sets it yet).
    pub totp_secret: Option<String>,
    pub organisation: Option<String>,
    pub practitioner_id: Option<String>,
    pub patient_id: Option<String>,
    /// The FHIR RelatedPerson of a caregiver account.
    pub related_person_id: Option<String>,
    /// The UI language chosen (`fr`, `en`); `None` until the person chooses.
    pub locale: Option<String>,
    /// Ordered by role code.
    pub roles: Vec<AccountRole>,
    pub created_at: Timestamp,
    /// Set when the account may no longer sign in.
    pub disabled_at: Option<Timestamp>,
}

/// Shown instead of a secret in `Debug` output (logs, panics, test failures).
const REDACTED: &str = "<redacted>";

impl fmt::Debug for NewAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewAccount")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("display_name", &self.display_name)
            .field("password_hash", &REDACTED)
            .field("organisation", &self.organisation)
            .field("practitioner_id", &self.practitioner_id)
            .field("patient_id", &self.patient_id)
            .field("related_person_id", &self.related_person_id)
            .field("locale", &self.locale)
            .field("roles", &self.roles)
            .field("created_at", &self.created_at)
            .finish()
    }
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("display_name", &self.display_name)
            .field("password_hash", &REDACTED)
            .field("totp_secret", &self.totp_secret.as_ref().map(|_| REDACTED))
            .field("organisation", &self.organisation)
            .field("practitioner_id", &self.practitioner_id)
            .field("patient_id", &self.patient_id)
            .field("related_person_id", &self.related_person_id)
            .field("locale", &self.locale)
            .field("roles", &self.roles)
            .field("created_at", &self.created_at)
            .field("disabled_at", &self.disabled_at)
            .finish()
    }
}

/// Whether `e` is the accounts email UNIQUE constraint refusing an insert (and not, say, an id
/// collision, which stays a [`StoreError::Conflict`]). PostgreSQL names the constraint; SQLite
/// names the column in its message.
pub(crate) fn is_email_taken(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            db.constraint() == Some("accounts_email_key") || db.message().contains("accounts.email")
        }
        _ => false,
    }
}

/// One row of the accounts ⟕ account_roles join, in [`account_select!`] column order (read by
/// `accounts_sql::accounts_impl!`).
pub(crate) struct RawRow {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub totp_secret: Option<String>,
    pub organisation: Option<String>,
    pub practitioner_id: Option<String>,
    pub patient_id: Option<String>,
    pub related_person_id: Option<String>,
    pub locale: Option<String>,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
    pub role: Option<String>,
    pub specialty: Option<String>,
}

/// Folds join rows, ordered by account then role, into accounts with their roles.
pub(crate) fn fold(rows: Vec<RawRow>) -> Vec<Account> {
    let mut out: Vec<Account> = Vec::new();
    for row in rows {
        let role = row.role.map(|role| AccountRole { role, specialty: row.specialty });
        match out.last_mut() {
            Some(last) if last.id == row.id => last.roles.extend(role),
            _ => out.push(Account {
                id: row.id,
                email: row.email,
                display_name: row.display_name,
                password_hash: row.password_hash,
                totp_secret: row.totp_secret,
                organisation: row.organisation,
                practitioner_id: row.practitioner_id,
                patient_id: row.patient_id,
                related_person_id: row.related_person_id,
                locale: row.locale,
                roles: role.into_iter().collect(),
                created_at: crate::from_micros(row.created_at),
                disabled_at: row.disabled_at.map(crate::from_micros),
            }),
        }
    }
    out
}

/// `SELECT` of accounts with their roles (one row per role, or one with NULL role for an account
/// without any), followed by the given `WHERE` clause; ordered by email, then role code.
macro_rules! account_select {
    ($where:literal) => {
        concat!(
            "SELECT a.id, a.email, a.display_name, a.password_hash, a.totp_secret, a.organisation, \
             a.practitioner_id, a.patient_id, a.related_person_id, a.locale, a.created_at, \
             a.disabled_at, r.role, r.specialty \
             FROM accounts a LEFT JOIN account_roles r ON r.account_id = a.id ",
            $where,
            " ORDER BY a.email, a.id, r.role"
        )
    };
}
pub(crate) use account_select;

#[cfg(test)]
mod tests {
    use super::*;

    fn account() -> Account {
        Account {
            id: "0190-a".into(),
            email: "nurse@example.org".into(),
            display_name: "Nurse".into(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$SECRETSALT$SECRETHASH".into(),
            totp_secret: Some("TOTPSECRETBASE32".into()),
            organisation: None,
            practitioner_id: None,
            patient_id: None,
            related_person_id: None,
            locale: None,
            roles: vec![AccountRole { role: "nurse".into(), specialty: None }],
            created_at: Timestamp::UNIX_EPOCH,
            disabled_at: None,
        }
    }

    #[test]
    fn debug_never_shows_the_password_hash_or_totp_secret() {
        let a = account();
        let new = NewAccount {
            id: a.id.clone(),
            email: a.email.clone(),
            display_name: a.display_name.clone(),
            password_hash: a.password_hash.clone(),
            organisation: None,
            practitioner_id: None,
            patient_id: None,
            related_person_id: None,
            locale: None,
            roles: a.roles.clone(),
            created_at: a.created_at,
        };
        for shown in [format!("{a:?}"), format!("{a:#?}"), format!("{new:?}")] {
            assert!(shown.contains("nurse@example.org"), "{shown}");
            for secret in ["SECRETSALT", "SECRETHASH", "argon2id", "TOTPSECRET"] {
                assert!(!shown.contains(secret), "{secret} shown: {shown}");
            }
        }
    }

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(normalise_email("  Marie.Tremblay@CHUM.QC.CA \n"), "marie.tremblay@chum.qc.ca");
    }
}
