//! The command line.

mod admin;
mod audit;
mod clients;
mod demo;
mod devices;
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
    Serve(Serve),
    /// Fill the database with the demo world and print its accounts, then exit.
    ///
    /// Two organisations, staff of every role, a dozen patients with their histories, and an
    /// account for each person. Does nothing if the demo is there already; refuses a database
    /// that holds other data.
    Demo(ServerFlags),
    /// Apply database migrations, then exit.
    Migrate(ServerFlags),
    /// Configuration helpers.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// The tamper-evident audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Accounts.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Home devices (scales, cuffs, oximeters) that send readings.
    #[command(subcommand)]
    Device(DeviceCommand),
}

#[derive(Debug, Subcommand)]
enum DeviceCommand {
    /// A device's tokens: issue one (printed once), revoke one, list them.
    #[command(subcommand)]
    Token(DeviceTokenCommand),
}

#[derive(Debug, Subcommand)]
enum DeviceTokenCommand {
    /// Issue a token for a FHIR Device; prints `token: …` once (only its hash is kept).
    Issue(IssueDeviceToken),
    /// Revoke a token: the device is refused from now on.
    Revoke(RevokeDeviceToken),
    /// List a device's tokens, one a line, tab-separated: id, issued, active|revoked, label.
    List(ListDeviceTokens),
}

#[derive(Debug, Args)]
struct IssueDeviceToken {
    #[command(flatten)]
    flags: ServerFlags,
    /// The FHIR Device id.
    #[arg(long)]
    device: String,
    /// What staff call it, e.g. "balance, salon".
    #[arg(long, default_value = "")]
    label: String,
}

#[derive(Debug, Args)]
struct RevokeDeviceToken {
    #[command(flatten)]
    flags: ServerFlags,
    /// The token id printed by `issue` (not the token).
    token_id: String,
}

#[derive(Debug, Args)]
struct ListDeviceTokens {
    #[command(flatten)]
    flags: ServerFlags,
    /// The FHIR Device id.
    #[arg(long)]
    device: String,
}

#[derive(Debug, Args)]
struct Serve {
    #[command(flatten)]
    flags: ServerFlags,
    /// Fill an empty database with the demo world first and print its accounts (as
    /// `relais demo`); refuses to start on a database holding other data.
    #[arg(long)]
    demo: bool,
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create an account (e.g. the first administrator). The password is read from standard
    /// input, one line; it is never taken from the command line.
    CreateUser(CreateUser),
    /// List every account, one a line, tab-separated: id, email, roles, active|disabled,
    /// 2fa|no-2fa, name.
    ListUsers(ServerFlagsOnly),
    /// Disable an account: it can no longer sign in, and its sessions end at once.
    DisableUser(UserByEmail),
    /// Enable a disabled account again.
    EnableUser(UserByEmail),
    /// Remove an account's second factor (a lost phone) and end its sessions: its next sign-in
    /// sets one up again.
    ResetSecondFactor(UserByEmail),
    /// Register an OAuth2 client of the FHIR API (client credentials). Prints its id and its
    /// secret, once: only a hash of the secret is kept.
    CreateClient(CreateClient),
    /// Disable an OAuth2 client: it gets no new token (the ones it holds lapse within their
    /// lifetime).
    DisableClient(ClientById),
}

#[derive(Debug, Args)]
struct ServerFlagsOnly {
    #[command(flatten)]
    flags: ServerFlags,
}

#[derive(Debug, Args)]
struct UserByEmail {
    #[command(flatten)]
    flags: ServerFlags,
    /// The account's email (any case).
    email: String,
}

#[derive(Debug, Args)]
struct ClientById {
    #[command(flatten)]
    flags: ServerFlags,
    /// The client id printed by create-client.
    client_id: String,
}

#[derive(Debug, Args)]
struct CreateClient {
    #[command(flatten)]
    flags: ServerFlags,
    /// Name shown to operators, e.g. "MQTT gateway, 4th floor".
    #[arg(long)]
    name: String,
    /// SMART scopes it may ask for, space separated: system/Observation.write system/Patient.read
    /// for a device or integration; user/*.read or patient/*.read with --account.
    #[arg(long)]
    scope: String,
    /// The email of the account the client acts for (user/ and patient/ scopes).
    #[arg(long)]
    account: Option<String>,
}

#[derive(Debug, Args)]
struct CreateUser {
    #[command(flatten)]
    flags: ServerFlags,
    /// Email address, the sign-in name (stored lower-cased).
    #[arg(long)]
    email: String,
    /// Name shown to others.
    #[arg(long)]
    name: String,
    /// A role code (nurse, physician, specialist, administrator, …); repeat for several.
    #[arg(long = "role", value_name = "ROLE", required = true)]
    roles: Vec<String>,
    /// The specialty of the specialist role, e.g. dermatology.
    #[arg(long)]
    specialty: Option<String>,
    /// The organisation the person works for.
    #[arg(long)]
    organisation: Option<String>,
    /// The FHIR Practitioner id of a staff member.
    #[arg(long)]
    practitioner_id: Option<String>,
    /// The FHIR Patient id of a patient account (required with --role patient).
    #[arg(long)]
    patient_id: Option<String>,
    /// The FHIR RelatedPerson id of a caregiver account (required with --role caregiver): what
    /// the patient shares with that RelatedPerson (an active Consent) is what the account sees.
    #[arg(long)]
    related_person_id: Option<String>,
    /// The UI language, fr or en (default: not chosen; French is shown).
    #[arg(long)]
    locale: Option<String>,
    /// Read the password from standard input (always the case; accepted for scripts that say it).
    #[arg(long)]
    password_stdin: bool,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Check the audit trail's hash chain; print its head, or the first changed, missing or
    /// reordered record (exit status 1).
    Verify(AuditVerify),
}

#[derive(Debug, Args)]
struct AuditVerify {
    #[command(flatten)]
    flags: ServerFlags,
    /// A head printed by an earlier run, as SEQ:HASH: also fail unless record SEQ still has
    /// HASH (catches removal of the newest records and a re-sealed tail).
    #[arg(long, value_name = "SEQ:HASH")]
    expect_head: Option<audit::Head>,
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
        Command::Serve(args) => serve::serve(args.flags.settings()?, args.demo).await,
        Command::Demo(flags) => demo::demo(flags.settings()?).await,
        Command::Migrate(flags) => migrate::migrate(flags.settings()?).await,
        Command::Audit(AuditCommand::Verify(args)) => {
            audit::verify(args.flags.settings()?, args.expect_head).await
        }
        Command::Admin(AdminCommand::CreateUser(args)) => {
            let form = relais_app::accounts::NewAccountForm {
                email: args.email,
                display_name: args.name,
                password: String::new(), // read from stdin by create_user
                roles: args.roles,
                specialty: args.specialty,
                organisation: args.organisation,
                practitioner_id: args.practitioner_id,
                patient_id: args.patient_id,
                related_person_id: args.related_person_id,
                locale: args.locale,
            };
            admin::create_user(args.flags.settings()?, form).await
        }
        Command::Admin(AdminCommand::ListUsers(args)) => admin::list_users(args.flags.settings()?).await,
        Command::Admin(AdminCommand::DisableUser(args)) => {
            admin::change_user(args.flags.settings()?, &args.email, admin::UserChange::Disable).await
        }
        Command::Admin(AdminCommand::EnableUser(args)) => {
            admin::change_user(args.flags.settings()?, &args.email, admin::UserChange::Enable).await
        }
        Command::Admin(AdminCommand::ResetSecondFactor(args)) => {
            admin::change_user(args.flags.settings()?, &args.email, admin::UserChange::ResetSecondFactor)
                .await
        }
        Command::Admin(AdminCommand::DisableClient(args)) => {
            admin::disable_client(args.flags.settings()?, &args.client_id).await
        }
        Command::Admin(AdminCommand::CreateClient(args)) => {
            clients::create_client(args.flags.settings()?, &args.name, &args.scope, args.account.as_deref())
                .await
        }
        Command::Device(DeviceCommand::Token(command)) => {
            let (flags, command) = match command {
                DeviceTokenCommand::Issue(a) => {
                    (a.flags, devices::TokenCommand::Issue { device: a.device, label: a.label })
                }
                DeviceTokenCommand::Revoke(a) => {
                    (a.flags, devices::TokenCommand::Revoke { token_id: a.token_id })
                }
                DeviceTokenCommand::List(a) => (a.flags, devices::TokenCommand::List { device: a.device }),
            };
            devices::token(flags.settings()?, command).await
        }
        Command::Config(ConfigCommand::Example) => {
            print!("{}", example_file());
            Ok(())
        }
    }
}
