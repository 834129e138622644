use jiff::civil::date;
use relais_views::Locale;
use serde_json::json;

use super::*;

const CARD: &str = "https://example.org/ramq";

fn patient() -> Value {
    json!({
        "resourceType": "Patient", "id": "p1",
        "identifier": [{"system": "urn:other", "value": "X-1"}, {"system": CARD, "value": "GAGL48531401"}],
        "name": [{"use": "nickname", "given": ["Lili"]}, {"use": "official", "family": "Gagné", "given": ["Léa", "Marie"]}],
        "gender": "female",
        "birthDate": "1948-03-14"
    })
}

#[test]
fn the_header_shows_who_the_patient_is_and_what_to_beware_of() {
    let resources = vec![
        json!({"resourceType": "AllergyIntolerance", "code": {"text": "Pénicilline"}, "criticality": "high",
               "clinicalStatus": {"coding": [{"code": "active"}]}}),
        json!({"resourceType": "AllergyIntolerance", "code": {"coding": [{"display": "Latex"}]},
               "clinicalStatus": {"coding": [{"code": "resolved"}]}}),
        json!({"resourceType": "AllergyIntolerance", "code": {"text": "Arachides"},
               "verificationStatus": {"coding": [{"code": "refuted"}]}}),
        json!({"resourceType": "Flag", "status": "active", "code": {"text": "Isolement"}}),
        json!({"resourceType": "Flag", "status": "inactive", "code": {"text": "Ancien"}}),
    ];
    let tr = Tr::new(Locale::Fr);
    let header = header(&patient(), &resources, tr, CARD, date(2026, 3, 13));
    assert_eq!(header.name, "Léa Marie Gagné", "the official name");
    assert_eq!((header.birth_date.as_str(), header.age.as_deref()), ("1948-03-14", Some("77 ans")));
    assert_eq!(header.sex, "Féminin");
    assert_eq!(header.health_card, "GAGL48531401", "the identifier of the configured system");
    let allergies: Vec<(&str, bool)> = header.allergies.iter().map(|a| (a.text.as_str(), a.high)).collect();
    assert_eq!(allergies, [("Pénicilline", true)], "resolved and refuted allergies are not warned of");
    assert_eq!(header.flags, ["Isolement"]);

    let on_birthday = record_header_age(date(2026, 3, 14));
    assert_eq!(on_birthday.as_deref(), Some("age 78"));
    let unknown = super::header(&json!({"resourceType": "Patient"}), &[], tr, CARD, date(2026, 1, 1));
    assert_eq!(
        (unknown.birth_date.as_str(), unknown.age, unknown.sex.as_str()),
        ("Non consigné", None, "Non consigné")
    );
    assert_eq!(unknown.health_card, "Non consigné");
}

fn record_header_age(today: Date) -> Option<String> {
    header(&patient(), &[], Tr::new(Locale::En), CARD, today).age
}

#[test]
fn the_timeline_is_newest_first_with_a_kind_and_a_summary_in_local_time() {
    let resources = vec![
        json!({"resourceType": "Observation", "status": "final", "effectiveDateTime": "2026-11-03T13:00:00Z",
               "code": {"text": "Fréquence cardiaque"}, "valueQuantity": {"value": 72, "unit": "/min"}}),
        json!({"resourceType": "Observation", "status": "final", "effectiveDateTime": "2026-11-05T13:00:00Z",
               "code": {"text": "Pression artérielle"},
               "component": [{"valueQuantity": {"value": 128, "unit": "mmHg"}}, {"valueQuantity": {"value": 82, "unit": "mmHg"}}]}),
        json!({"resourceType": "Encounter", "period": {"start": "2026-11-04T15:00:00Z"},
               "class": {"code": "VR", "display": "virtual"}}),
        json!({"resourceType": "DocumentReference", "date": "2026-11-06T15:00:00Z", "description": "Plaie au talon",
               "content": [{"attachment": {"contentType": "image/jpeg"}}]}),
        json!({"resourceType": "DocumentReference", "date": "2026-11-07T15:00:00Z", "type": {"text": "Note de suivi"},
               "content": [{"attachment": {"contentType": "text/plain"}}]}),
        json!({"resourceType": "DetectedIssue", "identifiedDateTime": "2026-11-08T15:00:00Z",
               "code": {"text": "Fréquence cardiaque élevée"}, "severity": "high"}),
        json!({"resourceType": "QuestionnaireResponse", "authored": "2026-11-02",
               "questionnaire": "https://relais.example/Questionnaire/esas-r|2"}),
        json!({"resourceType": "AllergyIntolerance", "recordedDate": "2026-11-09"}),
    ];
    let (items, total) =
        timeline(&resources, Tr::new(Locale::Fr), &TimeZone::get("America/Toronto").unwrap());
    assert_eq!(total, 7, "allergies are in the header, not the timeline");
    let seen: Vec<(&str, &str, &str)> =
        items.iter().map(|i| (i.when.as_str(), i.kind.as_str(), i.summary.as_str())).collect();
    assert_eq!(
        seen,
        [
            ("2026-11-08 10:00", "Alerte", "Fréquence cardiaque élevée (high)"),
            ("2026-11-07 10:00", "Note", "Note de suivi"),
            ("2026-11-06 10:00", "Photo", "Plaie au talon"),
            ("2026-11-05 08:00", "Mesure", "Pression artérielle : 128/82 mmHg"),
            ("2026-11-04 10:00", "Rencontre", "virtual"),
            ("2026-11-03 08:00", "Mesure", "Fréquence cardiaque : 72 /min"),
            ("2026-11-02 00:00", "Questionnaire", "esas-r"),
        ]
    );
    assert_eq!(items[0].when_iso, "2026-11-08T15:00:00Z");
    assert_eq!(items[0].kind_code, "alert");
}

#[test]
fn a_day_of_home_readings_is_one_timeline_entry() {
    let reading = |at: &str, what: &str, value: u32, unit: &str| {
        json!({"resourceType": "Observation", "status": "final", "effectiveDateTime": at,
               "code": {"text": what}, "valueQuantity": {"value": value, "unit": unit}})
    };
    let resources = vec![
        reading("2026-11-05T12:30:00Z", "Poids", 84, "kg"),
        reading("2026-11-05T12:31:00Z", "Fréquence cardiaque", 90, "/min"),
        json!({"resourceType": "Encounter", "period": {"start": "2026-11-05T15:00:00Z"}, "type": [{"text": "Appel"}]}),
        reading("2026-11-05T12:32:00Z", "Saturation", 92, "%"),
        // 23:30 in Montréal is still the 4th there, though the 5th in UTC.
        reading("2026-11-05T04:30:00Z", "Poids", 83, "kg"),
    ];
    let (items, total) =
        timeline(&resources, Tr::new(Locale::Fr), &TimeZone::get("America/Toronto").unwrap());
    assert_eq!(total, 3);
    let seen: Vec<(&str, &str)> = items.iter().map(|i| (i.when.as_str(), i.summary.as_str())).collect();
    assert_eq!(
        seen,
        [
            ("2026-11-05 10:00", "Appel"),
            ("2026-11-05 07:32", "Poids : 84 kg · Fréquence cardiaque : 90 /min · Saturation : 92 %"),
            ("2026-11-04 23:30", "Poids : 83 kg"),
        ]
    );
}

#[test]
fn a_search_result_row_links_to_the_chart() {
    let row = patient_row(&patient(), Tr::new(Locale::En), CARD);
    assert_eq!(
        (row.id.as_str(), row.name.as_str(), row.birth_date.as_str()),
        ("p1", "Léa Marie Gagné", "1948-03-14")
    );
    assert_eq!(row.health_card, "GAGL48531401");
    assert_eq!(patient_row(&json!({"id": "p2"}), Tr::new(Locale::En), CARD).health_card, "Not recorded");
}
