//! `relais device token issue | revoke | list`: a home device's token from the command line,
//! acting as the operator (`system:cli` on the audit trail). `issue` prints the token once
//! (`token: …`, for scripts); only its hash is kept. Every command applies the migrations first.

use std::sync::Arc;

use anyhow::{Context, bail};
use relais_app::Fhir;
use relais_app::devices::{DeviceError, Devices};
use relais_app::monitoring::Monitoring;
use relais_core::{SystemClock, UuidV7Ids};
use relais_fhir::SchemaValidator;
use relais_fhir::search::SearchParams;

use crate::cli::migrate::open_store;
use crate::settings::Settings;

/// Who the command line is on the audit trail.
const OPERATOR: &str = "system:cli";

/// What to do with device tokens.
#[derive(Debug)]
pub(crate) enum TokenCommand {
    Issue { device: String, label: String },
    Revoke { token_id: String },
    List { device: String },
}

pub(crate) async fn token(settings: Settings, command: TokenCommand) -> anyhow::Result<()> {
    let store = open_store(&settings).await?;
    let result = async {
        store.migrate().await.context("migrations failed")?;
        let schema = SchemaValidator::shared()?;
        let params = SearchParams::shared(schema.resource_types())?;
        let fhir = Fhir::new(store.clone(), schema, params, Arc::new(SystemClock), Arc::new(UuidV7Ids));
        let programs = relais_app::monitoring::load_catalog(&settings.data_dir.join("programs"))?;
        let monitoring = Monitoring::new(fhir.clone(), Arc::new(programs));
        let devices = Devices::new(fhir, monitoring);
        match command {
            TokenCommand::Issue { device, label } => {
                match devices.issue_token(&device, &label, OPERATOR).await {
                    Ok(issued) => {
                        println!("token_id: {}", issued.row.id);
                        println!("device: {}", issued.row.device_id);
                        println!("token: {}", issued.token.as_str());
                        Ok(())
                    }
                    Err(DeviceError::UnknownDevice) => bail!("no Device has the id {device}"),
                    Err(e) => Err(anyhow::Error::new(e).context("cannot issue the token")),
                }
            }
            TokenCommand::Revoke { token_id } => match devices.revoke_token(&token_id, OPERATOR).await {
                Ok(()) => {
                    println!("revoked: {token_id}");
                    Ok(())
                }
                Err(DeviceError::UnknownToken) => bail!("no working device token has the id {token_id}"),
                Err(e) => Err(anyhow::Error::new(e).context("cannot revoke the token")),
            },
            TokenCommand::List { device } => {
                for t in devices.tokens_of(&device).await? {
                    let state =
                        t.revoked_at.map_or_else(|| "active".to_owned(), |at| format!("revoked {at}"));
                    println!("{}\t{}\t{}\t{}", t.id, t.created_at, state, t.label);
                }
                Ok(())
            }
        }
    }
    .await;
    store.close().await;
    result
}
