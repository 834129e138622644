//! `relais admin create-user | list-users | disable-user | enable-user | reset-second-factor |
//! disable-client`: account administration from the command line — the way to make the first
//! administrator, before anyone can sign in to do it on a page, and to recover when no one can.
//!
//! The decisions and checks are `relais_app::accounts`' (the same as the admin page's); the
//! command acts as the operator (`Actor::Operator`, `system:cli` on the audit trail): whoever can
//! run it on the server holds the database already. Every command applies the migrations first,
//! so a fresh installation can get its first administrator.
//!
//! The password is read from standard input (one line), never from the command line (where `ps`
//! and the shell history would show it), refused from a terminal (which would echo it), and never
//! printed or logged; only its Argon2id hash is stored.

use std::io::{BufRead, IsTerminal};
use std::sync::Arc;

use anyhow::{Context, bail};
use relais_access::password::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, PasswordRejected};
use relais_access::policy::Role;
use relais_app::accounts::{
    AccountAdmin, AccountError, AccountSummary, Actor, ClientDisabled, NewAccountForm,
};
use relais_app::audit::AuditWriter;
use relais_core::{SystemClock, UuidV7Ids};
use relais_store::ResourceStore;

use crate::cli::migrate::open_store;
use crate::settings::Settings;

/// Runs `f` with the account use cases over the migrated store, then closes the store.
async fn with_admin<T>(
    settings: &Settings,
    f: impl AsyncFnOnce(&AccountAdmin, &Arc<dyn ResourceStore>) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let store = open_store(settings).await?;
    let result = async {
        store.migrate().await.context("migrations failed")?;
        let admin = AccountAdmin::new(
            store.clone(),
            Arc::new(SystemClock),
            Arc::new(UuidV7Ids),
            AuditWriter::start(store.clone()),
        );
        f(&admin, &store).await
    }
    .await;
    store.close().await;
    result
}

/// Reads and checks the password, stores the account and prints
/// `created user <id> <email> roles: …`.
pub(crate) async fn create_user(settings: Settings, form: NewAccountForm) -> anyhow::Result<()> {
    let password = tokio::task::spawn_blocking(read_password).await.context("reading the password")??;
    let form = NewAccountForm { password, ..form };
    let typed_email = form.email.clone();
    let created = with_admin(&settings, async |admin, _| {
        admin.create_account(&Actor::Operator, form).await.map_err(|e| explain(&e, &typed_email))
    })
    .await?;
    let codes: Vec<&str> = created.roles.iter().map(|r| r.role.as_str()).collect();
    println!("created user {} {} roles: {}", created.id, created.email, codes.join(", "));
    Ok(())
}

/// Prints every account, one a line, tab-separated: id, email, roles (`specialist:dermatology`),
/// `active` or `disabled`, `2fa` or `no-2fa`, display name.
pub(crate) async fn list_users(settings: Settings) -> anyhow::Result<()> {
    let all = with_admin(&settings, async |admin, _| {
        admin.list_accounts(&Actor::Operator).await.map_err(|e| explain(&e, ""))
    })
    .await?;
    for account in all {
        println!("{}", user_line(&account));
    }
    Ok(())
}

fn user_line(a: &AccountSummary) -> String {
    let roles: Vec<String> = a
        .roles
        .iter()
        .map(|r| r.specialty.as_ref().map_or_else(|| r.role.clone(), |s| format!("{}:{s}", r.role)))
        .collect();
    let state = if a.disabled_at.is_some() { "disabled" } else { "active" };
    let second = if a.second_factor { "2fa" } else { "no-2fa" };
    format!("{}\t{}\t{}\t{state}\t{second}\t{}", a.id, a.email, roles.join(","), a.display_name)
}

/// What `disable-user`, `enable-user` and `reset-second-factor` do.
#[derive(Debug, Clone, Copy)]
pub(crate) enum UserChange {
    Disable,
    Enable,
    ResetSecondFactor,
}

/// Applies `change` to the account with `email` and prints what was done.
pub(crate) async fn change_user(settings: Settings, email: &str, change: UserChange) -> anyhow::Result<()> {
    let account = with_admin(&settings, async |admin, store| {
        let Some(account) = store.account_by_email(email).await? else {
            bail!("no account has the email {}", email.trim());
        };
        let done = match change {
            UserChange::Disable => admin.disable_account(&Actor::Operator, &account.id).await,
            UserChange::Enable => admin.enable_account(&Actor::Operator, &account.id).await,
            UserChange::ResetSecondFactor => admin.reset_second_factor(&Actor::Operator, &account.id).await,
        };
        done.map_err(|e| explain(&e, email))
    })
    .await?;
    let what = match change {
        UserChange::Disable => "disabled user (its sessions are ended)",
        UserChange::Enable => "enabled user",
        UserChange::ResetSecondFactor => {
            "second factor removed (its sessions are ended; the next sign-in sets one up)"
        }
    };
    println!("{what}: {} {}", account.id, account.email);
    Ok(())
}

/// Disables the API client `client_id` and prints it.
pub(crate) async fn disable_client(settings: Settings, client_id: &str) -> anyhow::Result<()> {
    let id = client_id.trim();
    let done = with_admin(&settings, async |admin, _| {
        admin.disable_client(&Actor::Operator, id).await.map_err(|e| match e.code() {
            "client-not-found" => anyhow::anyhow!("no client has the id {id}"),
            _ => explain(&e, ""),
        })
    })
    .await?;
    match done {
        ClientDisabled::Disabled => println!("disabled client {id} (it gets no new token)"),
        ClientDisabled::AlreadyDisabled => println!("client {id} was already disabled"),
    }
    Ok(())
}

/// A refusal as a sentence for the operator, naming the flag to fix.
fn explain(e: &AccountError, email: &str) -> anyhow::Error {
    let text = match e {
        AccountError::UnknownRole(code) => {
            let valid: Vec<&str> = Role::all().map(Role::code).collect();
            format!("unknown role {code:?}; valid roles: {}", valid.join(", "))
        }
        AccountError::PasswordRejected(rule) => refusal(*rule),
        _ => match (e.field(), e.code()) {
            (_, "email-invalid") => format!(
                "{email:?} is not a valid email address (expected name@domain.example, without spaces)"
            ),
            (_, "email-taken") => format!("email already in use: {}", email.trim().to_lowercase()),
            (_, "display-name-required") => "the name (--name) cannot be empty".to_owned(),
            (_, "display-name-invalid") => "the name (--name) is too long or has control characters".to_owned(),
            (_, "roles-required") => "give at least one --role".to_owned(),
            (_, "specialty-without-specialist") => {
                "--specialty qualifies the specialist role: add --role specialist".to_owned()
            }
            (_, "patient-id-required") => {
                "a patient account needs --patient-id (the FHIR Patient it stands for)".to_owned()
            }
            (_, "related-person-id-required") => {
                "a caregiver account needs --related-person-id (the FHIR RelatedPerson the patient shares with)"
                    .to_owned()
            }
            (Some(field), "id-invalid") => {
                format!("--{} is not a FHIR id ([A-Za-z0-9-.], at most 64)", field.replace('_', "-"))
            }
            (_, "locale-unsupported") => "--locale must be fr or en".to_owned(),
            (_, "last-administrator") => {
                "refused (last-administrator): no active administrator would remain; create or enable another first"
                    .to_owned()
            }
            (_, code) => format!("refused ({code}): {e}"),
        },
    };
    anyhow::anyhow!(text)
}

/// One line from standard input, without its line ending. Refuses a terminal: what is typed
/// there is echoed to the screen.
fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        bail!(
            "the password is read from standard input and would be shown as you type it: pipe it \
             in instead, e.g. `read -rs PW; printf '%s\\n' \"$PW\" | relais admin create-user …`"
        );
    }
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line).context("cannot read the password from standard input")?;
    if read == 0 {
        bail!("no password on standard input (give it as one line)");
    }
    let len = line.trim_end_matches(['\n', '\r']).len();
    line.truncate(len);
    Ok(line)
}

/// Why the password rule refused a password, as a sentence with its reason code.
fn refusal(e: PasswordRejected) -> String {
    let why = match e {
        PasswordRejected::TooShort => format!("it must be at least {MIN_PASSWORD_CHARS} characters long"),
        PasswordRejected::TooLong => format!("it must be at most {MAX_PASSWORD_CHARS} characters long"),
        PasswordRejected::Blank => "it cannot be only spaces".to_owned(),
    };
    format!("password refused ({}): {why}", e.code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_say_why_with_the_code() {
        assert_eq!(
            refusal(PasswordRejected::TooShort),
            "password refused (password-too-short): it must be at least 12 characters long"
        );
        let e = explain(&AccountError::UnknownRole("surgeon".into()), "").to_string();
        assert!(
            e.contains("\"surgeon\"") && e.contains("on-call-neurologist") && e.contains("administrator"),
            "{e}"
        );
    }
}
