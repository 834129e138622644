//! `relais`: the one binary. `serve` runs the server, `demo` fills the database with the demo
//! world (or `serve --demo`), `migrate` applies database migrations, `audit verify` checks the
//! audit trail's hash chain, `admin …` creates and manages accounts and API clients
//! (create-user, list-users, disable-user, enable-user, reset-second-factor, create-client,
//! disable-client), `config example` prints a commented configuration file.
//!
//! This crate wires the others together (settings, logging, store, use cases, web) and owns
//! nothing else.

mod cli;
mod demo;
mod logging;
mod mqtt;
mod secret;
mod settings;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("relais: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = match runtime.block_on(cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("relais: {e:#}");
            ExitCode::FAILURE
        }
    };
    // The command is done (its database closed): do not wait without end for background
    // tasks. sqlx 0.9.0's pool maintenance task can race `close()` — its idle count wraps
    // below zero and it loops without yielding — which left `relais admin create-user`
    // spinning at exit and a test waiting for it.
    runtime.shutdown_timeout(SHUTDOWN_WAIT);
    code
}

/// How long the end of a command waits for the runtime's remaining tasks.
const SHUTDOWN_WAIT: std::time::Duration = std::time::Duration::from_secs(2);
