//! `relais admin create-user`: creates an account from the command line — the way to make the
//! first administrator, before anyone can sign in to do it on a page.
//!
//! Everything is checked before anything is written: the email's shape, each role against
//! `Role::all()`, the specialty against the roles, the password against
//! `relais_access::password::check_rule`. The password is read from standard input (one line),
//! never from the command line (where `ps` and the shell history would show it), refused from a
//! terminal (which would echo it), and never printed or logged; only its Argon2id hash is stored.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, bail};
use relais_access::password::{self, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, PasswordRejected};
use relais_access::policy::Role;
use relais_core::{Clock, IdGenerator, SystemClock, UuidV7Ids};
use relais_store::{AccountRole, NewAccount, StoreError, normalise_email};

use crate::cli::migrate::open_store;
use crate::settings::Settings;

/// What `create-user` was asked to create (the password comes separately, from stdin).
#[derive(Debug)]
pub(crate) struct UserSpec {
    pub email: String,
    pub name: String,
    pub roles: Vec<String>,
    pub specialty: Option<String>,
    pub organisation: Option<String>,
    pub practitioner_id: Option<String>,
    pub patient_id: Option<String>,
}

/// Checks `spec`, reads and checks the password, hashes it, stores the account (applying
/// migrations first, so a fresh installation can get its first administrator) and prints
/// `created user <id> <email> roles: …`.
pub(crate) async fn create_user(settings: Settings, spec: UserSpec) -> anyhow::Result<()> {
    let email = checked_email(&spec.email)?;
    let name = spec.name.trim();
    if name.is_empty() {
        bail!("the name (--name) cannot be empty");
    }
    let roles = checked_roles(&spec.roles)?;
    let specialty = spec.specialty.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if specialty.is_some() && !roles.contains(&Role::Specialist) {
        bail!("--specialty qualifies the specialist role: add --role specialist");
    }

    let typed = tokio::task::spawn_blocking(read_password).await.context("reading the password")??;
    password::check_rule(&typed).map_err(|e| anyhow::anyhow!(refusal(e)))?;
    // Argon2id takes ~19 MiB and tens of milliseconds: off the async workers.
    let password_hash = tokio::task::spawn_blocking(move || password::hash(&typed))
        .await
        .context("hashing the password")?
        .map_err(|e| anyhow::anyhow!("cannot hash the password ({})", e.code()))?;

    let account = NewAccount {
        id: UuidV7Ids.new_id(),
        email,
        display_name: name.to_owned(),
        password_hash,
        organisation: optional(spec.organisation),
        practitioner_id: optional(spec.practitioner_id),
        patient_id: optional(spec.patient_id),
        related_person_id: None,
        locale: None,
        roles: roles
            .iter()
            .map(|&role| AccountRole {
                role: role.code().to_owned(),
                specialty: if role == Role::Specialist { specialty.map(str::to_owned) } else { None },
            })
            .collect(),
        created_at: SystemClock.now(),
    };

    let store = open_store(&settings).await?;
    let stored = async {
        store.migrate().await.context("migrations failed")?;
        match store.create_account(&account).await {
            Ok(()) => Ok(()),
            Err(StoreError::EmailTaken) => bail!("email already in use: {}", account.email),
            Err(e) => Err(anyhow::Error::new(e).context("cannot store the account")),
        }
    }
    .await;
    store.close().await;
    stored?;

    let codes: Vec<&str> = roles.iter().map(|r| r.code()).collect();
    println!("created user {} {} roles: {}", account.id, account.email, codes.join(", "));
    Ok(())
}

/// The email, trimmed and lower-cased, if it looks like one: one `@` with something on each side,
/// a dot in the domain, no spaces or control characters. Deliverability is not checked here.
fn checked_email(raw: &str) -> anyhow::Result<String> {
    let email = normalise_email(raw);
    let shaped = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        }
        None => false,
    };
    if !shaped || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        bail!("{raw:?} is not a valid email address (expected name@domain.example, without spaces)");
    }
    Ok(email)
}

/// The roles named by `codes`, each once, in the order given; an unknown code is an error that
/// lists the valid ones.
fn checked_roles(codes: &[String]) -> anyhow::Result<Vec<Role>> {
    let mut roles = Vec::new();
    for code in codes {
        let Some(role) = Role::from_code(code.trim()) else {
            let valid: Vec<&str> = Role::all().map(Role::code).collect();
            bail!("unknown role {code:?}; valid roles: {}", valid.join(", "));
        };
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    if roles.is_empty() {
        bail!("give at least one --role");
    }
    Ok(roles)
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

/// `None` for an absent or blank option.
fn optional(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_and_normalised() {
        assert_eq!(checked_email(" Marie@CHUM.qc.ca ").unwrap(), "marie@chum.qc.ca");
        for bad in [
            "",
            "marie",
            "marie@",
            "@chum.qc.ca",
            "ma rie@chum.qc.ca",
            "a@b@chum.qc.ca",
            "marie@chum",
            "m@.ca",
        ] {
            assert!(checked_email(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn roles_are_deduplicated_and_unknown_ones_named_with_the_valid_list() {
        let roles = checked_roles(&["nurse".into(), "physician".into(), "nurse".into()]).unwrap();
        assert_eq!(roles, [Role::Nurse, Role::Physician]);
        let e = checked_roles(&["nurse".into(), "surgeon".into()]).unwrap_err().to_string();
        assert!(
            e.contains("\"surgeon\"") && e.contains("on-call-neurologist") && e.contains("administrator"),
            "{e}"
        );
        assert!(checked_roles(&[]).is_err());
    }

    #[test]
    fn refusals_say_why_with_the_code() {
        assert_eq!(
            refusal(PasswordRejected::TooShort),
            "password refused (password-too-short): it must be at least 12 characters long"
        );
    }
}
