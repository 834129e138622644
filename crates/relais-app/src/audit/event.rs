//! An audit record as a FHIR R4 AuditEvent (domain.md §10.4, after IHE BALP): how the privacy
//! officer reads the trail through the FHIR API, and what an external audit repository receives.
//!
//! - `type`: `rest` for a FHIR interaction, DICOM `110114` (user authentication) for sign-in and
//!   sign-out, `110113` (security alert) for break-the-glass;
//! - `subtype`: the RESTful interaction (`read`, `vread`, `search-type`, `history-instance`,
//!   `create`, `update`, `delete`), or DICOM `110122` login / `110123` logout;
//! - `action` C/R/U/D/E; `recorded`; `outcome` 0 (success), 4 (refused: minor failure), 8
//!   (failed: serious failure);
//! - `agent`: the person or client (`requestor`), with the address the request came from, and
//!   whom they acted for; `purposeOfEvent` `BTG` for a break-the-glass access (an access
//!   allowed by a break-the-glass grant, or the breaking of the glass itself);
//! - `entity`: the patient (role 1, "Patient"), the resource (role 4, "Domain resource"), and for
//!   a search its query (base64, as R4 types `entity.query`).

use data_encoding::BASE64;
use jiff::Timestamp;
use relais_access::audit::{AuditRecord, Outcome, action};
use serde_json::{Value, json};

const EVENT_TYPE: &str = "http://terminology.hl7.org/CodeSystem/audit-event-type";
const DICOM: &str = "http://dicom.nema.org/resources/ontology/DCM";
const INTERACTION: &str = "http://hl7.org/fhir/restful-interaction";
const OBJECT_ROLE: &str = "http://terminology.hl7.org/CodeSystem/object-role";
const ACT_REASON: &str = "http://terminology.hl7.org/CodeSystem/v3-ActReason";

/// The AuditEvent of `record`, observed by the server called `server`. Its id is the record's
/// sequence number, so the same record always reads as the same resource.
pub fn audit_event(record: &AuditRecord, server: &str) -> Value {
    let (event_type, subtype, act) = classify(&record.action);
    let recorded = Timestamp::from_microsecond(record.recorded)
        .map_or_else(|_| "1970-01-01T00:00:00Z".to_owned(), relais_fhir::meta::instant);
    let mut requestor = json!({
        "type": {"coding": [{"system": DICOM, "code": "110153", "display": "Source Role ID"}]},
        "who": {"identifier": {"value": record.actor}},
        "requestor": true
    });
    if let Some(address) = &record.source_address {
        requestor["network"] =
            json!({"address": address, "type": if address.contains(':') { "2" } else { "1" }});
    }
    let mut agents = vec![requestor];
    if let Some(principal) = &record.on_behalf_of {
        agents.push(json!({"who": {"identifier": {"value": principal}}, "requestor": false}));
    }
    let mut event = json!({
        "resourceType": "AuditEvent",
        "id": record.seq.to_string(),
        "type": event_type,
        "action": act,
        "recorded": recorded,
        "outcome": match record.outcome {
            Outcome::Success => "0",
            Outcome::Denied => "4",
            Outcome::Failed => "8",
        },
        "agent": agents,
        "source": {"observer": {"display": server}},
    });
    if let Some(subtype) = subtype {
        event["subtype"] = json!([subtype]);
    }
    if record.break_glass || record.action == action::BREAK_GLASS || record.purpose.as_deref() == Some("BTG")
    {
        event["purposeOfEvent"] =
            json!([{"coding": [{"system": ACT_REASON, "code": "BTG", "display": "break the glass"}]}]);
    }
    let mut entities = Vec::new();
    if let Some(patient) = &record.patient_id {
        entities.push(json!({
            "what": {"reference": format!("Patient/{patient}")},
            "role": {"system": OBJECT_ROLE, "code": "1", "display": "Patient"}
        }));
    }
    if let (Some(kind), Some(id)) = (&record.resource_type, &record.resource_id) {
        entities.push(json!({
            "what": {"reference": format!("{kind}/{id}")},
            "role": {"system": OBJECT_ROLE, "code": "4", "display": "Domain Resource"}
        }));
    }
    if let Some(query) = &record.query {
        entities.push(json!({
            "role": {"system": OBJECT_ROLE, "code": "24", "display": "Query"},
            "query": BASE64.encode(query.as_bytes())
        }));
    }
    if !entities.is_empty() {
        event["entity"] = json!(entities);
    }
    event
}

/// The AuditEvent action code (C, R, U, D or E) of a recorded action.
pub fn action_code(action_code: &str) -> &'static str {
    classify(action_code).2
}

/// (type, subtype, action code) of an action.
fn classify(action_code: &str) -> (Value, Option<Value>, &'static str) {
    let rest = json!({"system": EVENT_TYPE, "code": "rest", "display": "RESTful Operation"});
    let interaction = |code: &str| Some(json!({"system": INTERACTION, "code": code}));
    let dicom = |code: &str, display: &str| json!({"system": DICOM, "code": code, "display": display});
    match action_code {
        action::READ => (rest, interaction("read"), "R"),
        action::VREAD => (rest, interaction("vread"), "R"),
        action::HISTORY => (rest, interaction("history-instance"), "R"),
        action::SEARCH => (rest, interaction("search-type"), "E"),
        action::CREATE => (rest, interaction("create"), "C"),
        action::UPDATE => (rest, interaction("update"), "U"),
        action::DELETE => (rest, interaction("delete"), "D"),
        action::EXPORT => (dicom("110106", "Export"), None, "R"),
        action::SIGN_IN | action::SIGN_IN_FAILED => {
            (dicom("110114", "User Authentication"), Some(dicom("110122", "Login")), "E")
        }
        action::SIGN_OUT | action::SIGN_OUT_EVERYWHERE => {
            (dicom("110114", "User Authentication"), Some(dicom("110123", "Logout")), "E")
        }
        action::LOCK_OUT => (dicom("110113", "Security Alert"), None, "E"),
        action::PASSWORD_RESET_REQUEST | action::PASSWORD_RESET | action::TOTP_ENROL => {
            (dicom("110114", "User Authentication"), None, "U")
        }
        action::BREAK_GLASS => (dicom("110113", "Security Alert"), None, "E"),
        action::BREAK_GLASS_REVIEW_LIST => (dicom("110101", "Audit Log Used"), None, "R"),
        action::BREAK_GLASS_REVIEW => (dicom("110101", "Audit Log Used"), None, "U"),
        action::INVITATION_USE => {
            (dicom("110114", "User Authentication"), Some(dicom("110122", "Login")), "E")
        }
        action::ACCOUNT_CREATE => (dicom("110137", "User Security Attributes Changed"), None, "C"),
        action::ACCOUNT_LIST => (dicom("110137", "User Security Attributes Changed"), None, "R"),
        action::ACCOUNT_SET_ROLES => (dicom("110136", "Security Roles Changed"), None, "U"),
        action::ACCOUNT_DISABLE
        | action::ACCOUNT_ENABLE
        | action::ACCOUNT_RESET_SECOND_FACTOR
        | action::ACCOUNT_SET_LOCALE
        | action::CLIENT_DISABLE
        | action::DEVICE_TOKEN_ISSUE
        | action::DEVICE_TOKEN_REVOKE => (dicom("110137", "User Security Attributes Changed"), None, "U"),
        _ => (rest, None, "E"),
    }
}

#[cfg(test)]
mod tests {
    use relais_access::audit::{AuditDraft, seal};
    use relais_fhir::SchemaValidator;

    use super::*;

    fn record(action_code: &str, outcome: Outcome) -> AuditRecord {
        seal(
            None,
            AuditDraft {
                recorded: 1_764_151_200_123_456,
                actor: "user-7".into(),
                on_behalf_of: Some("client-portal".into()),
                action: action_code.into(),
                outcome,
                resource_type: Some("Observation".into()),
                resource_id: Some("obs-1".into()),
                patient_id: Some("pat-1".into()),
                query: (action_code == action::SEARCH).then(|| "Observation?code=8867-4".into()),
                source_address: Some("2001:db8::7".into()),
                purpose: None,
                break_glass: false,
            },
        )
    }

    use crate::audit::params::KNOWN_ACTIONS as ACTIONS;

    #[test]
    fn every_action_and_outcome_is_a_valid_r4_audit_event() {
        let schema = SchemaValidator::shared().unwrap();
        for code in ACTIONS {
            for outcome in Outcome::ALL {
                let event = audit_event(&record(code, outcome), "relais-test");
                assert_eq!(schema.check(&event), Ok(()), "{code} {outcome:?}: {event}");
                assert_eq!(schema.check_dates(&event), Ok(()), "{code}");
            }
        }
    }

    #[test]
    fn a_search_says_who_from_where_about_whom_and_what_was_asked() {
        let event = audit_event(&record(action::SEARCH, Outcome::Success), "relais-test");
        assert_eq!(event["id"], "1");
        assert_eq!(event["type"]["code"], "rest");
        assert_eq!(event["subtype"][0]["code"], "search-type");
        assert_eq!(event["action"], "E");
        assert_eq!(event["outcome"], "0");
        assert_eq!(event["recorded"], "2025-11-26T10:00:00.123456Z");
        assert_eq!(event["agent"][0]["who"]["identifier"]["value"], "user-7");
        assert_eq!(event["agent"][0]["requestor"], true);
        assert_eq!(event["agent"][0]["network"], json!({"address": "2001:db8::7", "type": "2"}));
        assert_eq!(event["agent"][1]["who"]["identifier"]["value"], "client-portal");
        assert_eq!(event["entity"][0]["what"]["reference"], "Patient/pat-1");
        assert_eq!(event["entity"][2]["query"], BASE64.encode(b"Observation?code=8867-4"));
        assert!(event.get("purposeOfEvent").is_none());
    }

    #[test]
    fn writes_refusals_and_break_the_glass_are_told_apart() {
        let update = audit_event(&record(action::UPDATE, Outcome::Denied), "s");
        assert_eq!((update["action"].as_str(), update["outcome"].as_str()), (Some("U"), Some("4")));
        let failed = audit_event(&record(action::DELETE, Outcome::Failed), "s");
        assert_eq!((failed["action"].as_str(), failed["outcome"].as_str()), (Some("D"), Some("8")));
        let glass = audit_event(&record(action::BREAK_GLASS, Outcome::Success), "s");
        assert_eq!(glass["type"]["code"], "110113");
        assert_eq!(glass["purposeOfEvent"][0]["coding"][0]["code"], "BTG");
        let sign_out = audit_event(&record(action::SIGN_OUT, Outcome::Success), "s");
        assert_eq!(sign_out["subtype"][0]["code"], "110123");
    }
}
