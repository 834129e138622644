//! Organisations and sites (`/admin/organisations`) and editing an account's roles
//! (`/admin/users/{id}/roles`) against a real server, on both engines: an administrator
//! creates organisations and sites (a refused form comes back with the reason next to the field
//! and what was typed, nothing written), sees each site under its organisation, and the FHIR API
//! holds the same resources; she changes an account's roles, her refusals shown next to the
//! roles; a nurse is refused all of it.

use reqwest::StatusCode;
use serde_json::Value;

use crate::browser::{Page, signed_in_staff};
use crate::support::{Harness, create_user};

crate::both_engines!(http_admin_creates_organisations_and_sites, http_admin_edits_an_accounts_roles);

const ADMIN: &str = "admin@cisss.example";
const NURSE: &str = "nurse@cisss.example";

/// How many resources of `resource_type` the FHIR API holds.
async fn count(h: &Harness, resource_type: &str) -> usize {
    let bundle: Value = h.get(&format!("/fhir/{resource_type}")).await.json();
    bundle["entry"].as_array().map_or(0, Vec::len)
}

/// The card of the organisation named `name`, as HTML.
fn card_of(page: &Page, name: &str) -> String {
    let at =
        page.body.find(&format!("<h2>{name}</h2>")).unwrap_or_else(|| panic!("no {name}: {}", page.body));
    let start = page.body[..at].rfind("<li class=\"card\"").unwrap();
    let end = at + page.body[at..].find("</li>\n  </ul>").or_else(|| page.body[at..].find("</li>")).unwrap();
    page.body[start..end].to_owned()
}

async fn http_admin_creates_organisations_and_sites(h: Harness) {
    create_user(&h, ADMIN, "administrator", &[]);
    create_user(&h, NURSE, "nurse", &[]);
    let (mut admin, _) = signed_in_staff(&h, ADMIN).await;
    let empty = admin.get("/admin/organisations").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.body.contains(r#"aria-current="page">Organisations</a>"#), "{}", empty.body);
    assert_eq!(empty.by_id("orgs-none"), "Aucune organisation pour l’instant. Créez la première ci-dessous.");
    assert!(!empty.body.contains("Créer un site"), "no site without an organisation to manage it");

    // No name: refused next to the field, the identifier kept, nothing written.
    let refused =
        admin.post("/admin/organisations", &[("form", "organisation"), ("org_identifier", "11045782")]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.by_id("org_name-error"), "Ce champ est obligatoire.");
    assert!(refused.body.contains(r#"value="11045782""#));
    assert_eq!(count(&h, "Organization").await, 0);

    let created = admin
        .post(
            "/admin/organisations",
            &[("form", "organisation"), ("org_name", " CISSS de Laval "), ("org_identifier", "11045782")],
        )
        .await;
    assert_eq!(created.location.as_deref(), Some("/admin/organisations?done=organisation"));
    admin.post("/admin/organisations", &[("form", "organisation"), ("org_name", "CIUSSS du Nord")]).await;
    let list = admin.get("/admin/organisations?done=organisation").await;
    assert!(list.body.contains("L’organisation a été créée."));
    let laval = card_of(&list, "CISSS de Laval");
    assert!(
        laval.contains("Identifiant : 11045782") && laval.contains("Aucun site pour l’instant."),
        "{laval}"
    );
    let bundle: Value = h.get("/fhir/Organization?name=CISSS%20de").await.json();
    let laval_id = bundle["entry"][0]["resource"]["id"].as_str().unwrap().to_owned();
    assert_eq!(bundle["entry"][0]["resource"]["identifier"][0]["value"], "11045782");
    // Its creation is on the audit trail, by the administrator.
    create_user(&h, "privacy@cisss.example", "privacy-officer", &[]);
    let officer = crate::support::person_token(&h, "privacy@cisss.example", "user/AuditEvent.read").await;
    let trail: Value = reqwest::Client::new()
        .get(h.url("/fhir/AuditEvent?_count=500"))
        .header("authorization", format!("Bearer {officer}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let created = trail["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| e["resource"].to_string())
        .any(|a| a.contains(r#""action":"C""#) && a.contains(&format!("Organization/{laval_id}")));
    assert!(created, "the creation is on the audit trail: {trail}");

    // A site without a name, then for an organisation that does not exist: refused, typed
    // values and the chosen organisation kept.
    let no_name = admin
        .post(
            "/admin/organisations",
            &[("form", "site"), ("site_line", "1755 boul. René-Laennec"), ("site_organisation", &laval_id)],
        )
        .await;
    assert_eq!(no_name.status, StatusCode::BAD_REQUEST);
    assert_eq!(no_name.by_id("site_name-error"), "Ce champ est obligatoire.");
    assert!(no_name.body.contains(r#"value="1755 boul. René-Laennec""#));
    assert!(
        no_name.body.contains(&format!(r#"<option value="{laval_id}" selected>CISSS de Laval</option>"#))
    );
    let unknown = admin
        .post(
            "/admin/organisations",
            &[("form", "site"), ("site_name", "Ailleurs"), ("site_organisation", "nope")],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        unknown.by_id("site_organisation-error"),
        "Cette organisation n’existe pas. Choisissez-en une de la liste."
    );
    assert_eq!(count(&h, "Location").await, 0, "nothing half-written");

    let site = admin
        .post(
            "/admin/organisations",
            &[
                ("form", "site"),
                ("site_name", "Hôpital de la Cité-de-la-Santé"),
                ("site_line", "1755 boul. René-Laennec"),
                ("site_city", "Laval"),
                ("site_organisation", &laval_id),
            ],
        )
        .await;
    assert_eq!(site.location.as_deref(), Some("/admin/organisations?done=site"));
    let list = admin.get("/admin/organisations?done=site").await;
    assert!(list.body.contains("Le site a été créé."));
    assert!(
        card_of(&list, "CISSS de Laval")
            .contains("<strong>Hôpital de la Cité-de-la-Santé</strong> — 1755 boul. René-Laennec, Laval"),
        "{}",
        list.body
    );
    assert!(card_of(&list, "CIUSSS du Nord").contains("Aucun site pour l’instant."));
    let locations: Value = h.get("/fhir/Location").await.json();
    let location = &locations["entry"][0]["resource"];
    assert_eq!(location["managingOrganization"]["reference"], format!("Organization/{laval_id}"));
    assert_eq!(location["address"]["city"], "Laval");

    // A nurse may neither see nor write them.
    let (mut nurse, _) = signed_in_staff(&h, NURSE).await;
    assert_eq!(nurse.get("/admin/organisations").await.status, StatusCode::FORBIDDEN);
    let forged =
        nurse.post("/admin/organisations", &[("form", "organisation"), ("org_name", "Pirate")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(count(&h, "Organization").await, 2);

    // English.
    admin.post("/language", &[("lang", "en"), ("back", "/admin/organisations")]).await;
    let english = admin.get("/admin/organisations").await;
    assert!(
        english.body.contains("<h1>Organisations and sites</h1>") && english.body.contains("Create a site")
    );
}

/// The id of the account row showing `email`.
fn id_of(body: &str, email: &str) -> String {
    let at = body.find(&format!(">{email}<")).unwrap();
    let row = body[..at].rfind("id=\"account-").unwrap() + "id=\"account-".len();
    body[row..row + body[row..].find('"').unwrap()].to_owned()
}

async fn http_admin_edits_an_accounts_roles(h: Harness) {
    create_user(&h, ADMIN, "administrator", &[]);
    create_user(&h, NURSE, "nurse", &[]);
    let (mut admin, _) = signed_in_staff(&h, ADMIN).await;
    let list = admin.get("/admin/users").await;
    let nurse_id = id_of(&list.body, NURSE);
    let me = id_of(&list.body, ADMIN);
    let edit = format!("/admin/users/{nurse_id}/roles");
    assert!(list.body.contains(&format!(r#"href="{edit}""#)), "each row links to its roles");

    let form = admin.get(&edit).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains(NURSE));
    assert!(
        form.body.contains(r#"value="nurse" checked"#) && !form.body.contains(r#"value="physician" checked"#)
    );

    let none = admin.post(&edit, &[]).await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST);
    assert_eq!(none.by_id("roles-error"), "Cochez au moins un rôle.");
    let specialty = admin.post(&edit, &[("roles", "nurse"), ("specialty", "dermatologie")]).await;
    assert_eq!(specialty.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        specialty.by_id("roles-error"),
        "La spécialité ne s’applique qu’au rôle de médecin spécialiste."
    );
    assert!(
        specialty.body.contains(r#"value="dermatologie""#)
            && specialty.body.contains(r#"value="nurse" checked"#)
    );

    let saved = admin.post(&edit, &[("roles", "specialist"), ("specialty", "dermatologie")]).await;
    assert_eq!(saved.location.as_deref(), Some("/admin/users?done=roles-saved"));
    let list = admin.get("/admin/users?done=roles-saved").await;
    assert!(list.body.contains("Les rôles ont été enregistrés."));
    assert!(list.body.contains("<td>Médecin spécialiste (dermatologie)</td>"), "{}", list.body);
    assert!(!list.body.contains("<td>Infirmière ou infirmier</td>"));

    // Her own administrator role cannot go: refused next to the roles, what she ticked kept.
    let own = admin.post(&format!("/admin/users/{me}/roles"), &[("roles", "nurse")]).await;
    assert_eq!(own.status, StatusCode::CONFLICT);
    assert_eq!(own.by_id("roles-error"), "Vous ne pouvez pas retirer votre propre rôle d’administrateur.");
    assert!(own.body.contains(r#"value="nurse" checked"#));
    assert!(admin.get("/admin/users").await.body.contains("<td>Administrateur ou administratrice</td>"));
    assert_eq!(admin.get("/admin/users/no-such-account/roles").await.status, StatusCode::NOT_FOUND);

    // The former nurse, now a specialist, may not edit roles.
    create_user(&h, "other@cisss.example", "nurse", &[]);
    let (mut other, _) = signed_in_staff(&h, "other@cisss.example").await;
    assert_eq!(other.get(&edit).await.status, StatusCode::FORBIDDEN);
    let forged = other.post(&format!("/admin/users/{me}/roles"), &[("roles", "nurse")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    admin.post("/language", &[("lang", "en"), ("back", "/")]).await;
    let english = admin.post(&format!("/admin/users/{me}/roles"), &[("roles", "nurse")]).await;
    assert_eq!(english.by_id("roles-error"), "You cannot remove your own administrator role.");
}
