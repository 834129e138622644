//! Password reset by a single-use link sent by email. Asking answers the same whether or not the
//! email has an account; the link works once, for `reset_valid_for`; using it sets the new
//! password (checked against the rule first, so a refused password does not use up the link),
//! signs the account out everywhere and lifts a lock.

use relais_access::OsEntropy;
use relais_access::audit::{Outcome, action};
use relais_access::password;
use relais_access::token::{Token, is_well_formed, token_hash};
use relais_store::{NewEmail, NewPasswordReset};

use super::{Auth, AuthError, mail_context};

/// Subject of the reset email: French first (the default language), then English.
const SUBJECT: &str = "Relais : réinitialiser votre mot de passe / reset your password";

impl Auth {
    /// Sends a reset link to `email` if an active account has it. Answers `Ok` either way, so
    /// the answer does not say whether the email has an account.
    ///
    /// # Errors
    /// [`AuthError::Store`] or [`AuthError::Internal`] only.
    pub async fn request_password_reset(&self, email: &str, address: Option<&str>) -> Result<(), AuthError> {
        let account = self.store.account_by_email(email).await?;
        let Some(account) = account.filter(|a| a.disabled_at.is_none()) else {
            self.audit(action::PASSWORD_RESET_REQUEST, Outcome::Denied, "anonymous", address).await?;
            return Ok(());
        };
        let now = self.clock.now();
        let token = Token::generate().map_err(|e| AuthError::Internal(e.code()))?;
        let link = format!("{}/password-reset?token={}", self.settings.public_url, token.as_str());
        let minutes = self.settings.reset_valid_for.as_mins();
        let body = reset_body(&account.display_name, &link, minutes);
        let id = self.ids.new_id();
        let body_sealed = self
            .key
            .seal(&mail_context(&id), body.as_bytes(), &OsEntropy)
            .map_err(|e| AuthError::Internal(e.code()))?;
        let reset = NewPasswordReset {
            token_hash: token.hash(),
            account_id: account.id.clone(),
            created_at: now,
            expires_at: now.checked_add(self.settings.reset_valid_for).unwrap_or(now),
        };
        let mail = NewEmail {
            id,
            recipient: account.email.clone(),
            subject: SUBJECT.to_owned(),
            body_sealed,
            attachment_sealed: None,
            topic: None,
            created_at: now,
            due_at: None,
        };
        self.store.create_password_reset(&reset, &mail).await?;
        self.mail_queued.notify_one();
        self.audit(action::PASSWORD_RESET_REQUEST, Outcome::Success, &account.id, address).await?;
        Ok(())
    }

    /// Sets `new_password` with the token from a reset link. Every session of the account ends.
    ///
    /// # Errors
    /// [`AuthError::PasswordRejected`] (the link still works), [`AuthError::ResetTokenInvalid`]
    /// for an unknown, used or expired link.
    pub async fn complete_password_reset(
        &self,
        token: &str,
        new_password: &str,
        address: Option<&str>,
    ) -> Result<(), AuthError> {
        password::check_rule(new_password).map_err(AuthError::PasswordRejected)?;
        if !is_well_formed(token) {
            return Err(AuthError::ResetTokenInvalid);
        }
        let typed = new_password.to_owned();
        let phc = tokio::task::spawn_blocking(move || password::hash(&typed))
            .await
            .map_err(|_| AuthError::Internal("password-hash-failed"))?
            .map_err(|e| AuthError::Internal(e.code()))?;
        let now = self.clock.now();
        let Some(account_id) = self.store.complete_password_reset(&token_hash(token), now, &phc).await?
        else {
            return Err(AuthError::ResetTokenInvalid);
        };
        self.audit(action::PASSWORD_RESET, Outcome::Success, &account_id, address).await?;
        Ok(())
    }
}

/// The email's text, French then English.
fn reset_body(name: &str, link: &str, minutes: i64) -> String {
    format!(
        "Bonjour {name},\n\n\
         Pour choisir un nouveau mot de passe Relais, ouvrez ce lien dans les {minutes} minutes :\n\n\
         {link}\n\n\
         Le lien ne fonctionne qu'une fois. Si vous n'avez rien demandé, ignorez ce message : \
         votre mot de passe ne change pas.\n\n\
         ---\n\n\
         Hello {name},\n\n\
         To choose a new Relais password, open this link within {minutes} minutes:\n\n\
         {link}\n\n\
         The link works once. If you did not ask for this, ignore this message: your password \
         stays the same.\n"
    )
}
