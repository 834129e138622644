//! The command line.

mod migrate;
mod serve;

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use figment::Figment;
use figment::providers::Serialized;
use serde::Serialize;

use crate::settings::{Settings, example_file};

/// Relais: a virtual care platform.
#[derive(Debug, Parser)]
#[command(name = "relais", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (migrations are applied first).
    Serve(ServerFlags),
    /// Apply database migrations, then exit.
    Migrate(ServerFlags),
    /// Configuration helpers.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Print a commented relais.toml with every setting at its default.
    Example,
}

/// Flags that override the configuration file and the environment.
#[derive(Debug, Args, Serialize)]
struct ServerFlags {
    /// Configuration file (default: ./relais.toml if it exists).
    #[arg(long, env = "RELAIS_CONFIG")]
    #[serde(skip)]
    config: Option<PathBuf>,
    /// Database URL: sqlite://file.db or postgres://… (default: SQLite in the data folder).
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    database_url: Option<String>,
    /// Folder for the database and blobs.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    data_dir: Option<PathBuf>,
    /// Address to listen on, e.g. 127.0.0.1:8080 (port 0 picks a free port).
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    bind: Option<SocketAddr>,
    /// URL clients reach the server at.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    public_url: Option<String>,
    /// Log format: text or json.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    log_format: Option<String>,
    /// Log filter, e.g. info or debug.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    log_level: Option<String>,
}

impl ServerFlags {
    fn settings(&self) -> anyhow::Result<Settings> {
        Ok(Settings::load(self.config.as_deref(), Figment::from(Serialized::defaults(self)))?)
    }
}

/// Runs a command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(flags) => serve::serve(flags.settings()?).await,
        Command::Migrate(flags) => migrate::migrate(flags.settings()?).await,
        Command::Config(ConfigCommand::Example) => {
            print!("{}", example_file());
            Ok(())
        }
    }
}
