//! `relais admin create-client`: registers an OAuth2 client of the FHIR API and prints its
//! credentials once, as `client_id: …` and `client_secret: …` lines (for scripts).

use anyhow::{Context, bail};
use relais_app::access::{TokenError, register_client};
use relais_core::{Clock, SystemClock};
use relais_fhir::SchemaValidator;

use crate::cli::migrate::open_store;
use crate::settings::Settings;

/// Registers the client (applying migrations first) and prints its credentials.
pub(crate) async fn create_client(
    settings: Settings,
    name: &str,
    scope: &str,
    account_email: Option<&str>,
) -> anyhow::Result<()> {
    if name.trim().is_empty() {
        bail!("the name (--name) cannot be empty");
    }
    let schema = SchemaValidator::shared()?;
    let store = open_store(&settings).await?;
    let result = async {
        store.migrate().await.context("migrations failed")?;
        let account = match account_email {
            None => None,
            Some(email) => match store.account_by_email(email).await? {
                Some(account) => Some(account.id),
                None => bail!("no account has the email {email}"),
            },
        };
        let is_type = |t: &str| schema.is_resource_type(t);
        match register_client(store.as_ref(), is_type, SystemClock.now(), name, scope, account.as_deref()).await {
            Ok(new) => Ok(new),
            Err(TokenError::InvalidScope(s)) if s.is_empty() => bail!("give at least one scope (--scope)"),
            Err(TokenError::InvalidScope(s)) => bail!(
                "scope not accepted: {s} (system/TYPE.read|write|* for a client of its own; user/ or patient/ scopes with --account)"
            ),
            Err(e) => Err(anyhow::Error::new(e).context("cannot register the client")),
        }
    }
    .await;
    store.close().await;
    let new = result?;
    println!("client_id: {}", new.client.id);
    println!("client_secret: {}", new.secret.as_str());
    println!("scope: {}", new.client.scopes);
    Ok(())
}
