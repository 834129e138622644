//! The administration pages against a real server, on both engines: an administrator creates an
//! account (a refused form comes back with the reason next to the field and what was typed),
//! sees it listed, disables it (it can no longer sign in), enables it, resets its second
//! factor; a nurse is refused the pages. And a person's language choice follows their account
//! to another browser.

use reqwest::StatusCode;

use crate::browser::{Browser, signed_in_staff, signed_in_staff_with};
use crate::support::{Harness, PASSWORD, create_user};

crate::both_engines!(http_admin_pages_manage_accounts, http_language_choice_follows_the_account);

const ADMIN: &str = "admin@cisss.example";

async fn http_admin_pages_manage_accounts(h: Harness) {
    create_user(&h, ADMIN, "administrator", &[]);
    create_user(&h, "nurse@cisss.example", "nurse", &[]);
    let (mut admin, _) = signed_in_staff(&h, ADMIN).await;
    let list = admin.get("/admin/users").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("<caption id=\"users-caption\">2 comptes</caption>"), "{}", list.body);
    assert!(list.body.contains("Administrateur ou administratrice"));

    // A form with no role and a patient without a record: refused, what was typed kept.
    let refused = admin
        .post(
            "/admin/users",
            &[
                ("display_name", "Nadia Benali"),
                ("email", "nadia@cisss.example"),
                ("password", "Une-phrase-de-passe-solide"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.by_id("roles-error"), "Cochez au moins un rôle.");
    assert!(
        refused.body.contains(r#"value="Nadia Benali""#)
            && refused.body.contains(r#"value="nadia@cisss.example""#)
    );
    assert!(!refused.body.contains("Une-phrase-de-passe-solide"), "the password is not sent back");
    let patient = admin
        .post(
            "/admin/users",
            &[
                ("display_name", "Nadia Benali"),
                ("email", "nadia@cisss.example"),
                ("password", "Une-phrase-de-passe-solide"),
                ("roles", "patient"),
            ],
        )
        .await;
    assert_eq!(patient.by_id("patient_id-error"), "Un compte de patient doit être relié à son dossier.");
    assert!(patient.body.contains(r#"value="patient" checked"#), "the ticked role stays ticked");

    let created = admin
        .post(
            "/admin/users",
            &[
                ("display_name", "Nadia Benali"),
                ("email", "nadia@cisss.example"),
                ("password", "Une-phrase-de-passe-solide"),
                ("roles", "nurse"),
                ("roles", "infection-control"),
                ("practitioner_id", "prac-nadia"),
            ],
        )
        .await;
    assert_eq!(created.location.as_deref(), Some("/admin/users?done=created"));
    let list = admin.get("/admin/users?done=created").await;
    assert!(list.body.contains("Le compte a été créé."));
    assert!(
        list.body.contains("<td>Prévention des infections, Infirmière ou infirmier</td>"),
        "{}",
        list.body
    );
    assert!(list.body.contains("Practitioner/prac-nadia"));
    let nadia_id = id_of(&list.body, "nadia@cisss.example");

    // Disabled: she cannot sign in; enabled again: she can.
    let disabled = admin.post(&format!("/admin/users/{nadia_id}/disable"), &[]).await;
    assert_eq!(disabled.location.as_deref(), Some("/admin/users?done=disabled"));
    assert!(admin.get("/admin/users").await.body.contains("Désactivé depuis le "));
    let mut nadia = Browser::new(&h);
    let refused = nadia
        .post("/sign-in", &[("email", "nadia@cisss.example"), ("password", "Une-phrase-de-passe-solide")])
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    admin.post(&format!("/admin/users/{nadia_id}/enable"), &[]).await;
    let (_, _) = signed_in_staff_with(&h, "nadia@cisss.example", "Une-phrase-de-passe-solide").await;
    let list = admin.get("/admin/users").await;
    let row = &list.body[list.body.find(&format!("id=\"account-{nadia_id}\"")).unwrap()..];
    assert!(row[..row.find("</tr>").unwrap()].contains("<td>Oui</td>"), "her second factor is set up");

    // Her second factor reset: her next sign-in sets up a new one (the helper checks it is
    // sent to the setup page).
    let reset = admin.post(&format!("/admin/users/{nadia_id}/reset-second-factor"), &[]).await;
    assert_eq!(reset.location.as_deref(), Some("/admin/users?done=second-factor-reset"));
    signed_in_staff_with(&h, "nadia@cisss.example", "Une-phrase-de-passe-solide").await;

    // The administrator cannot lock themself out.
    let me = id_of(&admin.get("/admin/users").await.body, ADMIN);
    let own = admin.post(&format!("/admin/users/{me}/disable"), &[]).await;
    assert_eq!(own.location.as_deref(), Some("/admin/users?error=cannot-disable-self"));
    assert!(
        admin
            .get("/admin/users?error=cannot-disable-self")
            .await
            .body
            .contains("Vous ne pouvez pas désactiver votre propre compte.")
    );

    // A nurse is refused the pages, and her forged operation does nothing.
    let (mut nurse, _) = signed_in_staff(&h, "nurse@cisss.example").await;
    assert_eq!(nurse.get("/admin/users").await.status, StatusCode::FORBIDDEN);
    assert_eq!(nurse.post(&format!("/admin/users/{me}/disable"), &[]).await.status, StatusCode::FORBIDDEN);
    assert!(!admin.get("/admin/users").await.body.contains("Désactivé depuis"), "nobody is disabled");
}

/// The id of the account row showing `email`.
fn id_of(body: &str, email: &str) -> String {
    let at = body.find(&format!(">{email}<")).unwrap();
    let row = body[..at].rfind("id=\"account-").unwrap() + "id=\"account-".len();
    body[row..row + body[row..].find('"').unwrap()].to_owned()
}

async fn http_language_choice_follows_the_account(h: Harness) {
    create_user(&h, "lea@example.org", "patient", &["--patient-id", "lea"]);
    let mut laptop = Browser::new(&h);
    laptop.post("/sign-in", &[("email", "lea@example.org"), ("password", PASSWORD)]).await;
    laptop.post("/language", &[("lang", "en"), ("back", "/")]).await;
    // A phone: no language cookie, a French browser; signed in, the page follows her choice.
    let mut phone = Browser::new(&h);
    phone.language = Some("fr-CA");
    assert!(phone.get("/sign-in").await.body.contains("<h1>Connexion</h1>"), "not signed in: the browser's");
    phone.post("/sign-in", &[("email", "lea@example.org"), ("password", PASSWORD)]).await;
    let home = phone.get("/").await;
    assert!(
        home.body.contains(r#"<html lang="en">"#) && home.body.contains("My upcoming appointments"),
        "{}",
        home.body
    );
}
