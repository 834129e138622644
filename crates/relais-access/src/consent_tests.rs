//! Consent, case by case: given, refused, withdrawn and given again, exceptions, periods,
//! other patients, versions of the information text.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::*;

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

const NOW: &str = "2026-11-26T10:00:00Z";
const TEXT_V2: &str = "https://relais.invalid/information/telehealth/v2";

/// A Consent of patient `alice` given at `given`, with `status`, last updated at `updated`.
fn consent(id: &str, status: &str, given: &str, updated: &str, provision: Value) -> Value {
    json!({
        "resourceType": "Consent", "id": id, "status": status,
        "meta": {"lastUpdated": updated},
        "patient": {"reference": "Patient/alice"},
        "dateTime": given,
        "policy": [{"uri": TEXT_V2}],
        "provision": provision
    })
}

fn permit(topics: &[&str]) -> Value {
    let codes: Vec<Value> =
        topics.iter().map(|t| json!({"coding": [{"system": TOPIC_SYSTEM, "code": t}]})).collect();
    json!({"type": "permit", "code": codes})
}

fn telehealth(consents: &[Value]) -> ConsentStatus {
    status(consents, "alice", Topic::Telehealth, None, at(NOW))
}

fn granted(id: &str) -> ConsentStatus {
    ConsentStatus::Granted { consent: id.into(), policy: Some(TEXT_V2.into()) }
}

#[test]
fn given_refused_withdrawn_and_given_again() {
    let given = consent("c1", "active", "2026-01-05", "2026-01-05T09:00:00Z", permit(&["telehealth"]));
    let withdrawn = consent("c1", "inactive", "2026-01-05", "2026-06-01T14:00:00Z", permit(&["telehealth"]));
    let again =
        consent("c2", "active", "2026-07-01T08:00:00Z", "2026-07-01T08:00:00Z", permit(&["telehealth"]));
    let refused =
        consent("c3", "rejected", "2026-08-01T08:00:00Z", "2026-08-01T08:00:00Z", permit(&["telehealth"]));
    assert_eq!(telehealth(&[]), ConsentStatus::Missing);
    assert_eq!(telehealth(std::slice::from_ref(&given)), granted("c1"));
    assert_eq!(
        telehealth(std::slice::from_ref(&withdrawn)),
        ConsentStatus::Withdrawn { consent: "c1".into() }
    );
    assert_eq!(telehealth(&[withdrawn.clone(), again.clone()]), granted("c2"));
    assert_eq!(
        telehealth(&[again.clone(), refused.clone()]),
        ConsentStatus::Refused { consent: "c3".into() }
    );
    // A withdrawal after a later-dated consent was given still withdraws: it is the latest word.
    let late_withdrawal =
        consent("c2", "inactive", "2026-07-01T08:00:00Z", "2026-09-01T00:00:00Z", permit(&["telehealth"]));
    assert_eq!(telehealth(&[given, late_withdrawal]), ConsentStatus::Withdrawn { consent: "c2".into() });
    assert!(granted("c1").allows());
    for refusal in [
        ConsentStatus::Missing,
        ConsentStatus::Refused { consent: "c".into() },
        ConsentStatus::Withdrawn { consent: "c".into() },
    ] {
        assert!(!refusal.allows(), "{refusal:?}");
    }
}

#[test]
fn topics_exceptions_and_blanket_consents() {
    // Telehealth and photos yes, but never a recording.
    let mut with_exception = permit(&["telehealth", "photos", "recording"]);
    with_exception["provision"] =
        json!([{"type": "deny", "code": [{"coding": [{"system": TOPIC_SYSTEM, "code": "recording"}]}]}]);
    let c = [consent("c1", "active", "2026-01-05", "2026-01-05T09:00:00Z", with_exception)];
    let now = at(NOW);
    assert!(status(&c, "alice", Topic::Photos, None, now).allows());
    assert_eq!(
        status(&c, "alice", Topic::Recording, None, now),
        ConsentStatus::Refused { consent: "c1".into() }
    );
    assert_eq!(status(&c, "alice", Topic::DeviceLoan, None, now), ConsentStatus::Missing, "not named");
    // A provision naming no topic covers every one; codes of other systems are not topics.
    let blanket = [consent("c2", "active", "2026-01-05", "2026-01-05T09:00:00Z", json!({"type": "permit"}))];
    assert!(Topic::all().all(|t| status(&blanket, "alice", t, None, now).allows()));
    let foreign =
        json!({"type": "permit", "code": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}]});
    let c = [consent("c3", "active", "2026-01-05", "2026-01-05T09:00:00Z", foreign)];
    assert!(status(&c, "alice", Topic::Telehealth, None, now).allows(), "no topic named: all");
}

#[test]
fn what_does_not_count() {
    let now = at(NOW);
    let mut other_patient =
        consent("c1", "active", "2026-01-05", "2026-01-05T09:00:00Z", permit(&["telehealth"]));
    other_patient["patient"] = json!({"reference": "Patient/bob"});
    let mut expired = consent("c2", "active", "2026-01-05", "2026-01-05T09:00:00Z", permit(&["telehealth"]));
    expired["provision"]["period"] = json!({"start": "2026-01-05", "end": "2026-11-26T10:00:00Z"});
    let mut not_yet = consent("c3", "active", "2026-01-05", "2026-01-05T09:00:00Z", permit(&["telehealth"]));
    not_yet["provision"]["period"] = json!({"start": "2026-12-01"});
    let draft = consent("c4", "draft", "2026-01-05", "2026-01-05T09:00:00Z", permit(&["telehealth"]));
    let error =
        consent("c5", "entered-in-error", "2026-01-05", "2026-01-05T09:00:00Z", permit(&["telehealth"]));
    let not_consent = json!({"resourceType": "Observation", "patient": {"reference": "Patient/alice"}});
    // What she shares with her daughter (a privacy Consent naming no topic) is no consent to care.
    let mut sharing =
        consent("c7", "active", "2026-01-05", "2026-01-05T09:00:00Z", json!({"type": "permit"}));
    sharing["scope"] = json!({"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]});
    for (why, c) in [
        ("another patient's", other_patient),
        ("ended at now", expired),
        ("starts later", not_yet),
        ("a draft", draft),
        ("in error", error),
        ("not a Consent", not_consent),
        ("a privacy Consent (sharing with a caregiver)", sharing),
    ] {
        assert_eq!(status(&[c], "alice", Topic::Telehealth, None, now), ConsentStatus::Missing, "{why}");
    }
    let mut running = consent("c6", "active", "2026-01-05", "2026-01-05T09:00:00Z", permit(&["telehealth"]));
    running["provision"]["period"] = json!({"start": "2026-01-05", "end": "2026-11-26T10:00:01Z"});
    assert!(status(&[running], "alice", Topic::Telehealth, None, now).allows());
}

#[test]
fn a_consent_on_an_older_information_text_must_be_given_again() {
    let c = [consent("c1", "active", "2026-01-05", "2026-01-05T09:00:00Z", permit(&["telehealth"]))];
    let now = at(NOW);
    assert!(status(&c, "alice", Topic::Telehealth, Some(TEXT_V2), now).allows());
    let v3 = "https://relais.invalid/information/telehealth/v3";
    assert_eq!(
        status(&c, "alice", Topic::Telehealth, Some(v3), now),
        ConsentStatus::Outdated { consent: "c1".into(), policy: Some(TEXT_V2.into()) }
    );
    assert_eq!(ConsentStatus::Missing.code(), "consent-missing");
}

#[test]
fn the_written_consent_reads_back_as_granted() {
    let now = at(NOW);
    let mut written = consent_resource(
        "alice",
        &[Topic::Telehealth, Topic::Photos],
        TEXT_V2,
        "RelatedPerson/daughter",
        now,
    );
    written["id"] = json!("new");
    assert_eq!(written["provision"]["code"][1]["coding"][0]["code"], "photos");
    assert_eq!(written["performer"][0]["reference"], "RelatedPerson/daughter");
    assert_eq!(status(&[written.clone()], "alice", Topic::Photos, Some(TEXT_V2), now), granted("new"));
    assert_eq!(status(&[written], "alice", Topic::Recording, None, now), ConsentStatus::Missing);
    for topic in Topic::all() {
        assert_eq!(Topic::from_code(topic.code()), Some(topic));
    }
}

#[test]
fn the_written_consent_is_valid_r4() {
    let schema = relais_fhir::SchemaValidator::shared().unwrap();
    let written = consent_resource("alice", &[Topic::Telehealth], TEXT_V2, "Patient/alice", at(NOW));
    assert_eq!(schema.check(&written), Ok(()));
    assert_eq!(schema.check_dates(&written), Ok(()));
}
