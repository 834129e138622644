//! `relais demo` and `relais serve --demo`: fill the configured database with the demo world
//! (see `crate::demo`) and print its accounts.

use std::sync::Arc;

use anyhow::Context;
use relais_access::keys::Purpose;
use relais_app::Fhir;
use relais_app::auth::{Auth, AuthSettings};
use relais_core::{Clock, SystemClock, UuidV7Ids};
use relais_fhir::SchemaValidator;

use super::migrate::open_store;
use crate::demo::{self, Filled};
use crate::settings::Settings;

/// `relais demo`: migrates, fills an empty database (or finds the demo there), prints the
/// accounts, exits. Refuses a database that holds other data.
pub(crate) async fn demo(settings: Settings) -> anyhow::Result<()> {
    let store = open_store(&settings).await?;
    let result = async {
        store.migrate().await.context("migrations failed")?;
        let schema = SchemaValidator::shared()?;
        let search = relais_fhir::search::SearchParams::shared(schema.resource_types())?;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let fhir = Fhir::new(store.clone(), schema, search, clock.clone(), Arc::new(UuidV7Ids));
        let secret = crate::secret::load_or_create(&settings)?;
        let sealing_key = secret.derive(Purpose::Sealing);
        let auth =
            Auth::new(store.clone(), clock, Arc::new(UuidV7Ids), AuthSettings::default(), &sealing_key);
        fill_and_print(&fhir, &auth).await
    }
    .await;
    store.close().await;
    result
}

/// Fills the database behind `fhir` (or finds the demo there) and prints what happened and the
/// accounts table on standard output. Shared by `relais demo` and `relais serve --demo`.
pub(crate) async fn fill_and_print(fhir: &Fhir, auth: &Auth) -> anyhow::Result<()> {
    let (filled, table) = demo::fill(fhir, auth).await?;
    match filled {
        Filled::Created { resources, accounts } => println!(
            "relais: demo world created in the {} database: {resources} FHIR resources, {accounts} accounts.",
            fhir.store().engine()
        ),
        Filled::AlreadyPresent { accounts: 0 } => {
            println!("relais: the demo world is already in this database; nothing was changed.")
        }
        Filled::AlreadyPresent { accounts } => println!(
            "relais: the demo world is already in this database; {accounts} missing account(s) were added."
        ),
    }
    println!();
    print!("{table}");
    Ok(())
}
