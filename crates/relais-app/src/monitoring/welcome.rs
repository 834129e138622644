//! The patient's own account, from the link in their enrolment email (see
//! [`super::invitation`]): the link is an invitation of purpose `patient-account` for their
//! Patient. Opening it ([`Monitoring::welcome`]) spends nothing (mail previews and link scanners
//! open links too); choosing a password ([`Monitoring::create_patient_account`]) checks the
//! password rule first, then uses the invitation (one use, counted atomically and audited as
//! `invitation-use` by [`Invitations::redeem`]), reads the Patient as the link's bearer (their
//! own record, audited by the policy) and creates an account with the `patient` role linked to
//! it (as `relais admin create-user --role patient --patient …` would), audited as
//! `account-create` with the invitation as actor.
//!
//! A used, expired or revoked link creates nothing (`invitation-invalid`, one answer for all; the
//! trail says which). A patient whose address already has an account is sent to sign in
//! (`account-exists`), the link left unused.

use std::collections::BTreeSet;

use relais_access::audit::{AuditDraft, Outcome, action};
use relais_access::invitation::Purpose;
use relais_access::password::{self, PasswordRejected};
use relais_access::policy::{Basis, Grant, Principal, Role};
use relais_access::token;
use relais_store::{AccountRole, InvitationRow, NewAccount, StoreError, normalise_email};
use serde_json::Value;

use super::Monitoring;
use crate::access::Caller;
use crate::invitations::{InvitationError, Invitations};
use crate::queues::human_name;
use crate::visits::{patient_email, patient_locale};

/// Why no account was created from a link.
#[derive(Debug, thiserror::Error)]
pub enum WelcomeError {
    /// Unknown, used, expired or revoked, or not an account link.
    #[error("invitation-invalid")]
    InvalidLink,
    /// The patient's address already has an account: sign in instead.
    #[error("account-exists")]
    AccountExists,
    /// The password breaks the rule (the account page's): its code.
    #[error("{0}")]
    Password(PasswordRejected),
    /// The Patient has no email address any more.
    #[error("patient-no-email")]
    NoEmail,
    /// The use or the creation could not be recorded.
    #[error("audit-unavailable")]
    AuditUnavailable,
    /// Something on our side (never shown).
    #[error("internal: {0}")]
    Internal(String),
}

impl WelcomeError {
    /// Stable code, for the page's message.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidLink => "invitation-invalid",
            Self::AccountExists => "account-exists",
            Self::Password(p) => p.code(),
            Self::NoEmail => "patient-no-email",
            Self::AuditUnavailable => "audit-unavailable",
            Self::Internal(_) => "internal-error",
        }
    }
}

impl From<StoreError> for WelcomeError {
    fn from(e: StoreError) -> Self {
        Self::Internal(e.to_string())
    }
}

impl From<InvitationError> for WelcomeError {
    fn from(e: InvitationError) -> Self {
        match e {
            InvitationError::InvalidLink => Self::InvalidLink,
            InvitationError::AuditUnavailable => Self::AuditUnavailable,
            other => Self::Internal(other.to_string()),
        }
    }
}

/// A created account: the address to sign in with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Welcomed {
    pub account_id: String,
    pub email: String,
}

/// The bearer of a used account link, as a caller: the patient reading their own Patient
/// resource and nothing else, on the trail as `invitation:{id}`.
fn bearer(invitation: &str, patient: &str, address: Option<&str>) -> Caller {
    let one = |s: &str| Some(BTreeSet::from([s.to_owned()]));
    let grant = Grant {
        patient: patient.to_owned(),
        basis: Basis::OwnRecord,
        resource_types: one("Patient"),
        write: false,
        expires: None,
        only: one(patient),
    };
    let principal = Principal {
        id: format!("invitation:{invitation}"),
        roles: BTreeSet::from([Role::Patient]),
        grants: vec![grant],
        ..Principal::default()
    };
    Caller { principal, address: address.map(str::to_owned), purpose: None }
}

impl Monitoring {
    fn invitations(&self) -> Invitations {
        // Links are never made here: no public address needed.
        Invitations::new(self.fhir.store().clone(), self.fhir.clock().clone(), self.fhir.ids().clone(), "")
    }

    /// The account link carrying `token`, if it would be accepted now (an account link, neither
    /// used, expired nor revoked). Spends nothing.
    async fn open_account_link(&self, token: &str) -> Result<Option<InvitationRow>, WelcomeError> {
        if !token::is_well_formed(token) {
            return Ok(None);
        }
        let now = self.fhir.clock().now();
        let row = self.fhir.store().invitation_by_token(&token::token_hash(token)).await?;
        Ok(row.filter(|r| {
            r.purpose == Purpose::PatientAccount.code()
                && r.revoked_at.is_none()
                && r.expires_at > now
                && r.uses < r.max_uses
        }))
    }

    /// Whether the link carrying `token` may create an account now, without using it.
    ///
    /// # Errors
    /// `invitation-invalid` for a link that would not be accepted; a store failure.
    pub async fn welcome(&self, token: &str) -> Result<(), WelcomeError> {
        self.open_account_link(token).await?.map(|_| ()).ok_or(WelcomeError::InvalidLink)
    }

    /// Creates the patient's account from the link carrying `token`, with `password`, the
    /// request coming from `address`. See the module documentation.
    ///
    /// # Errors
    /// The password's rule first (nothing spent); `invitation-invalid`; `account-exists` (the
    /// link left unused when it is known beforehand); `audit-unavailable`.
    pub async fn create_patient_account(
        &self,
        token: &str,
        password: &str,
        address: Option<&str>,
    ) -> Result<Welcomed, WelcomeError> {
        password::check_rule(password).map_err(WelcomeError::Password)?;
        let invitations = self.invitations();
        // An account link is never spent by anything else; any other link, or none, is refused
        // here by `redeem`, which records why.
        if let Some(row) = self.open_account_link(token).await? {
            if let Some(patient) = &row.patient_id {
                let caller = bearer(&row.id, patient, address);
                if let Ok(resource) = self.patient_of(&caller, patient).await
                    && let Some(email) = patient_email(&resource)
                    && self.fhir.store().account_by_email(&normalise_email(email)).await?.is_some()
                {
                    return Err(WelcomeError::AccountExists);
                }
            }
        } else if token::is_well_formed(token)
            && self
                .fhir
                .store()
                .invitation_by_token(&token::token_hash(token))
                .await?
                .is_some_and(|r| r.purpose != Purpose::PatientAccount.code())
        {
            // Another purpose's link keeps its uses.
            return Err(WelcomeError::InvalidLink);
        }
        let pass = invitations.redeem(token, address).await?;
        let Some(patient) = pass.patient.filter(|_| pass.purpose == Purpose::PatientAccount) else {
            return Err(WelcomeError::InvalidLink);
        };
        let caller = bearer(&pass.id, &patient, address);
        let resource = self.patient_of(&caller, &patient).await?;
        let email = normalise_email(patient_email(&resource).ok_or(WelcomeError::NoEmail)?);
        let name = human_name(&resource).filter(|n| !n.trim().is_empty()).unwrap_or_else(|| email.clone());
        let typed = password.to_owned();
        let password_hash = tokio::task::spawn_blocking(move || password::hash(&typed))
            .await
            .map_err(|_| WelcomeError::Internal("password-hash-failed".into()))?
            .map_err(|_| WelcomeError::Internal("password-hash-failed".into()))?;
        let now = self.fhir.clock().now();
        let account = NewAccount {
            id: self.fhir.ids().new_id(),
            email: email.clone(),
            display_name: name.chars().take(200).collect(),
            password_hash,
            organisation: None,
            practitioner_id: None,
            patient_id: Some(patient.clone()),
            related_person_id: None,
            locale: Some(patient_locale(&resource).to_owned()),
            roles: vec![AccountRole { role: Role::Patient.code().to_owned(), specialty: None }],
            created_at: now,
        };
        let created = match self.fhir.store().create_account(&account).await {
            Ok(()) => Ok(()),
            Err(StoreError::EmailTaken) => Err(WelcomeError::AccountExists),
            Err(e) => Err(e.into()),
        };
        let draft = AuditDraft {
            recorded: now.as_microsecond(),
            actor: format!("invitation:{}", pass.id),
            on_behalf_of: None,
            action: action::ACCOUNT_CREATE.to_owned(),
            outcome: if created.is_ok() { Outcome::Success } else { Outcome::Failed },
            resource_type: None,
            resource_id: created.is_ok().then(|| account.id.clone()),
            patient_id: Some(patient),
            query: Some(match &created {
                Ok(()) => "roles=patient".to_owned(),
                Err(e) => format!("refused={}", e.code()),
            }),
            source_address: address.map(str::to_owned),
            purpose: None,
            break_glass: false,
        };
        self.fhir.audit_writer().record(draft).await.map_err(|_| WelcomeError::AuditUnavailable)?;
        created.map(|()| Welcomed { account_id: account.id, email })
    }

    /// The Patient resource `id`, read as `caller` (audited).
    async fn patient_of(&self, caller: &Caller, id: &str) -> Result<Value, WelcomeError> {
        let row = self
            .fhir
            .read_as(caller, "Patient", id)
            .await
            .map_err(|e| WelcomeError::Internal(format!("patient unreadable: {e}")))?;
        Ok(row.content.as_deref().and_then(|c| serde_json::from_str(c).ok()).unwrap_or_default())
    }
}
