//! OAuth2 client credentials (RFC 6749 §4.4) and the principal behind a bearer token.
//!
//! A client registered by an operator (`relais admin create-client`) exchanges its id and secret
//! for a short-lived signed access token carrying some of its registered SMART scopes. Every
//! FHIR request then presents the token; the principal it stands for is rebuilt from it: a system
//! client from the token alone (no database read on the hot path), a person's client from their
//! account and current grants, narrowed by the token's scopes.
//!
//! Every exchange, granted or refused, is on the audit trail (`sign-in` / `sign-in-failed`, actor
//! `client:<id>`). The secret and the token never are, nor in any log.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use relais_access::access_token::{AccessClaims, TokenRefused, TokenSigner};
use relais_access::audit::{AuditDraft, Outcome, action};
use relais_access::policy::{Principal, Role};
use relais_access::scopes::{Context, Scopes};
use relais_access::token::{Token, token_matches};
use relais_core::Clock;
use relais_fhir::SchemaValidator;
use relais_fhir::search::SearchParams;
use relais_store::{ApiClient, ResourceStore, StoreError};

use super::{Identity, grants_for};

/// A token handed to a client.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedToken {
    pub access_token: String,
    /// Seconds until it lapses.
    pub expires_in: i64,
    /// The scopes it carries.
    pub scope: String,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .finish()
    }
}

/// Why no token (RFC 6749 §5.2 error codes).
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Unknown client, wrong secret, disabled client or account: one answer for all, so the
    /// endpoint does not tell which ids exist.
    #[error("invalid_client")]
    InvalidClient,
    /// A requested scope is not understood, or none of them is granted to this client.
    #[error("invalid_scope")]
    InvalidScope(String),
    #[error("server_error")]
    Store(#[from] StoreError),
    #[error("server_error")]
    Signing,
}

/// Why a presented bearer token does not authenticate.
#[derive(Debug, thiserror::Error)]
pub enum BearerError {
    #[error("invalid-token")]
    Invalid,
    #[error("expired-token")]
    Expired,
    #[error("store")]
    Store(#[from] StoreError),
}

/// A newly registered client and its secret, shown once.
#[derive(Debug)]
pub struct NewClient {
    pub client: ApiClient,
    pub secret: Token,
}

/// Issues and checks access tokens.
#[derive(Clone)]
pub struct Tokens {
    store: Arc<dyn ResourceStore>,
    schema: Arc<SchemaValidator>,
    params: Arc<SearchParams>,
    clock: Arc<dyn Clock>,
    signer: TokenSigner,
    lifetime: SignedDuration,
}

impl Tokens {
    pub fn new(
        store: Arc<dyn ResourceStore>,
        schema: Arc<SchemaValidator>,
        params: Arc<SearchParams>,
        clock: Arc<dyn Clock>,
        signer: TokenSigner,
        lifetime: SignedDuration,
    ) -> Self {
        Self { store, schema, params, clock, signer, lifetime }
    }

    /// Parses a scope list against this server's resource types.
    pub fn parse_scopes(&self, text: &str) -> Result<Scopes, TokenError> {
        Scopes::parse(text, |t| self.schema.is_resource_type(t)).map_err(|e| TokenError::InvalidScope(e.0))
    }

    /// The client credentials grant: a token for `client_id` if `secret` is its secret, with the
    /// `requested` scopes narrowed to what it is registered for (all of those when `None`).
    pub async fn client_credentials(
        &self,
        client_id: &str,
        secret: &str,
        requested: Option<&str>,
        address: Option<&str>,
    ) -> Result<IssuedToken, TokenError> {
        let now = self.clock.now();
        let result = self.grant(client_id, secret, requested, now).await;
        let outcome = match &result {
            Ok(_) => Outcome::Success,
            Err(TokenError::Store(_) | TokenError::Signing) => Outcome::Failed,
            Err(_) => Outcome::Denied,
        };
        let draft = AuditDraft {
            recorded: now.as_microsecond(),
            actor: format!("client:{client_id}"),
            on_behalf_of: None,
            action: if outcome == Outcome::Success { action::SIGN_IN } else { action::SIGN_IN_FAILED }
                .to_owned(),
            outcome,
            resource_type: None,
            resource_id: None,
            patient_id: None,
            query: None,
            source_address: address.map(str::to_owned),
            purpose: None,
            break_glass: false,
        };
        self.store.append_audit(draft).await?;
        result
    }

    async fn grant(
        &self,
        client_id: &str,
        secret: &str,
        requested: Option<&str>,
        now: Timestamp,
    ) -> Result<IssuedToken, TokenError> {
        let client = self.store.client_by_id(client_id).await?;
        // Hash the presented secret even for an unknown id: the answer takes as long either way.
        let matches = token_matches(secret, client.as_ref().map_or(UNKNOWN_CLIENT, |c| &c.secret_hash));
        let Some(client) = client.filter(|_| matches) else {
            return Err(TokenError::InvalidClient);
        };
        if client.disabled_at.is_some() {
            return Err(TokenError::InvalidClient);
        }
        if let Some(account) = &client.account_id {
            let active = self.store.account_by_id(account).await?.is_some_and(|a| a.disabled_at.is_none());
            if !active {
                return Err(TokenError::InvalidClient);
            }
        }
        let registered = self.parse_scopes(&client.scopes)?;
        let scopes = match requested.map(str::trim).filter(|r| !r.is_empty()) {
            None => registered,
            Some(text) => self.parse_scopes(text)?.within(&registered),
        };
        if scopes.is_empty() {
            return Err(TokenError::InvalidScope(requested.unwrap_or_default().to_owned()));
        }
        let claims = AccessClaims {
            client_id: client.id.clone(),
            account: client.account_id.clone(),
            scope: scopes.to_string(),
            issued_at: now,
            expires_at: now.checked_add(self.lifetime).unwrap_or(now),
            token_id: uuid::Uuid::now_v7().to_string(),
        };
        let access_token = self.signer.sign(&claims).map_err(|_| TokenError::Signing)?;
        Ok(IssuedToken { access_token, expires_in: self.lifetime.as_secs(), scope: claims.scope })
    }

    /// The principal of a person signed in with a session (no token, so no scopes): their roles
    /// and current grants. [`BearerError::Invalid`] if the account is gone or disabled.
    pub async fn signed_in(&self, account_id: &str) -> Result<Principal, BearerError> {
        let account = self.store.account_by_id(account_id).await?;
        let Some(account) = account.filter(|a| a.disabled_at.is_none()) else {
            return Err(BearerError::Invalid);
        };
        Ok(principal_for_account(self.store.as_ref(), &self.params, &account, self.clock.now()).await?)
    }

    /// The principal a bearer token stands for, now.
    pub async fn principal(&self, token: &str) -> Result<Principal, BearerError> {
        let claims = self.signer.verify(token, self.clock.now()).map_err(|e| match e {
            TokenRefused::Expired => BearerError::Expired,
            TokenRefused::Invalid | TokenRefused::Signing => BearerError::Invalid,
        })?;
        let scopes = Scopes::parse(&claims.scope, |t| self.schema.is_resource_type(t))
            .map_err(|_| BearerError::Invalid)?;
        let Some(account_id) = &claims.account else {
            return Ok(Principal {
                id: format!("client:{}", claims.client_id),
                scopes: Some(scopes),
                ..Principal::default()
            });
        };
        let account = self.store.account_by_id(account_id).await?;
        // An account disabled since the token was issued loses access at once.
        let Some(account) = account.filter(|a| a.disabled_at.is_none()) else {
            return Err(BearerError::Invalid);
        };
        let mut principal =
            principal_for_account(self.store.as_ref(), &self.params, &account, self.clock.now()).await?;
        principal.scopes = Some(scopes);
        Ok(principal)
    }
}

/// Registers a client that may ask for `scopes` (checked against the resource types
/// `is_type` accepts), acting for `account_id` if given — then its scopes must be `user/` or
/// `patient/` ones; without, `system/` ones. The secret is returned once and stored hashed.
pub async fn register_client(
    store: &dyn ResourceStore,
    is_type: impl Fn(&str) -> bool,
    now: Timestamp,
    name: &str,
    scopes: &str,
    account_id: Option<&str>,
) -> Result<NewClient, TokenError> {
    let parsed = Scopes::parse(scopes, is_type).map_err(|e| TokenError::InvalidScope(e.0))?;
    // A system client has system/ scopes only; a person's client none.
    if let Some(scope) = parsed.iter().find(|s| (s.context == Context::System) == account_id.is_some()) {
        return Err(TokenError::InvalidScope(scope.to_string()));
    }
    if parsed.is_empty() {
        return Err(TokenError::InvalidScope(String::new()));
    }
    let secret = Token::generate().map_err(|_| TokenError::Signing)?;
    let client = ApiClient {
        id: uuid::Uuid::now_v7().to_string(),
        name: name.trim().to_owned(),
        secret_hash: secret.hash(),
        scopes: parsed.to_string(),
        account_id: account_id.map(str::to_owned),
        created_at: now,
        disabled_at: None,
    };
    store.create_client(&client).await?;
    Ok(NewClient { client, secret })
}

/// Compared against when the client id is unknown: no secret hashes to it.
const UNKNOWN_CLIENT: &str = "-";

/// The principal of a signed-in person at `now`: their roles, the grants their record links give
/// them (their Patient, Practitioner and, for a caregiver, RelatedPerson), and the break-the-glass grants they hold then.
pub async fn principal_for_account(
    store: &dyn ResourceStore,
    params: &SearchParams,
    account: &relais_store::Account,
    now: Timestamp,
) -> Result<Principal, StoreError> {
    let roles = account.roles.iter().filter_map(|r| Role::from_code(&r.role)).collect();
    let identity = Identity {
        roles,
        patient: account.patient_id.clone(),
        practitioner: account.practitioner_id.clone(),
        related_person: account.related_person_id.clone(),
        account: Some((account.id.clone(), now)),
    };
    let grants = grants_for(store, params, &identity).await?;
    Ok(Principal { id: account.id.clone(), roles: identity.roles, grants, scopes: None })
}
