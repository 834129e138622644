//! Account administration (issue 4 "Identity"): creating accounts, listing them, disabling and
//! enabling them, resetting a second factor, changing roles — for the admin page and the
//! `relais admin` commands alike — and a person choosing their own UI language.
//!
//! Decided here, not in a handler or the CLI:
//! - the actor must be an active administrator (policy: administrators manage accounts but see
//!   no clinical data — nothing here reads or returns any); anyone else is refused with
//!   `not-administrator`. The operator at the command line is [`Actor::Operator`]: whoever can
//!   run `relais admin` on the server already holds the database, and it is how the very first
//!   administrator is created, before anyone can sign in;
//! - an administrator cannot disable themself or remove their own administrator role, and no
//!   change may leave no active administrator (`last-administrator`; checked before the change,
//!   not under a lock: two administrators disabling each other at the same instant could both
//!   pass — the operator's `relais admin enable-user` recovers);
//! - every field is checked before anything is written (`form.rs`), each refusal naming its field
//!   and a stable code, so a page shows it next to the field, in French or English.
//!
//! Every call, done or refused, is appended to the audit trail through the [`AuditWriter`]: who
//! (the actor's account id, or `system:cli`), on which account (`resource_id`), what (the
//! action, `account-*`), the outcome (refusals of the actor `denied`, of a field `failed`), from
//! which address, and in `query` what changed (`roles=nurse,physician`, `locale=en`) or the
//! refusal's code (`refused=email-invalid`). A change is made, then recorded; if the trail cannot
//! be written the call answers `audit-unavailable`.

mod clients;
mod error;
mod form;

pub(crate) use form::looks_like_email;
mod summary;

use std::sync::Arc;

use relais_access::audit::{AuditDraft, Outcome, action};
use relais_access::password;
use relais_access::policy::Role;
use relais_core::{Clock, IdGenerator};
use relais_store::{Account, AccountRole, NewAccount, ResourceStore, StoreError};

use crate::audit::AuditWriter;

pub use clients::ClientDisabled;
pub use error::AccountError;
pub use form::{LOCALES, NewAccountForm};
pub use summary::AccountSummary;

/// The audit actor of [`Actor::Operator`].
pub const OPERATOR_ACTOR: &str = "system:cli";

/// Who asks for an account operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in person (their account id), from this network address.
    Account { id: String, address: Option<String> },
    /// The operator at the server's command line (`relais admin …`): acts as an administrator.
    Operator,
}

impl Actor {
    fn audit_id(&self) -> &str {
        match self {
            Actor::Account { id, .. } => id,
            Actor::Operator => OPERATOR_ACTOR,
        }
    }

    fn address(&self) -> Option<&str> {
        match self {
            Actor::Account { address, .. } => address.as_deref(),
            Actor::Operator => None,
        }
    }
}

/// The account administration use cases over one store.
#[derive(Clone)]
pub struct AccountAdmin {
    store: Arc<dyn ResourceStore>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    audit: AuditWriter,
}

impl AccountAdmin {
    /// Use cases over `store`, recording to the trail through `audit` (the server's writer,
    /// `Fhir::audit_writer`, or one started for a command).
    pub fn new(
        store: Arc<dyn ResourceStore>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
        audit: AuditWriter,
    ) -> Self {
        Self { store, clock, ids, audit }
    }

    /// Creates an account from `form` (every field checked first, the password hashed with
    /// Argon2id off the async workers). Answers it.
    ///
    /// # Errors
    /// [`AccountError::NotAdministrator`]; a refused field ([`AccountError::field`]), among them
    /// `email-taken` when another account has the email.
    pub async fn create_account(
        &self,
        actor: &Actor,
        form: NewAccountForm,
    ) -> Result<AccountSummary, AccountError> {
        let result = self.create_checked(actor, form).await;
        let target = result.as_ref().ok().map(|a| a.id.as_str());
        let detail = result.as_ref().ok().map(|a| roles_detail(&a.roles));
        self.record(actor, action::ACCOUNT_CREATE, target, detail, &result).await?;
        result
    }

    async fn create_checked(
        &self,
        actor: &Actor,
        form: NewAccountForm,
    ) -> Result<AccountSummary, AccountError> {
        self.administrator(actor).await?;
        let checked = form::check(&form)?;
        let typed = form.password;
        let password_hash = tokio::task::spawn_blocking(move || password::hash(&typed))
            .await
            .map_err(|_| AccountError::Internal("password-hash-failed"))?
            .map_err(|_| AccountError::Internal("password-hash-failed"))?;
        let account = NewAccount {
            id: self.ids.new_id(),
            email: checked.email,
            display_name: checked.display_name,
            password_hash,
            organisation: checked.organisation,
            practitioner_id: checked.practitioner_id,
            patient_id: checked.patient_id,
            related_person_id: checked.related_person_id,
            locale: checked.locale,
            roles: checked.roles,
            created_at: self.clock.now(),
        };
        match self.store.create_account(&account).await {
            Ok(()) => {}
            Err(StoreError::EmailTaken) => return Err(AccountError::invalid("email", "email-taken")),
            Err(e) => return Err(e.into()),
        }
        self.store.account_by_id(&account.id).await?.map(AccountSummary::from).ok_or(AccountError::NotFound)
    }

    /// Every account, disabled ones included, ordered by email.
    ///
    /// # Errors
    /// [`AccountError::NotAdministrator`].
    pub async fn list_accounts(&self, actor: &Actor) -> Result<Vec<AccountSummary>, AccountError> {
        let result = match self.administrator(actor).await {
            Ok(()) => self.store.list_accounts().await.map_err(AccountError::from),
            Err(e) => Err(e),
        };
        let result = result.map(|all| all.into_iter().map(AccountSummary::from).collect::<Vec<_>>());
        self.record(actor, action::ACCOUNT_LIST, None, None, &result).await?;
        result
    }

    /// Disables account `id`: it can no longer sign in, and every session it has ends at once.
    /// Disabling a disabled account changes nothing and is not an error.
    ///
    /// # Errors
    /// [`AccountError::NotAdministrator`], [`AccountError::NotFound`],
    /// [`AccountError::CannotDisableSelf`], [`AccountError::LastAdministrator`].
    pub async fn disable_account(&self, actor: &Actor, id: &str) -> Result<AccountSummary, AccountError> {
        let result = async {
            self.administrator(actor).await?;
            let account = self.target(id).await?;
            if matches!(actor, Actor::Account { id: me, .. } if me == id) {
                return Err(AccountError::CannotDisableSelf);
            }
            if account.disabled_at.is_none() {
                if is_administrator(&account.roles) {
                    self.another_administrator(id).await?;
                }
                self.store.set_account_disabled(id, Some(self.clock.now())).await?;
            }
            self.summary(id).await
        }
        .await;
        self.record(actor, action::ACCOUNT_DISABLE, Some(id), None, &result).await?;
        result
    }

    /// Enables account `id` again (its ended sessions stay ended: the person signs in anew).
    ///
    /// # Errors
    /// [`AccountError::NotAdministrator`], [`AccountError::NotFound`].
    pub async fn enable_account(&self, actor: &Actor, id: &str) -> Result<AccountSummary, AccountError> {
        let result = async {
            self.administrator(actor).await?;
            if self.target(id).await?.disabled_at.is_some() {
                self.store.set_account_disabled(id, None).await?;
            }
            self.summary(id).await
        }
        .await;
        self.record(actor, action::ACCOUNT_ENABLE, Some(id), None, &result).await?;
        result
    }

    /// Removes account `id`'s second factor and ends all its sessions: its next sign-in must set
    /// one up again (staff, by default) — for a person who lost their phone.
    ///
    /// # Errors
    /// [`AccountError::NotAdministrator`], [`AccountError::NotFound`].
    pub async fn reset_second_factor(&self, actor: &Actor, id: &str) -> Result<AccountSummary, AccountError> {
        let result = async {
            self.administrator(actor).await?;
            self.target(id).await?;
            self.store.clear_totp_secret(id, self.clock.now()).await?;
            self.summary(id).await
        }
        .await;
        self.record(actor, action::ACCOUNT_RESET_SECOND_FACTOR, Some(id), None, &result).await?;
        result
    }

    /// Replaces account `id`'s roles with `roles` (codes; `specialty` for the specialist role).
    /// Sessions are not ended: the next request is decided with the new roles.
    ///
    /// # Errors
    /// [`AccountError::NotAdministrator`], [`AccountError::NotFound`], a refused `roles` or
    /// `specialty` field, [`AccountError::CannotRemoveOwnAdministrator`],
    /// [`AccountError::LastAdministrator`].
    pub async fn set_roles(
        &self,
        actor: &Actor,
        id: &str,
        roles: &[String],
        specialty: Option<&str>,
    ) -> Result<AccountSummary, AccountError> {
        let result = async {
            self.administrator(actor).await?;
            let roles = form::checked_roles(roles, specialty)?;
            let account = self.target(id).await?;
            if is_administrator(&account.roles) && !is_administrator(&roles) {
                if matches!(actor, Actor::Account { id: me, .. } if me == id) {
                    return Err(AccountError::CannotRemoveOwnAdministrator);
                }
                if account.disabled_at.is_none() {
                    self.another_administrator(id).await?;
                }
            }
            self.store.set_account_roles(id, &roles).await?;
            self.summary(id).await
        }
        .await;
        let detail = result.as_ref().ok().map(|a| roles_detail(&a.roles));
        self.record(actor, action::ACCOUNT_SET_ROLES, Some(id), detail, &result).await?;
        result
    }

    /// The person signed in as `account_id` chooses their UI language (`fr` or `en`). Their own
    /// account only: the web layer passes the session's account.
    ///
    /// # Errors
    /// [`AccountError::NotFound`] (also for a disabled account), a refused `locale` field.
    pub async fn set_locale(
        &self,
        account_id: &str,
        locale: &str,
        address: Option<&str>,
    ) -> Result<(), AccountError> {
        let actor = Actor::Account { id: account_id.to_owned(), address: address.map(str::to_owned) };
        let result = async {
            let locale = form::checked_locale(locale)?;
            let account = self.store.account_by_id(account_id).await?;
            if account.is_none_or(|a| a.disabled_at.is_some()) {
                return Err(AccountError::NotFound);
            }
            self.store.set_account_locale(account_id, Some(&locale)).await?;
            Ok(format!("locale={locale}"))
        }
        .await;
        let detail = result.as_ref().ok().cloned();
        self.record(&actor, action::ACCOUNT_SET_LOCALE, Some(account_id), detail, &result).await?;
        result.map(|_| ())
    }

    /// Ok if `actor` may administer accounts: the operator, or an active account holding the
    /// administrator role.
    async fn administrator(&self, actor: &Actor) -> Result<(), AccountError> {
        let Actor::Account { id, .. } = actor else { return Ok(()) };
        match self.store.account_by_id(id).await? {
            Some(a) if a.disabled_at.is_none() && is_administrator(&a.roles) => Ok(()),
            _ => Err(AccountError::NotAdministrator),
        }
    }

    async fn target(&self, id: &str) -> Result<Account, AccountError> {
        self.store.account_by_id(id).await?.ok_or(AccountError::NotFound)
    }

    async fn summary(&self, id: &str) -> Result<AccountSummary, AccountError> {
        self.target(id).await.map(AccountSummary::from)
    }

    /// Ok if an active administrator other than `id` remains.
    async fn another_administrator(&self, id: &str) -> Result<(), AccountError> {
        let all = self.store.list_accounts().await?;
        let others =
            all.iter().filter(|a| a.id != id && a.disabled_at.is_none() && is_administrator(&a.roles));
        if others.count() == 0 { Err(AccountError::LastAdministrator) } else { Ok(()) }
    }

    /// Appends the record of one call. Its outcome: `success`, `denied` when the actor may not
    /// (not an administrator, or acting on themself), `failed` otherwise.
    async fn record<T>(
        &self,
        actor: &Actor,
        action: &str,
        target: Option<&str>,
        detail: Option<String>,
        result: &Result<T, AccountError>,
    ) -> Result<(), AccountError> {
        let (outcome, detail) = match result {
            Ok(_) => (Outcome::Success, detail),
            Err(e) => {
                let denied = matches!(
                    e,
                    AccountError::NotAdministrator
                        | AccountError::CannotDisableSelf
                        | AccountError::CannotRemoveOwnAdministrator
                        | AccountError::LastAdministrator
                );
                (
                    if denied { Outcome::Denied } else { Outcome::Failed },
                    Some(format!("refused={}", e.code())),
                )
            }
        };
        let draft = AuditDraft {
            recorded: self.clock.now().as_microsecond(),
            actor: actor.audit_id().to_owned(),
            on_behalf_of: None,
            action: action.to_owned(),
            outcome,
            resource_type: None,
            resource_id: target.map(str::to_owned),
            patient_id: None,
            query: detail,
            source_address: actor.address().map(str::to_owned),
            purpose: None,
            break_glass: false,
        };
        self.audit.record(draft).await.map_err(|_| AccountError::AuditUnavailable)?;
        Ok(())
    }
}

fn is_administrator(roles: &[AccountRole]) -> bool {
    roles.iter().any(|r| r.role == Role::Administrator.code())
}

/// `roles=nurse,specialist:dermatology`, for the trail.
fn roles_detail(roles: &[AccountRole]) -> String {
    let codes: Vec<String> = roles
        .iter()
        .map(|r| match &r.specialty {
            Some(s) => format!("{}:{s}", r.role),
            None => r.role.clone(),
        })
        .collect();
    format!("roles={}", codes.join(","))
}
