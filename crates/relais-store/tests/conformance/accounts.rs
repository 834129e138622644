//! Accounts: what is created reads back, by email in any case and by id, with its roles; a second
//! account with the same email (in another case) is refused as `EmailTaken` and leaves nothing
//! behind, not even its roles, also when creations race; listing is by email; unknown ids and
//! emails read as none.

use std::sync::Arc;

use relais_store::{Account, AccountRole, NewAccount, ResourceStore, StoreError};

use crate::support::at;

fn role(code: &str, specialty: Option<&str>) -> AccountRole {
    AccountRole { role: code.to_owned(), specialty: specialty.map(str::to_owned) }
}

/// An account with the given id and email, holding `roles`.
fn new_account(id: &str, email: &str, roles: Vec<AccountRole>) -> NewAccount {
    NewAccount {
        id: id.to_owned(),
        email: email.to_owned(),
        display_name: format!("Dre Hélène {id}"),
        password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$hash-{id}"),
        organisation: Some("CISSS des Laurentides".to_owned()),
        practitioner_id: Some(format!("prac-{id}")),
        patient_id: None,
        related_person_id: None,
        locale: None,
        roles,
        created_at: at(7),
    }
}

/// Roles as stored for `account_id`, read with SQL outside the store.
async fn stored_roles(store: &dyn ResourceStore, url: &str, account_id: &str) -> Vec<String> {
    use sqlx::Connection;
    let sql = "SELECT role FROM account_roles WHERE account_id = $1 ORDER BY role";
    match store.engine() {
        "sqlite" => {
            let mut conn = sqlx::SqliteConnection::connect(url).await.expect("connect to SQLite");
            sqlx::query_scalar(sql).bind(account_id).fetch_all(&mut conn).await.expect("read roles")
        }
        _ => {
            let mut conn = sqlx::PgConnection::connect(url).await.expect("connect to PostgreSQL");
            sqlx::query_scalar(sql).bind(account_id).fetch_all(&mut conn).await.expect("read roles")
        }
    }
}

pub async fn account_created_reads_back_by_email_in_any_case_and_by_id(store: Arc<dyn ResourceStore>) {
    let mut new = new_account(
        "0193a1b2-0000-7000-8000-000000000001",
        "  Hélène.Roy@CISSS.example  ",
        vec![role("specialist", Some("dermatology")), role("nurse", None), role("physician", None)],
    );
    new.patient_id = Some("patient-42".to_owned());
    store.create_account(&new).await.expect("create the account");

    let expected = Account {
        id: new.id.clone(),
        email: "hélène.roy@cisss.example".to_owned(),
        display_name: new.display_name.clone(),
        password_hash: new.password_hash.clone(),
        totp_secret: None,
        organisation: Some("CISSS des Laurentides".to_owned()),
        practitioner_id: Some(format!("prac-{}", new.id)),
        patient_id: Some("patient-42".to_owned()),
        // Ordered by role code.
        related_person_id: None,
        locale: None,
        roles: vec![role("nurse", None), role("physician", None), role("specialist", Some("dermatology"))],
        created_at: at(7),
        disabled_at: None,
    };
    for email in ["hélène.roy@cisss.example", "HÉLÈNE.ROY@CISSS.EXAMPLE", " Hélène.Roy@cisss.EXAMPLE "]
    {
        let found = store.account_by_email(email).await.expect("look up by email");
        assert_eq!(found.as_ref(), Some(&expected), "looked up as {email:?}");
    }
    let found = store.account_by_id(&new.id).await.expect("look up by id");
    assert_eq!(found, Some(expected));

    // An account without roles reads back with none (the join finds no role row).
    store
        .create_account(&new_account("0193a1b2-0000-7000-8000-000000000002", "admin@example.org", vec![]))
        .await
        .expect("create an account without roles");
    let bare = store.account_by_email("admin@example.org").await.expect("look up").expect("found");
    assert!(bare.roles.is_empty());
}

pub async fn account_duplicate_email_is_refused_and_writes_nothing(store: Arc<dyn ResourceStore>, url: &str) {
    let first =
        new_account("0193a1b2-0000-7000-8000-00000000000a", "marc@example.org", vec![role("nurse", None)]);
    store.create_account(&first).await.expect("create the first account");

    let second = new_account(
        "0193a1b2-0000-7000-8000-00000000000b",
        "Marc@Example.ORG",
        vec![role("administrator", None), role("privacy-officer", None)],
    );
    match store.create_account(&second).await {
        Err(StoreError::EmailTaken) => {}
        other => panic!("expected EmailTaken, got {other:?}"),
    }
    assert!(
        store.account_by_id(&second.id).await.expect("look up").is_none(),
        "the refused account is absent"
    );
    assert!(
        stored_roles(&*store, url, &second.id).await.is_empty(),
        "no role of the refused account was stored"
    );

    let kept = store.account_by_email("marc@example.org").await.expect("look up").expect("the first remains");
    assert_eq!(kept.id, first.id);
    assert_eq!(kept.roles, vec![role("nurse", None)], "the first account's roles are untouched");
    assert_eq!(store.list_accounts().await.expect("list").len(), 1);

    // An id used twice is a conflict, not a taken email.
    let same_id = new_account(&first.id, "other@example.org", vec![]);
    match store.create_account(&same_id).await {
        Err(StoreError::Conflict) => {}
        other => panic!("expected Conflict for a reused id, got {other:?}"),
    }
}

pub async fn account_list_is_ordered_by_email(store: Arc<dyn ResourceStore>) {
    assert!(store.list_accounts().await.expect("list").is_empty());
    let emails = ["zoe@example.org", "Alice@example.org", "marc@example.org", "bob@example.org"];
    for (n, email) in emails.iter().enumerate() {
        let roles = vec![role("physician", None), role("caregiver", None)];
        let id = format!("0193a1b2-0000-7000-8000-0000000001{n:02}");
        store.create_account(&new_account(&id, email, roles)).await.expect("create");
    }
    let listed = store.list_accounts().await.expect("list");
    let listed_emails: Vec<&str> = listed.iter().map(|a| a.email.as_str()).collect();
    assert_eq!(
        listed_emails,
        ["alice@example.org", "bob@example.org", "marc@example.org", "zoe@example.org"]
    );
    for account in &listed {
        assert_eq!(
            account.roles,
            vec![role("caregiver", None), role("physician", None)],
            "{}",
            account.email
        );
    }
}

pub async fn account_unknown_id_or_email_reads_as_none(store: Arc<dyn ResourceStore>) {
    store
        .create_account(&new_account("0193a1b2-0000-7000-8000-000000000201", "known@example.org", vec![]))
        .await
        .expect("create");
    assert!(store.account_by_email("unknown@example.org").await.expect("look up").is_none());
    assert!(store.account_by_email("known@example").await.expect("look up").is_none());
    assert!(store.account_by_email("").await.expect("look up").is_none());
    assert!(store.account_by_id("0193a1b2-0000-7000-8000-000000000202").await.expect("look up").is_none());
    assert!(store.account_by_id("known@example.org").await.expect("look up").is_none());
}

pub async fn account_concurrent_creations_with_one_email_store_exactly_one(store: Arc<dyn ResourceStore>) {
    let tasks: Vec<_> = (0..8)
        .map(|n| {
            let store = store.clone();
            // One email, spelt two ways; each creation with its own id and roles.
            let email = if n % 2 == 0 { "Same@Example.org" } else { "same@example.ORG" };
            let account = new_account(
                &format!("0193a1b2-0000-7000-8000-0000000003{n:02}"),
                email,
                vec![role("nurse", None), role("caregiver", None)],
            );
            tokio::spawn(async move { store.create_account(&account).await })
        })
        .collect();
    let mut created = 0;
    for task in tasks {
        match task.await.expect("task") {
            Ok(()) => created += 1,
            Err(StoreError::EmailTaken) => {}
            Err(other) => panic!("expected Ok or EmailTaken, got {other:?}"),
        }
    }
    assert_eq!(created, 1, "exactly one creation wins");
    let all = store.list_accounts().await.expect("list");
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].roles.len(), 2, "the winner's roles, and no one else's");
}
