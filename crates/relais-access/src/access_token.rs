//! Access tokens for the FHIR API: short-lived JSON Web Tokens (RFC 7519) that the server signs
//! when a client authenticates (OAuth2 client credentials) and checks on every request.
//!
//! HS256, keyed from the server secret (`crate::keys`): the server is both issuer and only
//! verifier, so an asymmetric key would add nothing but a key pair to manage. A token names its
//! client (`sub`), the account it acts for if any (`acct`), its scopes (`scope`, SMART), the
//! issuer and audience (this server's URLs: a token of another Relais is refused even if it
//! were signed with the same secret), when it was issued and when it lapses. The expiry is
//! checked against the caller's clock, with no leeway: the server that checks is the one that
//! issued.
//!
//! A token cannot be revoked before it lapses; keep lifetimes short (minutes). Disabling a
//! client stops it from getting new ones.

use jiff::Timestamp;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::keys::{Purpose, ServerSecret};

/// What a token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessClaims {
    /// The OAuth2 client the token was issued to.
    pub client_id: String,
    /// The account the client acts for (`user/` and `patient/` scopes); `None` for a system
    /// client acting on its own.
    pub account: Option<String>,
    /// Space-separated SMART scopes.
    pub scope: String,
    pub issued_at: Timestamp,
    pub expires_at: Timestamp,
    /// Unique token id (`jti`), for the audit trail.
    pub token_id: String,
}

/// Why a presented token is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenRefused {
    /// Not a token this server signed for this audience (bad signature, other issuer, garbage).
    #[error("invalid-token")]
    Invalid,
    /// Signed by this server, but lapsed.
    #[error("expired-token")]
    Expired,
    /// The token could not be signed (never for valid claims).
    #[error("token-signing-failed")]
    Signing,
}

#[derive(Serialize, Deserialize)]
struct Wire {
    iss: String,
    aud: String,
    sub: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    acct: Option<String>,
    scope: String,
    iat: i64,
    exp: i64,
    jti: String,
}

/// Signs and checks the access tokens of one server.
#[derive(Clone)]
pub struct TokenSigner {
    encoding: EncodingKey,
    decoding: DecodingKey,
    issuer: String,
    audience: String,
}

impl std::fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSigner").field("issuer", &self.issuer).field("audience", &self.audience).finish()
    }
}

impl TokenSigner {
    /// The signer of the server at `issuer` (its public URL) whose tokens are for `audience`
    /// (its FHIR base URL).
    pub fn new(secret: &ServerSecret, issuer: &str, audience: &str) -> Self {
        let key = secret.derive(Purpose::AccessTokenSigning);
        Self {
            encoding: EncodingKey::from_secret(&key),
            decoding: DecodingKey::from_secret(&key),
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
        }
    }

    /// The signed token for `claims`.
    ///
    /// # Errors
    /// [`TokenRefused::Signing`] if signing fails.
    pub fn sign(&self, claims: &AccessClaims) -> Result<String, TokenRefused> {
        let wire = Wire {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: claims.client_id.clone(),
            acct: claims.account.clone(),
            scope: claims.scope.clone(),
            iat: claims.issued_at.as_second(),
            exp: claims.expires_at.as_second(),
            jti: claims.token_id.clone(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &wire, &self.encoding)
            .map_err(|_| TokenRefused::Signing)
    }

    /// What `token` says, if this server signed it for this audience and it has not lapsed at
    /// `now`.
    ///
    /// # Errors
    /// [`TokenRefused::Invalid`] or [`TokenRefused::Expired`].
    pub fn verify(&self, token: &str, now: Timestamp) -> Result<AccessClaims, TokenRefused> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        // Expiry is checked below against the injected clock, without leeway.
        validation.validate_exp = false;
        validation.leeway = 0;
        validation.required_spec_claims =
            ["exp", "iat", "iss", "aud", "sub"].into_iter().map(str::to_owned).collect();
        let data = jsonwebtoken::decode::<Wire>(token, &self.decoding, &validation)
            .map_err(|_| TokenRefused::Invalid)?;
        let wire = data.claims;
        let at = |s: i64| Timestamp::from_second(s).map_err(|_| TokenRefused::Invalid);
        let expires_at = at(wire.exp)?;
        if now >= expires_at {
            return Err(TokenRefused::Expired);
        }
        Ok(AccessClaims {
            client_id: wire.sub,
            account: wire.acct,
            scope: wire.scope,
            issued_at: at(wire.iat)?,
            expires_at,
            token_id: wire.jti,
        })
    }
}

#[cfg(test)]
mod tests {
    use data_encoding::BASE64URL_NOPAD;
    use jiff::SignedDuration;

    use super::*;
    use crate::random::TestEntropy;

    fn secret(n: u8) -> ServerSecret {
        ServerSecret::generate(&TestEntropy::seeded(n)).unwrap()
    }

    fn signer(n: u8) -> TokenSigner {
        TokenSigner::new(&secret(n), "https://relais.test", "https://relais.test/fhir")
    }

    fn now() -> Timestamp {
        "2026-11-26T10:00:00Z".parse().unwrap()
    }

    fn claims() -> AccessClaims {
        AccessClaims {
            client_id: "gateway".into(),
            account: None,
            scope: "system/Observation.write".into(),
            issued_at: now(),
            expires_at: now() + SignedDuration::from_mins(5),
            token_id: "t1".into(),
        }
    }

    #[test]
    fn a_token_reads_back_as_signed_until_it_lapses() {
        let token = signer(1).sign(&claims()).unwrap();
        assert_eq!(signer(1).verify(&token, now()).unwrap(), claims());
        let with_account = AccessClaims { account: Some("acc-1".into()), ..claims() };
        let token2 = signer(1).sign(&with_account).unwrap();
        assert_eq!(signer(1).verify(&token2, now()).unwrap().account.as_deref(), Some("acc-1"));
        let last_second = now() + SignedDuration::from_secs(299);
        assert!(signer(1).verify(&token, last_second).is_ok());
        let lapsed = now() + SignedDuration::from_mins(5);
        assert_eq!(signer(1).verify(&token, lapsed), Err(TokenRefused::Expired));
    }

    #[test]
    fn refuses_another_servers_tokens_and_any_alteration() {
        let token = signer(1).sign(&claims()).unwrap();
        assert_eq!(signer(2).verify(&token, now()), Err(TokenRefused::Invalid), "other secret");
        let elsewhere = TokenSigner::new(&secret(1), "https://other.test", "https://other.test/fhir");
        assert_eq!(elsewhere.verify(&token, now()), Err(TokenRefused::Invalid), "other issuer and audience");

        // Widening the scope in the payload breaks the signature.
        let parts: Vec<&str> = token.split('.').collect();
        let payload = String::from_utf8(BASE64URL_NOPAD.decode(parts[1].as_bytes()).unwrap()).unwrap();
        let widened = payload.replace("system/Observation.write", "system/*.*");
        let forged = format!("{}.{}.{}", parts[0], BASE64URL_NOPAD.encode(widened.as_bytes()), parts[2]);
        assert_eq!(signer(1).verify(&forged, now()), Err(TokenRefused::Invalid));

        // "alg": "none" with no signature.
        let none = format!("{}.{}.", BASE64URL_NOPAD.encode(br#"{"alg":"none","typ":"JWT"}"#), parts[1]);
        assert_eq!(signer(1).verify(&none, now()), Err(TokenRefused::Invalid));
        for junk in ["", "abc", "a.b.c", "Bearer x"] {
            assert_eq!(signer(1).verify(junk, now()), Err(TokenRefused::Invalid), "{junk}");
        }
    }
}
