//! The work queues: open FHIR Tasks with priority, owner (a person, a service's queue, or none:
//! the care team's pool), due date
//! (`restriction.period.end`) and `for` the patient — an alert to triage (with its
//! DetectedIssue), missing readings, two teledermatology e-consults (ServiceRequest + Task due
//! 14 days after submission, one unassigned, one claimed by the dermatologist), an ESAS-r
//! score to act on, a stroke follow-up, the parties' work before a remote hearing.
//!
//! An open Task owned by a Practitioner is also what grants them the patient's record
//! (`relais_app::access::grants`): the dermatologist sees the patient she claimed, the judge
//! the person whose hearing she holds.

use jiff::{SignedDuration, ZonedDateTime};
use serde_json::{Value, json};

use super::directory::DERMATOLOGY_SERVICE;
use super::moments::{Moments, stamp};
use super::world::{
    CLERK, COPD, DERMATOLOGIST, DERMATOLOGY_CLAIMED, DERMATOLOGY_NEW, DIABETES, FAMILY_PHYSICIAN, HEARING,
    HEART_FAILURE, HYPERTENSION, INFECTION_CONTROL, JUDGE, LAWYER, LONG_TERM_CARE, LTC_NURSE, NEUROLOGIST,
    NURSE_MONITORING, NURSE_PIVOT, ONCOLOGY, STROKE,
};

/// Teledermatology answers are due this long after submission (product.md, service 9).
const ECONSULT_DAYS: i64 = 14;

/// An open work item.
struct Item<'a> {
    id: &'a str,
    patient: &'a str,
    status: &'a str,
    priority: &'a str,
    owner: Option<&'a str>,
    what: &'a str,
    authored: ZonedDateTime,
    due: ZonedDateTime,
    focus: Option<String>,
}

fn task(item: Item<'_>) -> Value {
    let mut task = json!({
        "resourceType": "Task",
        "id": item.id,
        "status": item.status,
        "intent": "order",
        "priority": item.priority,
        "code": {"text": item.what},
        "description": item.what,
        "for": {"reference": format!("Patient/{}", item.patient)},
        "authoredOn": stamp(&item.authored),
        "lastModified": stamp(&item.authored),
        "restriction": {"period": {"end": stamp(&item.due)}}
    });
    if let Some(owner) = item.owner {
        task["owner"] = json!({"reference": format!("Practitioner/{owner}")});
    }
    if let Some(focus) = item.focus {
        task["focus"] = json!({"reference": focus});
    }
    task
}

pub(crate) fn work_items(at: &Moments) -> Vec<Value> {
    let mut out = vec![json!({
        "resourceType": "DetectedIssue",
        "id": "demo-di-bouchard-weight",
        "status": "final",
        "code": {"text": "Gain de poids"},
        "severity": "high",
        "patient": {"reference": format!("Patient/{HEART_FAILURE}")},
        "identifiedDateTime": stamp(&at.reading(0, 1)),
        "implicated": [{"reference": format!("Observation/{HEART_FAILURE}-weight-0")},
                       {"reference": format!("Observation/{HEART_FAILURE}-weight-3")}],
        "detail": "Gain de 2,2 kg en 3 jours (règle du programme : plus de 2 kg en 2 à 3 jours)"
    })];
    let item = |id, patient, (status, priority), owner, what, authored: ZonedDateTime, due: ZonedDateTime| {
        Item { id, patient, status, priority, owner, what, authored, due, focus: None }
    };
    out.push(task(Item {
        focus: Some("DetectedIssue/demo-di-bouchard-weight".into()),
        ..item(
            "demo-task-bouchard-weight",
            HEART_FAILURE,
            ("requested", "urgent"),
            None,
            "Alerte : gain de poids de 2,2 kg en 3 jours — appeler le patient",
            at.reading(0, 2),
            at.hours_from_now(2),
        )
    }));
    out.push(task(item(
        "demo-task-ouellet-missing",
        COPD,
        ("requested", "routine"),
        Some(NURSE_MONITORING),
        "Aucune mesure depuis 48 h — joindre le patient",
        at.hours_from_now(-3),
        at.hours_from_now(6),
    )));
    out.push(task(item(
        "demo-task-lefebvre-review",
        HYPERTENSION,
        ("in-progress", "routine"),
        Some(NURSE_MONITORING),
        "Revoir la moyenne tensionnelle de la semaine",
        at.day_at(-1, 9, 0),
        at.day_at(1, 16, 0),
    )));
    out.push(task(item(
        "demo-task-leblanc-glucose",
        DIABETES,
        ("requested", "routine"),
        None,
        "Revoir les glycémies à jeun des 4 dernières semaines",
        at.day_at(-1, 8, 30),
        at.day_at(2, 16, 0),
    )));
    out.push(task(Item {
        focus: Some("QuestionnaireResponse/demo-qr-belanger-esas".into()),
        ..item(
            "demo-task-belanger-esas",
            ONCOLOGY,
            ("requested", "urgent"),
            Some(NURSE_PIVOT),
            "ESAS-r : douleur 7/10 — appeler la patiente",
            at.reading(1, 12),
            at.hours_from_now(3),
        )
    }));
    out.push(task(item(
        "demo-task-paquette-screening",
        LONG_TERM_CARE,
        ("requested", "routine"),
        Some(LTC_NURSE),
        "Dépistage quotidien des symptômes respiratoires",
        at.hours_from_now(-2),
        at.hours_from_now(8),
    )));
    out.push(task(Item {
        focus: Some("ServiceRequest/demo-sr-lapointe-stroke".into()),
        ..item(
            "demo-task-lapointe-followup",
            STROKE,
            ("requested", "routine"),
            Some(NEUROLOGIST),
            "Suivi après thrombolyse : NIHSS et plan de réadaptation",
            at.day_at(-1, 14, 35),
            at.hours_from_now(5),
        )
    }));
    out.push(stroke_code(at));
    out.push(task(item(
        "demo-task-dion-clerk",
        HEARING,
        ("in-progress", "routine"),
        Some(CLERK),
        "Préparer l'audience à distance et convoquer les parties",
        at.day_at(-3, 10, 0),
        at.day_at(1, 16, 0),
    )));
    out.push(task(item(
        "demo-task-dion-judge",
        HEARING,
        ("accepted", "routine"),
        Some(JUDGE),
        "Audience — requête en garde en établissement (dossier fictif)",
        at.day_at(-3, 10, 5),
        at.day_at(2, 14, 0),
    )));
    out.push(task(item(
        "demo-task-dion-lawyer",
        HEARING,
        ("requested", "routine"),
        Some(LAWYER),
        "Entretien privé avec la personne concernée avant l'audience",
        at.day_at(-3, 10, 10),
        at.day_at(2, 12, 30),
    )));
    // Infection control's work names a unit, not a patient: queue data for staff only.
    out.push(json!({
        "resourceType": "Task",
        "id": "demo-task-chsld-tablets",
        "status": "requested",
        "intent": "order",
        "priority": "routine",
        "code": {"text": "Vérifier le registre de désinfection des tablettes — unité Les Pins"},
        "description": "Vérifier le registre de désinfection des tablettes — unité Les Pins",
        "owner": {"reference": format!("Practitioner/{INFECTION_CONTROL}")},
        "location": {"reference": "Location/demo-site-riviere-chsld-pins"},
        "authoredOn": stamp(&at.day_at(-1, 8, 0)),
        "restriction": {"period": {"end": stamp(&at.day_at(1, 12, 0))}}
    }));
    out.extend(econsult(at, "demo-sr-gagne", "demo-task-gagne", DERMATOLOGY_NEW, 3, None, EconsultCase {
        question: "Lésion pigmentée de l'avant-bras gauche qui a changé en 3 mois : exérèse ou surveillance ?",
        site: "Avant-bras gauche, face dorsale",
    }));
    out.extend(econsult(at, "demo-sr-cote", "demo-task-cote", DERMATOLOGY_CLAIMED, 9, Some(DERMATOLOGIST), EconsultCase {
        question: "Plaque squameuse du cuir chevelu, 1,5 cm, saigne au contact depuis 6 semaines : carcinome à exclure ?",
        site: "Cuir chevelu, vertex",
    }));
    out
}

/// The telethrombolysis request of two days ago, answered: the stroke code's timeline.
fn stroke_code(at: &Moments) -> Value {
    json!({
        "resourceType": "ServiceRequest",
        "id": "demo-sr-lapointe-stroke",
        "status": "completed",
        "intent": "order",
        "priority": "stat",
        "code": {"text": "Téléconsultation neurologique urgente — code AVC"},
        "subject": {"reference": format!("Patient/{STROKE}")},
        "authoredOn": stamp(&at.day_at(-2, 14, 5)),
        "requester": {"reference": format!("Practitioner/{FAMILY_PHYSICIAN}")},
        "performer": [{"reference": format!("Practitioner/{NEUROLOGIST}")}],
        "reasonCode": [{"text": "Déficit moteur droit et aphasie, dernière fois vu bien à 13 h 20"}]
    })
}

struct EconsultCase {
    question: &'static str,
    site: &'static str,
}

/// A teledermatology e-consult submitted `days_ago` by the family physician, and the
/// dermatologist's Task to answer it within 14 days (claimed by `owner`, or in the pool).
fn econsult(
    at: &Moments,
    request_id: &str,
    task_id: &str,
    patient: &str,
    days_ago: i64,
    owner: Option<&str>,
    case: EconsultCase,
) -> [Value; 2] {
    let submitted = at.day_at(-days_ago, 11, 20);
    let due = submitted
        .checked_add(SignedDuration::from_hours(24 * ECONSULT_DAYS))
        .unwrap_or_else(|_| submitted.clone());
    let request = json!({
        "resourceType": "ServiceRequest",
        "id": request_id,
        "status": "active",
        "intent": "order",
        "priority": "routine",
        "category": [{"text": "Téléconsultation en différé (e-consultation)"}],
        "code": {"text": "Télédermatologie"},
        "subject": {"reference": format!("Patient/{patient}")},
        "authoredOn": stamp(&submitted),
        "requester": {"reference": format!("Practitioner/{FAMILY_PHYSICIAN}")},
        "performerType": {"text": "Dermatologie"},
        "reasonCode": [{"text": case.question}],
        "bodySite": [{"text": case.site}],
        "note": [{"text": "Photos d'ensemble et de près jointes par le médecin demandeur."}]
    });
    let (status, business) = if owner.is_some() {
        ("accepted", "Prise en charge")
    } else {
        ("requested", "En attente d'un dermatologue")
    };
    let mut task = task(Item {
        id: task_id,
        patient,
        status,
        priority: "routine",
        owner,
        what: "Répondre à une demande de télédermatologie",
        authored: submitted,
        due,
        focus: Some(format!("ServiceRequest/{request_id}")),
    });
    if owner.is_none() {
        // Not yet taken: waiting in the teledermatology service's queue.
        task["owner"] = json!({"reference": format!("HealthcareService/{DERMATOLOGY_SERVICE}")});
    }
    task["businessStatus"] = json!({"text": business});
    task["requester"] = json!({"reference": format!("Practitioner/{FAMILY_PHYSICIAN}")});
    task["performerType"] = json!([{"text": "Dermatologie"}]);
    [request, task]
}
