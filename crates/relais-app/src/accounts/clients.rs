//! Disabling an OAuth2 client of the API (`relais admin disable-client`): an administrator's
//! decision like the account ones, recorded the same way. A disabled client gets no new token
//! (`Tokens::client_credentials` refuses it); tokens it already holds lapse within their short
//! lifetime.

use relais_access::audit::action;

use super::{AccountAdmin, AccountError, Actor};

/// What disabling a client did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientDisabled {
    /// It was active and is now disabled.
    Disabled,
    /// It was disabled already; nothing changed.
    AlreadyDisabled,
}

impl AccountAdmin {
    /// Disables the API client `client_id`.
    ///
    /// # Errors
    /// [`AccountError::NotAdministrator`]; [`AccountError::Invalid`] with field `client_id` and
    /// code `client-not-found` for an unknown id.
    pub async fn disable_client(
        &self,
        actor: &Actor,
        client_id: &str,
    ) -> Result<ClientDisabled, AccountError> {
        let result = async {
            self.administrator(actor).await?;
            if self.store.disable_client(client_id, self.clock.now()).await? {
                return Ok(ClientDisabled::Disabled);
            }
            match self.store.client_by_id(client_id).await? {
                Some(_) => Ok(ClientDisabled::AlreadyDisabled),
                None => Err(AccountError::invalid("client_id", "client-not-found")),
            }
        }
        .await;
        self.record(actor, action::CLIENT_DISABLE, Some(client_id), None, &result).await?;
        result
    }
}
