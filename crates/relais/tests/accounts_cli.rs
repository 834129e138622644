//! `relais admin create-user`, the real binary against a real SQLite file and a real PostgreSQL
//! database (not migrated beforehand: the command migrates, as for a first administrator): the
//! account is stored with its roles and a hash that verifies the password typed on stdin; a
//! duplicate email (in another case), an unknown role, a short password and a malformed email
//! exit 1 with a readable reason and store nothing. The password never shows in any output.

// Test code: a failed unwrap is a failed test, with its line.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;

use relais_access::password::{self, Verified};
use relais_store::{AccountRole, ResourceStore, StoreOptions};
use relais_testkit::{Engine, TestDb};

/// The password the tests type; no output may contain it.
const PASSWORD: &str = "Corr3ct-h0rse-BATTERY-9";

relais_testkit::engine_tests!(
    account_create_user_stores_a_verifiable_hash_and_roles,
    account_create_user_duplicate_email_exits_1,
    account_create_user_unknown_role_exits_1_naming_valid_roles,
    account_create_user_short_password_or_bad_email_exits_1,
);

/// What one run of `relais admin create-user` showed.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `relais admin create-user --database-url … args` with `stdin` as its standard input, and
/// checks that neither the password typed nor the one in the input shows in what it printed.
fn create_user(db: &TestDb, args: &[&str], stdin: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_relais"))
        .args(["admin", "create-user", "--database-url", db.url()])
        .args(args)
        .current_dir(db.dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The command may exit before reading (a bad argument): a broken pipe is fine.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    let out = child.wait_with_output().unwrap();
    let run = Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    let typed = stdin.trim_end_matches(['\n', '\r']);
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains(PASSWORD), "the password in the output: {text}");
        if !typed.is_empty() {
            assert!(!text.contains(typed), "the typed password in the output: {text}");
        }
    }
    run
}

async fn open(db: &TestDb) -> Arc<dyn ResourceStore> {
    relais_store::open(db.url(), &StoreOptions::default()).await.unwrap()
}

fn line(password: &str) -> String {
    format!("{password}\n")
}

async fn account_create_user_stores_a_verifiable_hash_and_roles(engine: Engine) {
    let db = TestDb::new(engine).await;
    let run = create_user(
        &db,
        &[
            "--email",
            " Hélène.Roy@CISSS.example ",
            "--name",
            "Dre Hélène Roy",
            "--role",
            "physician",
            "--role",
            "specialist",
            "--specialty",
            "dermatology",
            "--organisation",
            "CISSS des Laurentides",
            "--practitioner-id",
            "prac-17",
        ],
        &line(PASSWORD),
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let printed: Vec<&str> = run.stdout.trim().split(' ').collect();
    assert_eq!(printed[..2], ["created", "user"], "{}", run.stdout);
    let id = printed[2];
    assert!(
        run.stdout.trim().ends_with(" hélène.roy@cisss.example roles: physician, specialist"),
        "{}",
        run.stdout
    );
    assert!(uuid_v7(id), "{id} is not a uuid v7");

    let store = open(&db).await;
    let account = store.account_by_email("HÉLÈNE.ROY@cisss.example").await.unwrap().expect("stored");
    let by_id = store.account_by_id(id).await.unwrap().expect("stored under the printed id");
    store.close().await;
    assert_eq!(by_id, account);
    assert_eq!(account.email, "hélène.roy@cisss.example");
    assert_eq!(account.display_name, "Dre Hélène Roy");
    assert_eq!(account.organisation.as_deref(), Some("CISSS des Laurentides"));
    assert_eq!(account.practitioner_id.as_deref(), Some("prac-17"));
    assert_eq!(account.patient_id, None);
    assert_eq!(account.totp_secret, None);
    assert_eq!(account.disabled_at, None);
    assert_eq!(
        account.roles,
        [
            AccountRole { role: "physician".into(), specialty: None },
            AccountRole { role: "specialist".into(), specialty: Some("dermatology".into()) },
        ]
    );
    assert!(account.password_hash.starts_with("$argon2id$"), "an Argon2id PHC string");
    assert!(!account.password_hash.contains(PASSWORD));
    assert_eq!(
        password::verify(PASSWORD, &account.password_hash).unwrap(),
        Verified::Ok { needs_rehash: false }
    );
    assert_eq!(password::verify("Corr3ct-h0rse-BATTERY-8", &account.password_hash).unwrap(), Verified::Wrong);

    // `--password-stdin` is accepted (implied anyway), a CRLF line ending is not part of the
    // password, and a second account gets its own id.
    let run = create_user(
        &db,
        &["--email", "admin@example.org", "--name", "Admin", "--role", "administrator", "--password-stdin"],
        "Another-long-passphrase\r\n",
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.trim().ends_with(" admin@example.org roles: administrator"), "{}", run.stdout);
    let store = open(&db).await;
    let admin = store.account_by_email("admin@example.org").await.unwrap().expect("stored");
    let all = store.list_accounts().await.unwrap();
    store.close().await;
    assert_ne!(admin.id, id);
    assert_eq!(
        password::verify("Another-long-passphrase", &admin.password_hash).unwrap(),
        Verified::Ok { needs_rehash: false }
    );
    assert_eq!(all.len(), 2);
}

/// A uuid v7 in its hyphenated text form.
fn uuid_v7(id: &str) -> bool {
    let parts: Vec<&str> = id.split('-').collect();
    parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && id.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
        && parts[2].starts_with('7')
}

async fn account_create_user_duplicate_email_exits_1(engine: Engine) {
    let db = TestDb::new(engine).await;
    let args = ["--email", "nurse@example.org", "--name", "First", "--role", "nurse"];
    let run = create_user(&db, &args, &line(PASSWORD));
    assert_eq!(run.code, Some(0), "{}", run.stderr);

    let run = create_user(
        &db,
        &["--email", "NURSE@Example.org", "--name", "Second", "--role", "administrator"],
        &line("a-different-password"),
    );
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("email already in use"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);

    let store = open(&db).await;
    let all = store.list_accounts().await.unwrap();
    store.close().await;
    assert_eq!(all.len(), 1, "nothing of the second account was stored");
    assert_eq!(all[0].display_name, "First");
    assert_eq!(all[0].roles, [AccountRole { role: "nurse".into(), specialty: None }]);
}

async fn account_create_user_unknown_role_exits_1_naming_valid_roles(engine: Engine) {
    let db = TestDb::new(engine).await;
    let run = create_user(
        &db,
        &["--email", "x@example.org", "--name", "X", "--role", "nurse", "--role", "surgeon"],
        &line(PASSWORD),
    );
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("unknown role \"surgeon\""), "{}", run.stderr);
    for valid in ["patient", "nurse", "physician", "on-call-neurologist", "privacy-officer", "administrator"]
    {
        assert!(run.stderr.contains(valid), "{valid} not listed: {}", run.stderr);
    }

    // A specialty without the specialist role is refused too.
    let run = create_user(
        &db,
        &["--email", "x@example.org", "--name", "X", "--role", "nurse", "--specialty", "dermatology"],
        &line(PASSWORD),
    );
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("--role specialist"), "{}", run.stderr);
    assert_nothing_stored(&db).await;
}

async fn account_create_user_short_password_or_bad_email_exits_1(engine: Engine) {
    let db = TestDb::new(engine).await;
    let args = ["--email", "x@example.org", "--name", "X", "--role", "nurse"];
    let run = create_user(&db, &args, &line("short-pw"));
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("password refused (password-too-short)"), "{}", run.stderr);
    assert!(run.stderr.contains("at least 12 characters"), "{}", run.stderr);

    let run = create_user(&db, &args, &line("               "));
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("password-blank"), "{}", run.stderr);

    let run = create_user(&db, &args, "");
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("no password on standard input"), "{}", run.stderr);

    for bad in ["x.example.org", "x y@example.org", "x@", "@example.org"] {
        let run = create_user(&db, &["--email", bad, "--name", "X", "--role", "nurse"], &line(PASSWORD));
        assert_eq!(run.code, Some(1), "{bad:?} accepted");
        assert!(run.stderr.contains("is not a valid email address"), "{}", run.stderr);
    }
    assert_nothing_stored(&db).await;
}

/// No account exists (the database may not even be migrated: the command refused before opening it).
async fn assert_nothing_stored(db: &TestDb) {
    let store = open(db).await;
    store.migrate().await.unwrap();
    assert!(store.list_accounts().await.unwrap().is_empty());
    store.close().await;
}
