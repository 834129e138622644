//! The demo's accounts: one per staff member (linked to their Practitioner, with the known
//! TOTP secret as their second factor), per patient (linked to their Patient) and for the
//! caregiver, all with the demo password.
//!
//! [`create_account`] makes each through the same use case as `relais admin create-user`
//! (`relais_app::accounts::AccountAdmin`, acting as the operator): checked, hashed, audited.

use std::sync::Arc;

use anyhow::{Context, bail};
use relais_access::policy::Role;
use relais_access::totp::TotpSecret;
use relais_app::accounts::{AccountAdmin, AccountError, Actor, NewAccountForm};
use relais_app::audit::AuditWriter;
use relais_app::auth::Auth;
use relais_core::{SystemClock, UuidV7Ids};
use relais_store::ResourceStore;

use super::world::{CAREGIVER, PASSWORD, PATIENTS, TOTP_SECRET, staff_members};

/// An account of the demo world.
pub(crate) struct DemoAccount {
    pub email: &'static str,
    pub name: String,
    pub role: Role,
    pub specialty: Option<&'static str>,
    pub organisation: Option<&'static str>,
    pub practitioner: Option<&'static str>,
    pub patient: Option<&'static str>,
    /// The caregiver's RelatedPerson: she sees what its Consent shares.
    pub related_person: Option<&'static str>,
}

impl DemoAccount {
    /// Whether the account must use a second factor (everyone but patients and caregivers).
    pub(crate) fn is_staff(&self) -> bool {
        !matches!(self.role, Role::Patient | Role::Caregiver)
    }
}

/// Every demo account: staff first (in `Role::all()` order), then patients, then the caregiver.
pub(crate) fn demo_accounts() -> Vec<DemoAccount> {
    let mut staff = staff_members();
    staff.sort_by_key(|s| s.role);
    let mut accounts: Vec<DemoAccount> = staff
        .into_iter()
        .map(|s| DemoAccount {
            email: s.email,
            name: [s.prefix.unwrap_or(""), s.given, s.family].join(" ").trim().to_owned(),
            role: s.role,
            specialty: s.specialty,
            organisation: s.organisation,
            practitioner: Some(s.id),
            patient: None,
            related_person: None,
        })
        .collect();
    accounts.extend(PATIENTS.iter().map(|p| DemoAccount {
        email: p.email,
        name: format!("{} {}", p.given, p.family),
        role: Role::Patient,
        specialty: None,
        organisation: Some(p.organisation),
        practitioner: None,
        patient: Some(p.id),
        related_person: None,
    }));
    accounts.push(DemoAccount {
        email: CAREGIVER.email,
        name: format!("{} {}", CAREGIVER.given, CAREGIVER.family),
        role: Role::Caregiver,
        specialty: None,
        organisation: None,
        practitioner: None,
        patient: None,
        related_person: Some(CAREGIVER.id),
    });
    accounts
}

/// Creates the accounts of `wanted` that do not exist yet (an earlier run may have been cut
/// short), staff with the demo TOTP secret; answers how many it created.
pub(crate) async fn create_missing(
    store: &Arc<dyn ResourceStore>,
    auth: &Auth,
    wanted: &[DemoAccount],
) -> anyhow::Result<usize> {
    let secret =
        TotpSecret::from_base32(TOTP_SECRET).map_err(|e| anyhow::anyhow!("demo TOTP secret: {e}"))?;
    let mut created = 0;
    for account in wanted {
        let id = match store.account_by_email(account.email).await? {
            Some(existing) => existing,
            None => {
                create_account(store, account).await?;
                created += 1;
                store
                    .account_by_email(account.email)
                    .await?
                    .with_context(|| format!("the account {} was not stored", account.email))?
            }
        };
        if account.is_staff() && id.totp_secret.is_none() {
            auth.provision_totp(&id.id, &secret)
                .await
                .with_context(|| format!("cannot set the second factor of {}", account.email))?;
        }
    }
    Ok(created)
}

/// Stores one account with the demo password, as `relais admin create-user` does.
async fn create_account(store: &Arc<dyn ResourceStore>, account: &DemoAccount) -> anyhow::Result<()> {
    let admin = AccountAdmin::new(
        store.clone(),
        Arc::new(SystemClock),
        Arc::new(UuidV7Ids),
        AuditWriter::start(store.clone()),
    );
    let form = NewAccountForm {
        email: account.email.to_owned(),
        display_name: account.name.clone(),
        password: PASSWORD.to_owned(),
        roles: vec![account.role.code().to_owned()],
        specialty: account.specialty.map(str::to_owned),
        organisation: account.organisation.map(str::to_owned),
        practitioner_id: account.practitioner.map(str::to_owned),
        patient_id: account.patient.map(str::to_owned),
        related_person_id: account.related_person.map(str::to_owned),
        locale: None,
    };
    match admin.create_account(&Actor::Operator, form).await {
        // Another run created it in the meantime: it is the demo's all the same.
        Ok(_) | Err(AccountError::Invalid { code: "email-taken", .. }) => Ok(()),
        Err(e) => bail!("cannot store the account {}: {e}", account.email),
    }
}
