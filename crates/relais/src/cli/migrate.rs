//! `relais migrate`.

use anyhow::Context;

use crate::settings::{Settings, redact_url};

/// Opens the database, creating the SQLite file and data folder if needed.
pub(crate) async fn open_store(
    settings: &Settings,
) -> anyhow::Result<std::sync::Arc<dyn relais_store::ResourceStore>> {
    let url = settings.effective_database_url();
    if url.starts_with("sqlite:") {
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("cannot create the data folder {}", settings.data_dir.display()))?;
    }
    let options = relais_store::StoreOptions {
        max_connections: settings.db_max_connections,
        sqlite_durability: match settings.sqlite_durability {
            crate::settings::Durability::Normal => relais_store::SqliteDurability::Normal,
            crate::settings::Durability::Full => relais_store::SqliteDurability::Full,
        },
    };
    relais_store::open(&url, &options)
        .await
        .with_context(|| format!("cannot open the database {}", redact_url(&url)))
}

/// Applies the embedded migrations and exits.
pub(crate) async fn migrate(settings: Settings) -> anyhow::Result<()> {
    let store = open_store(&settings).await?;
    store.migrate().await.context("migrations failed")?;
    println!("relais: migrations applied to the {} database", store.engine());
    store.close().await;
    Ok(())
}
