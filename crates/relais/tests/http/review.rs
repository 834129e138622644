//! The nurse's review queue page against a real server, on both engines: a pulse of 300 kept
//! for review (as home monitoring stores it) is counted on the triage page's badge and listed
//! on `/triage/review` for the nurse of the patient's care team; marking it entered in error
//! without a note is refused next to the field, in French and in English; accepting it as
//! measured raises the high-pulse alert on `/triage`; a patient may not open the page. More
//! readings than a page holds are paged, and a decision on a later page answers with that page.

use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use serde_json::json;

use crate::browser::{Browser, now, signed_in_staff};
use crate::support::{Harness, PASSWORD, create_named_user, create_user, heart_rate, patient};

crate::both_engines!(
    http_review_lists_refuses_a_missing_note_and_accepts_a_reading,
    http_review_pages_through_older_readings
);

const NURSE: &str = "lucie.gauthier@cisss.example";

/// Gérard follows the heart-failure program, his care team is Lucie (signed in as `NURSE`);
/// his id.
async fn gerard_followed_by_lucie(h: &Harness) -> String {
    let gerard = h.create(&patient("Roy", "ROYG-1")).await["id"].as_str().unwrap().to_owned();
    let nurse = h.create(&json!({"resourceType": "Practitioner", "name": [{"family": "Gauthier"}]})).await;
    let nurse_id = nurse["id"].as_str().unwrap();
    h.create(&json!({"resourceType": "CareTeam", "status": "active",
        "subject": {"reference": format!("Patient/{gerard}")},
        "participant": [{"member": {"reference": format!("Practitioner/{nurse_id}")}}]}))
        .await;
    h.create(&json!({"resourceType": "CarePlan", "status": "active", "intent": "plan",
        "instantiatesUri": ["urn:relais:program:heart-failure"],
        "subject": {"reference": format!("Patient/{gerard}")}, "period": {"start": now().to_string()}}))
        .await;
    create_named_user(h, NURSE, "Lucie Gauthier", "nurse", &["--practitioner-id", nurse_id]);
    gerard
}

/// A pulse of `value` measured at `at`, as home monitoring keeps it for review; its id.
async fn kept_pulse(h: &Harness, gerard: &str, value: u32, at: Timestamp) -> String {
    let mut pulse = heart_rate(&format!("Patient/{gerard}"), value);
    pulse["status"] = json!("preliminary");
    pulse["effectiveDateTime"] = json!(at.to_string());
    let reason = format!("{value} /min is outside the plausible range 20–250 /min");
    pulse["meta"] = json!({"tag": [{"system": "http://relais.invalid/fhir/CodeSystem/monitoring-review",
        "code": "implausible", "display": reason}]});
    pulse["note"] = json!([{"text": reason}]);
    h.create(&pulse).await["id"].as_str().unwrap().to_owned()
}

async fn http_review_lists_refuses_a_missing_note_and_accepts_a_reading(h: Harness) {
    let gerard = gerard_followed_by_lucie(&h).await;
    let id = kept_pulse(&h, &gerard, 300, now()).await;
    let reason = "300 /min is outside the plausible range 20–250 /min";
    create_user(&h, "gerard@example.org", "patient", &["--patient-id", &gerard]);
    let (mut lucie, _) = signed_in_staff(&h, NURSE).await;

    // The triage page counts it and leads to the queue.
    let triage = lucie.get("/triage").await;
    assert_eq!(triage.by_id("review-badge"), "1 relevé à vérifier", "{}", triage.body);
    let page = lucie.get("/triage/review").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&format!(r#"id="reading-{id}""#)), "{}", page.body);
    assert!(page.body.contains("Fréquence cardiaque : 300 /min"), "{}", page.body);
    assert!(page.body.contains("Valeur invraisemblable") && page.body.contains(reason));
    assert!(page.body.contains(&format!(r#"id="accept-{id}""#)));

    // Entered in error without a note: refused, the reason next to the field.
    let path = format!("/triage/review/{id}/entered-in-error");
    let refused = lucie.post(&path, &[("version", "1"), ("note", " ")]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.by_id(&format!("note-{id}-error")),
        "Expliquez en une note pourquoi ce relevé est erroné."
    );
    lucie.language = Some("en");
    lucie.post("/language", &[("lang", "en"), ("back", "/triage/review")]).await;
    let refused = lucie.post(&path, &[("version", "1"), ("note", "")]).await;
    assert_eq!(refused.by_id(&format!("note-{id}-error")), "Say in a note why this reading is wrong.");

    // Accepted as measured: it counts, the high-pulse alert is on the dashboard.
    let accepted = lucie.post(&format!("/triage/review/{id}/accept"), &[("version", "1")]).await;
    assert_eq!(accepted.location.as_deref(), Some("/triage/review?done=accepted"));
    let after = lucie.get("/triage/review?done=accepted").await;
    assert!(
        after.body.contains("Reading accepted") && after.body.contains("No reading to review."),
        "{}",
        after.body
    );
    let triage = lucie.get("/triage").await;
    assert!(triage.body.contains("Pouls au-dessus de 110"), "{}", triage.body);
    assert!(!triage.body.contains("review-badge"));
    // The alert is closed like any other.
    let task = triage.body.split("id=\"ack-").nth(1).and_then(|r| r.split('"').next()).unwrap().to_owned();
    let resolved = lucie
        .post(
            &format!("/triage/{task}/resolve"),
            &[("version", "1"), ("outcome", "no-action-needed"), ("note", "Pouls vérifié")],
        )
        .await;
    assert_eq!(resolved.location.as_deref(), Some("/triage?done=resolved"));
    // A second decision on the version shown is refused, naming who decided.
    let again = lucie.post(&path, &[("version", "1"), ("note", "Doublon")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("already reviewed by Lucie Gauthier"), "{}", again.body);
    // The name comes from the record: a link cannot make the page name someone else.
    let forged = lucie.get("/triage/review?notice=review-already-done&by=Mallory").await;
    assert!(!forged.body.contains("Mallory") && !forged.body.contains("already reviewed"), "{}", forged.body);

    // Not a patient's page.
    let mut gerard_browser = Browser::new(&h);
    gerard_browser.post("/sign-in", &[("email", "gerard@example.org"), ("password", PASSWORD)]).await;
    assert_eq!(gerard_browser.get("/triage/review").await.status, StatusCode::FORBIDDEN);
}

/// More readings than a page holds: the oldest is one link away, and back; a page link that is
/// not the queue's leads back to the first page, saying so.
async fn http_review_pages_through_older_readings(h: Harness) {
    let gerard = gerard_followed_by_lucie(&h).await;
    let newest = now();
    // 100 fit on a page (`MAX_REVIEW`): the oldest of 101, a pulse of 299, is on the second.
    kept_pulse(&h, &gerard, 299, newest - SignedDuration::from_hours(3)).await;
    for minute in 0..100 {
        kept_pulse(&h, &gerard, 300, newest - SignedDuration::from_mins(minute)).await;
    }
    let (mut lucie, _) = signed_in_staff(&h, NURSE).await;
    let rows = |page: &crate::browser::Page| page.body.matches(r#"<tr id="reading-"#).count();

    let triage = lucie.get("/triage").await;
    assert_eq!(triage.by_id("review-badge"), "101 relevés à vérifier", "{}", triage.body);
    let first = lucie.get("/triage/review").await;
    assert_eq!(rows(&first), 100);
    assert!(!first.body.contains("299 /min") && !first.body.contains("review-newest"), "{}", first.body);
    assert_eq!(first.by_id("review-older"), "Relevés plus anciens");
    let older = first.body.split(r#"<a href=""#).find(|a| a.starts_with("/triage/review?after=")).unwrap();
    let older = older.split('"').next().unwrap().to_owned();

    let second = lucie.get(&older).await;
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(rows(&second), 1, "{}", second.body);
    assert!(second.body.contains("Fréquence cardiaque : 299 /min"), "{}", second.body);
    assert_eq!(second.by_id("review-newest"), "Revenir aux relevés les plus récents");
    assert!(!second.body.contains("review-older"), "nothing older: {}", second.body);
    let carried =
        format!(r#"<input type="hidden" name="after" value="{}">"#, &older["/triage/review?after=".len()..]);
    assert_eq!(
        second.body.matches(&carried).count(),
        2,
        "both of the reading's forms name the page: {}",
        second.body
    );

    // A note refused on the second page comes back on it, next to its field, the note kept.
    let cursor = older.strip_prefix("/triage/review?after=").unwrap();
    let oldest =
        second.body.split(r#"<tr id="reading-"#).nth(1).unwrap().split('"').next().unwrap().to_owned();
    let path = format!("/triage/review/{oldest}/entered-in-error");
    let refused =
        lucie.post(&path, &[("version", "1"), ("note", "x".repeat(1001).as_str()), ("after", cursor)]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.by_id(&format!("note-{oldest}-error")), "La note dépasse 1000 caractères.");
    assert!(refused.body.contains("review-newest") && refused.body.contains(&"x".repeat(1001)));
    // Accepted from there: the answer is that page again, with the notice.
    let accepted =
        lucie.post(&format!("/triage/review/{oldest}/accept"), &[("version", "1"), ("after", cursor)]).await;
    assert_eq!(accepted.location, Some(format!("/triage/review?done=accepted&after={cursor}")));
    let after = lucie.get(accepted.location.as_deref().unwrap()).await;
    assert_eq!(
        after.by_id("review-notice"),
        "Relevé accepté : il compte désormais et le patient a été réévalué."
    );
    assert_eq!(rows(&after), 0, "{}", after.body);
    assert!(after.body.contains("Aucun relevé plus ancien."), "{}", after.body);
    assert!(after.body.contains("review-newest"));

    // A link the queue did not give (tampered, or from another list): the newest, and why —
    // also for a real cursor whose date was made text (PostgreSQL would fail comparing it).
    let tampered = lucie.get("/triage/review?after=7b7d").await;
    assert_eq!(tampered.location.as_deref(), Some("/triage/review?notice=review-page-gone"));
    let forged = lucie.get(&format!("/triage/review?after={}", with_text_key(cursor))).await;
    assert_eq!(forged.location.as_deref(), Some("/triage/review?notice=review-page-gone"));
    let back = lucie.get("/triage/review?notice=review-page-gone").await;
    assert_eq!(rows(&back), 100);
    assert_eq!(
        back.by_id("review-notice"),
        "Cette page de la liste n’existe plus : voici les relevés les plus récents."
    );
}

/// The paging cursor `hex` (hex of a JSON object, its sort keys under `k`) with its first key
/// replaced by text.
fn with_text_key(hex: &str) -> String {
    let bytes: Vec<u8> =
        (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
    let mut cursor: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    cursor["k"][0] = json!({"t": "2026-11-28"});
    cursor.to_string().bytes().map(|b| format!("{b:02x}")).collect()
}
