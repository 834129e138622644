//! Who is signed in, as the pages show them: name, email, roles — no secret, no clinical data.

use relais_access::policy::Role;

use super::{Auth, AuthError};

/// The signed-in person behind a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub account_id: String,
    pub email: String,
    pub display_name: String,
    /// The roles this version knows, in the account's order (an unknown stored code is left
    /// out: it grants nothing).
    pub roles: Vec<Role>,
    /// The interface language they chose (`fr`, `en`), if they did.
    pub locale: Option<String>,
}

impl Auth {
    /// The person signed in with `token` (a `full` session).
    ///
    /// # Errors
    /// [`AuthError::SessionInvalid`] without a live session (or when its account is gone),
    /// [`AuthError::SecondFactorRequired`] before the second factor.
    pub async fn profile(&self, token: &str) -> Result<Profile, AuthError> {
        let account_id = self.signed_in_account(token).await?;
        let account = self.store.account_by_id(&account_id).await?.ok_or(AuthError::SessionInvalid)?;
        if account.disabled_at.is_some() {
            return Err(AuthError::SessionInvalid);
        }
        Ok(Profile {
            account_id: account.id,
            email: account.email,
            display_name: account.display_name,
            roles: account.roles.iter().filter_map(|r| Role::from_code(&r.role)).collect(),
            locale: account.locale,
        })
    }
}
