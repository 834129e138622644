//! A small clinical world written through the use cases on a fresh database: four patients,
//! two nurses' care teams and tasks, a daughter the patient shares with and a neighbour whose
//! share was withdrawn, and a few readings and a condition.

#![allow(dead_code)]

pub mod homecare;
pub mod readings;

use std::sync::Arc;

use relais_app::Fhir;
use relais_core::{FixedClock, SequentialIds};
use relais_fhir::SchemaValidator;
use relais_fhir::search::SearchParams;
use relais_store::{ResourceStore, StoreOptions};
use relais_testkit::{Engine, TestDb};
use serde_json::{Value, json};

pub struct World {
    pub fhir: Fhir,
    pub store: Arc<dyn ResourceStore>,
    pub params: Arc<SearchParams>,
    pub db: TestDb,
    /// The clock the use cases read (moved by tests of expiry).
    pub clock: Arc<FixedClock>,
}

impl World {
    pub async fn new(engine: Engine) -> World {
        let db = TestDb::new(engine).await;
        let store = relais_store::open(db.url(), &StoreOptions::default()).await.unwrap();
        store.migrate().await.unwrap();
        let schema = SchemaValidator::shared().unwrap();
        let params = SearchParams::shared(schema.resource_types()).unwrap();
        let clock = Arc::new(FixedClock::new("2026-11-26T10:00:00Z".parse().unwrap()));
        let fhir = Fhir::new(
            store.clone(),
            schema,
            params.clone(),
            clock.clone(),
            Arc::new(SequentialIds::new("x")),
        );
        for p in ["alice", "bob", "carol", "dan"] {
            put(&fhir, patient(p)).await;
        }
        put(&fhir, care_team("t1", "alice", "nurse1", "active")).await;
        put(&fhir, care_team("t2", "bob", "nurse1", "inactive")).await;
        put(&fhir, care_team("t3", "carol", "nurse2", "active")).await;
        put(&fhir, task("k1", "dan", "nurse1", "in-progress")).await;
        put(&fhir, task("k2", "carol", "nurse1", "completed")).await;
        for caregiver in ["daughter", "neighbour"] {
            let person = json!({"resourceType": "RelatedPerson", "id": caregiver, "patient": {"reference": "Patient/alice"}});
            put(&fhir, person).await;
        }
        put(&fhir, share("s1", "alice", "daughter", "active", &["Appointment", "Observation"])).await;
        put(&fhir, share("s2", "alice", "neighbour", "inactive", &[])).await;
        for (id, who) in [("o-alice", "alice"), ("o-bob", "bob"), ("o-carol", "carol"), ("o-dan", "dan")] {
            put(&fhir, heart_rate(id, who)).await;
        }
        let condition = json!({"resourceType": "Condition", "id": "c-alice",
            "code": {"text": "heart failure"}, "subject": {"reference": "Patient/alice"}});
        put(&fhir, condition).await;
        World { fhir, store, params, db, clock }
    }

    pub async fn close(self) {
        self.store.close().await;
    }
}

pub async fn put(fhir: &Fhir, resource: Value) {
    let kind = resource["resourceType"].as_str().unwrap().to_owned();
    let id = resource["id"].as_str().unwrap().to_owned();
    fhir.update(&kind, &id, resource.to_string().as_bytes(), None).await.unwrap();
}

pub fn patient(id: &str) -> Value {
    json!({"resourceType": "Patient", "id": id})
}

pub fn care_team(id: &str, patient: &str, member: &str, status: &str) -> Value {
    json!({"resourceType": "CareTeam", "id": id, "status": status,
        "subject": {"reference": format!("Patient/{patient}")},
        "participant": [{"member": {"reference": format!("Practitioner/{member}")}}]})
}

pub fn task(id: &str, patient: &str, owner: &str, status: &str) -> Value {
    json!({"resourceType": "Task", "id": id, "status": status, "intent": "order",
        "for": {"reference": format!("Patient/{patient}")},
        "owner": {"reference": format!("Practitioner/{owner}")}})
}

pub fn share(id: &str, patient: &str, caregiver: &str, status: &str, types: &[&str]) -> Value {
    let classes: Vec<Value> =
        types.iter().map(|t| json!({"system": "http://hl7.org/fhir/resource-types", "code": t})).collect();
    json!({"resourceType": "Consent", "id": id, "status": status,
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
        "patient": {"reference": format!("Patient/{patient}")},
        "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]},
        "provision": {"type": "permit", "period": {"end": "2027-01-01T00:00:00Z"},
            "actor": [{"role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "CAREGIVER"}]},
                "reference": {"reference": format!("RelatedPerson/{caregiver}")}}],
            "class": classes}})
}

pub fn heart_rate(id: &str, patient: &str) -> Value {
    json!({"resourceType": "Observation", "id": id, "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
        "subject": {"reference": format!("Patient/{patient}")},
        "effectiveDateTime": "2026-11-20T08:00:00Z",
        "valueQuantity": {"value": 72, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"}})
}

/// A nurse acting as practitioner `id`, with the grants her care teams give her.
pub async fn nurse(world: &World, id: &str) -> relais_app::access::Caller {
    use relais_access::policy::{Principal, Role};
    use relais_app::access::{Caller, Identity, grants_for};
    let identity = Identity {
        roles: std::collections::BTreeSet::from([Role::Nurse]),
        practitioner: Some(id.into()),
        ..Identity::default()
    };
    let grants = grants_for(world.store.as_ref(), &world.params, &identity).await.unwrap();
    Caller::new(Principal { id: id.into(), roles: identity.roles, grants, ..Principal::default() })
}

/// Mail texts that show which key and language were used, and every argument, one a line: a
/// test reads what a message says without the translations.
pub struct Texts;

impl relais_app::visits::MailTexts for Texts {
    fn text(&self, locale: &str, key: &str, args: &[(&str, &str)]) -> String {
        let mut out = format!("[{locale}] {key}");
        for (name, value) in args {
            out.push_str(&format!("\n{name}: {value}"));
        }
        out
    }
}

/// The outbox sender of `world`'s database, delivering to the local SMTP sink on `port` (plain
/// SMTP on loopback), sealing with `key`.
pub fn mailer(world: &World, port: u16, key: &[u8; 32]) -> relais_app::mail::Mailer {
    let smtp = relais_app::mail::SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        from: "Relais <relais@cisss.example>".into(),
        security: relais_app::mail::SmtpSecurity::None,
        username: None,
        password: None,
    };
    let clock: Arc<dyn relais_core::Clock> = world.clock.clone();
    relais_app::mail::Mailer::new(world.store.clone(), clock, &smtp, key).unwrap()
}
