//! The authorization matrix's world and its table of entitlements.
//!
//! Four patients, each standing in a different relation to the people asking: **alice** (the
//! patient's own record, her daughter's share of Observations and Appointments, and the care team
//! of every clinician — and, by mistake, of the administrator and the privacy officer), **dan**
//! (an open Task owned by every clinician and every member of the court: an assignment),
//! **carol** (a clinician breaks the glass) and **bob** (nobody's, but his Task waits in the
//! queue of the clinic where every staff member has a PractitionerRole: clinicians see and may
//! take that Task and see whom it is for, nothing else of his record — not even his other
//! Tasks). Each holds one resource
//! of every record type (a Task belongs to its patient's record: Relais's addition to the R4
//! compartment). Beside them: a Task naming no patient, a Practitioner, a Schedule and an
//! AuditEvent.
//!
//! [`entitled`] is the table the expected outcomes come from — what each person may do in each
//! record, written out by hand from issue 4 and ADR 0007, not computed by the policy under test.

#![allow(dead_code)]

use std::sync::Arc;

use relais_access::policy::Role;
use relais_app::Fhir;
use relais_core::{FixedClock, SequentialIds};
use relais_fhir::SchemaValidator;
use relais_fhir::search::SearchParams;
use relais_store::{ResourceStore, StoreOptions};
use relais_testkit::{Engine, TestDb};
use serde_json::{Value, json};

pub const NOW: &str = "2026-11-26T10:00:00Z";
pub const PATIENTS: [&str; 4] = ["alice", "dan", "carol", "bob"];
/// The types held in every patient's record.
pub const RECORD_TYPES: [&str; 8] = [
    "Patient",
    "Observation",
    "Condition",
    "Encounter",
    "DocumentReference",
    "Consent",
    "Appointment",
    "Task",
];
/// bob's second Task, waiting in no queue: no one in the matrix may see it.
pub const OTHER_BOB_TASK: &str = "task-bob-other";
/// The organisation whose queue bob's Task waits in.
pub const CLINIC: &str = "Organization/clinic";
/// What the daughter's share with alice covers.
pub const SHARED: [&str; 2] = ["Observation", "Appointment"];
pub const CLINICAL: [Role; 7] = [
    Role::Nurse,
    Role::Physician,
    Role::Specialist,
    Role::OnCallNeurologist,
    Role::Therapist,
    Role::LongTermCareStaff,
    Role::InfectionControl,
];
pub const LEGAL: [Role; 3] = [Role::Judge, Role::CourtClerk, Role::Lawyer];

/// What someone may do in one record (or on one resource in none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum May {
    /// Not even know it is there.
    Nothing,
    Read,
    /// Read and change this very resource (a queue item, to take it), but neither create others
    /// of its type in the record nor see them.
    Item,
    Write,
}

impl May {
    /// Whether the resource itself may be changed (or deleted).
    pub fn changes(self) -> bool {
        self >= May::Item
    }
}

/// One person asking: a role, and who they are in the record.
#[derive(Debug, Clone)]
pub struct Actor {
    pub name: &'static str,
    pub role: Role,
    pub patient: Option<&'static str>,
    pub practitioner: Option<String>,
    pub related_person: Option<&'static str>,
}

/// Everyone the matrix asks for: each of the 14 roles, and a neighbour whose share was withdrawn.
pub fn actors() -> Vec<Actor> {
    let staff = |role: Role| Actor {
        name: role.code(),
        role,
        patient: None,
        practitioner: Some(role.code().to_owned()),
        related_person: None,
    };
    let mut actors = vec![
        Actor {
            name: "patient",
            role: Role::Patient,
            patient: Some("alice"),
            practitioner: None,
            related_person: None,
        },
        Actor {
            name: "caregiver",
            role: Role::Caregiver,
            patient: None,
            practitioner: None,
            related_person: Some("daughter"),
        },
        Actor {
            name: "withdrawn-caregiver",
            role: Role::Caregiver,
            patient: None,
            practitioner: None,
            related_person: Some("neighbour"),
        },
    ];
    actors.extend(
        CLINICAL.into_iter().chain(LEGAL).chain([Role::PrivacyOfficer, Role::Administrator]).map(staff),
    );
    actors
}

/// The table: what `actor` may do with a `resource_type` in `patient`'s record.
pub fn entitled(actor: &Actor, patient: &str, resource_type: &str) -> May {
    let clinical = CLINICAL.contains(&actor.role);
    match (actor.name, patient) {
        ("patient", "alice") => May::Write,
        ("caregiver", "alice") if SHARED.contains(&resource_type) => May::Read,
        (_, "alice" | "dan") if clinical => May::Write,
        // Break-the-glass is read-only.
        (_, "carol") if clinical => May::Read,
        // A Task waiting in the clinic's queue: the item (to take it) and whom it is for; not
        // bob's other Tasks, nor new ones.
        (_, "bob") if clinical && resource_type == "Task" => May::Item,
        (_, "bob") if clinical && resource_type == "Patient" => May::Read,
        // A court assignment lets the court read the hearing's record, never write into it.
        (_, "dan") if LEGAL.contains(&actor.role) => May::Read,
        _ => May::Nothing,
    }
}

/// What `actor` may do with the resources in no record: `(type, read, write)`. A refused read
/// of the AuditEvent (which names alice) hides it; the others' existence is no secret.
pub fn unattached(actor: &Actor, resource_type: &str) -> May {
    let clinical = CLINICAL.contains(&actor.role);
    match resource_type {
        // A work item naming no patient (a ward chore): staff only.
        "Task" if clinical => May::Write,
        // The directory: everyone reads, administrators change it.
        "Practitioner" if actor.role == Role::Administrator => May::Write,
        "Practitioner" => May::Read,
        // Schedule is in the R4 patient compartment (through `actor`), but one naming only a
        // Practitioner is the directory: everyone signed in reads it; staff and administrators
        // keep it.
        "Schedule" if clinical || actor.role == Role::Administrator => May::Write,
        "Schedule" => May::Read,
        // The trail is read by the privacy officer and written by the server alone.
        "AuditEvent" if actor.role == Role::PrivacyOfficer => May::Read,
        _ => May::Nothing,
    }
}

pub struct World {
    pub fhir: Fhir,
    pub store: Arc<dyn ResourceStore>,
    pub params: Arc<SearchParams>,
    _db: TestDb,
}

impl World {
    pub async fn new(engine: Engine) -> World {
        let db = TestDb::new(engine).await;
        let store = relais_store::open(db.url(), &StoreOptions::default()).await.unwrap();
        store.migrate().await.unwrap();
        let schema = SchemaValidator::shared().unwrap();
        let params = SearchParams::shared(schema.resource_types()).unwrap();
        let clock = Arc::new(FixedClock::new(NOW.parse().unwrap()));
        let fhir = Fhir::new(store.clone(), schema, params.clone(), clock, Arc::new(SequentialIds::new("x")));
        let world = World { fhir, store, params, _db: db };
        for patient in PATIENTS {
            for resource_type in RECORD_TYPES {
                world.put(record(resource_type, patient, &resource_id(resource_type, patient))).await;
            }
        }
        let staff: Vec<String> = actors().into_iter().filter_map(|a| a.practitioner).collect();
        let members: Vec<Value> = staff
            .iter()
            .filter(|p| !LEGAL.iter().any(|r| r.code() == p.as_str()))
            .map(|p| json!({"member": {"reference": format!("Practitioner/{p}")}}))
            .collect();
        world
            .put(json!({"resourceType": "CareTeam", "id": "team-alice", "status": "active",
                "subject": {"reference": "Patient/alice"}, "participant": members}))
            .await;
        for role in CLINICAL.iter().chain(LEGAL.iter()) {
            world
                .put(json!({"resourceType": "Task", "id": format!("assigned-{}", role.code()),
                    "status": "in-progress", "intent": "order", "for": {"reference": "Patient/dan"},
                    "owner": {"reference": format!("Practitioner/{}", role.code())}}))
                .await;
        }
        // Every staff member works at the clinic, the court and the office included: only
        // clinicians may take from its queue.
        for practitioner in &staff {
            world
                .put(json!({"resourceType": "PractitionerRole", "id": format!("{practitioner}-clinic"),
                    "active": true, "practitioner": {"reference": format!("Practitioner/{practitioner}")},
                    "organization": {"reference": CLINIC}}))
                .await;
        }
        // bob's other Task, in no queue: those who may take his queued one must not see it.
        world
            .put(
                json!({"resourceType": "Task", "id": OTHER_BOB_TASK, "status": "requested", "intent": "order",
                "for": {"reference": "Patient/bob"}, "description": "Suivi des plaies"}),
            )
            .await;
        for caregiver in ["daughter", "neighbour"] {
            world
                .put(json!({"resourceType": "RelatedPerson", "id": caregiver,
                    "patient": {"reference": "Patient/alice"}}))
                .await;
        }
        world.put(share("share-daughter", "daughter", "active", &SHARED)).await;
        world.put(share("share-neighbour", "neighbour", "inactive", &[])).await;
        for resource_type in ["Task", "Practitioner", "Schedule", "AuditEvent"] {
            world.put(unattached_resource(resource_type, &unattached_id(resource_type))).await;
        }
        world
    }

    pub async fn put(&self, resource: Value) {
        let kind = resource["resourceType"].as_str().unwrap().to_owned();
        let id = resource["id"].as_str().unwrap().to_owned();
        self.fhir.update(&kind, &id, resource.to_string().as_bytes(), None).await.unwrap();
    }

    pub async fn close(self) {
        self.store.close().await;
    }
}

pub fn resource_id(resource_type: &str, patient: &str) -> String {
    match resource_type {
        "Patient" => patient.to_owned(),
        t => format!("{}-{patient}", t.to_lowercase()),
    }
}

pub fn unattached_id(resource_type: &str) -> String {
    format!("{}-1", resource_type.to_lowercase())
}

/// A valid resource of `resource_type` in `patient`'s record (`id` empty: none, for a create).
pub fn record(resource_type: &str, patient: &str, id: &str) -> Value {
    let subject = json!({"reference": format!("Patient/{patient}")});
    let mut resource = match resource_type {
        "Patient" => json!({"resourceType": "Patient", "name": [{"family": patient}]}),
        "Observation" => json!({"resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]}, "subject": subject,
            "effectiveDateTime": "2026-11-20T08:00:00Z",
            "valueQuantity": {"value": 72, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"}}),
        "Condition" => json!({"resourceType": "Condition", "code": {"text": "insuffisance cardiaque"},
            "subject": subject}),
        "Encounter" => json!({"resourceType": "Encounter", "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "VR"},
            "subject": subject}),
        "DocumentReference" => json!({"resourceType": "DocumentReference", "status": "current",
            "subject": subject, "content": [{"attachment": {"contentType": "text/plain", "title": "note"}}]}),
        "Consent" => json!({"resourceType": "Consent", "status": "active",
            "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "treatment"}]},
            "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
            "patient": subject,
            "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]}}),
        "Appointment" => json!({"resourceType": "Appointment", "status": "booked",
            "participant": [{"actor": subject, "status": "accepted"}]}),
        // bob's waits in the clinic's queue; the others are nobody's yet.
        "Task" if patient == "bob" => json!({"resourceType": "Task", "status": "requested",
            "intent": "order", "for": subject, "owner": {"reference": CLINIC}}),
        "Task" => json!({"resourceType": "Task", "status": "requested", "intent": "order", "for": subject}),
        other => panic!("no record template for {other}"),
    };
    if !id.is_empty() {
        resource["id"] = json!(id);
    }
    resource
}

/// A valid resource of `resource_type` in no record.
pub fn unattached_resource(resource_type: &str, id: &str) -> Value {
    let mut resource = match resource_type {
        // Naming no patient: a ward chore.
        "Task" => json!({"resourceType": "Task", "status": "requested", "intent": "order",
            "description": "Vérifier le chariot d'urgence"}),
        "Practitioner" => json!({"resourceType": "Practitioner", "name": [{"family": "Tremblay"}]}),
        "Schedule" => json!({"resourceType": "Schedule", "actor": [{"reference": "Practitioner/nurse"}]}),
        // Names alice: in her record, yet for the privacy officer alone.
        "AuditEvent" => json!({"resourceType": "AuditEvent",
            "type": {"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "110110"},
            "recorded": "2026-11-26T09:00:00Z",
            "agent": [{"requestor": true, "who": {"reference": "Practitioner/nurse"}}],
            "source": {"observer": {"reference": "Device/relais"}},
            "entity": [{"what": {"reference": "Patient/alice"}}]}),
        other => panic!("no template for {other}"),
    };
    if !id.is_empty() {
        resource["id"] = json!(id);
    }
    resource
}

fn share(id: &str, caregiver: &str, status: &str, types: &[&str]) -> Value {
    let classes: Vec<Value> =
        types.iter().map(|t| json!({"system": "http://hl7.org/fhir/resource-types", "code": t})).collect();
    json!({"resourceType": "Consent", "id": id, "status": status,
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
        "patient": {"reference": "Patient/alice"},
        "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]},
        "provision": {"type": "permit", "period": {"end": "2027-01-01T00:00:00Z"},
            "actor": [{"role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "CAREGIVER"}]},
                "reference": {"reference": format!("RelatedPerson/{caregiver}")}}],
            "class": classes}})
}
