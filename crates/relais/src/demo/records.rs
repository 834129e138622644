//! The patients' standing record: Patient (health-card-like identifier, language), the
//! caregiver (RelatedPerson) and the share the patient consented to, care teams (what grants
//! the staff access), allergies and flags, consent to telehealth, the heart-failure care plan.

use serde_json::{Value, json};

use super::moments::{Moments, date, stamp};
use super::world::{
    CAREGIVER, COPD, HEALTH_CARD_SYSTEM, HEART_FAILURE, LONG_TERM_CARE, NURSE_MONITORING, PATIENTS, TEAMS,
};

const CLINICAL_STATUS: &str = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical";
const VERIFICATION_STATUS: &str = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification";
const CONSENT_SCOPE: &str = "http://terminology.hl7.org/CodeSystem/consentscope";
const RESOURCE_TYPES: &str = "http://hl7.org/fhir/resource-types";

pub(crate) fn patients() -> Vec<Value> {
    PATIENTS
        .iter()
        .map(|p| {
            json!({
                "resourceType": "Patient",
                "id": p.id,
                "active": true,
                "identifier": [{
                    "use": "official",
                    "type": {"text": "Numéro d'assurance maladie (fictif)"},
                    "system": HEALTH_CARD_SYSTEM,
                    "value": p.health_card
                }],
                "name": [{"use": "official", "family": p.family, "given": [p.given]}],
                "telecom": [{"system": "email", "value": p.email, "use": "home"}],
                "gender": p.gender,
                "birthDate": p.birth_date,
                "address": [{"use": "home", "city": p.city, "state": "QC", "country": "CA"}],
                "communication": [{
                    "language": {"coding": [{"system": "urn:ietf:bcp:47", "code": p.language}]},
                    "preferred": true
                }],
                "managingOrganization": {"reference": format!("Organization/{}", p.organisation)}
            })
        })
        .collect()
}

pub(crate) fn care_teams(at: &Moments) -> Vec<Value> {
    TEAMS
        .iter()
        .map(|t| {
            let participants: Vec<Value> = t
                .members
                .iter()
                .map(|m| json!({"member": {"reference": format!("Practitioner/{m}")}, "onBehalfOf": {"reference": format!("Organization/{}", t.organisation)}}))
                .collect();
            json!({
                "resourceType": "CareTeam",
                "id": t.id,
                "status": "active",
                "name": t.name,
                "subject": {"reference": format!("Patient/{}", t.patient)},
                "period": {"start": date(&at.day_at(-60, 9, 0))},
                "participant": participants,
                "managingOrganization": [{"reference": format!("Organization/{}", t.organisation)}]
            })
        })
        .collect()
}

/// The caregiver and the patient's consent sharing part of the record with her, for a year.
pub(crate) fn caregiver(at: &Moments) -> Vec<Value> {
    let c = &CAREGIVER;
    let me = format!("RelatedPerson/{}", c.id);
    let classes: Vec<Value> = c.shared.iter().map(|t| json!({"system": RESOURCE_TYPES, "code": t})).collect();
    vec![
        json!({
            "resourceType": "RelatedPerson",
            "id": c.id,
            "active": true,
            "patient": {"reference": format!("Patient/{}", c.patient)},
            "relationship": [{"text": "Fille, proche aidante"}],
            "name": [{"family": c.family, "given": [c.given]}],
            "telecom": [{"system": "email", "value": c.email}]
        }),
        json!({
            "resourceType": "Consent",
            "id": "demo-consent-bouchard-proche",
            "status": "active",
            "scope": {"coding": [{"system": CONSENT_SCOPE, "code": "patient-privacy"}]},
            "category": [{"text": "Partage du dossier avec une proche aidante"}],
            "patient": {"reference": format!("Patient/{}", c.patient)},
            "dateTime": stamp(&at.day_at(-20, 14, 10)),
            "performer": [{"reference": format!("Patient/{}", c.patient)}],
            "policyRule": {"text": "Partage avec un proche aidant, version 2026-01"},
            "provision": {
                "type": "permit",
                "period": {"start": date(&at.day_at(-20, 0, 0)), "end": date(&at.day_at(345, 0, 0))},
                "actor": [{"role": {"text": "Proche aidante"}, "reference": {"reference": me}}],
                "action": [{"text": "Consultation"}],
                "class": classes
            }
        }),
    ]
}

/// Consent to telehealth (its limits, photos, no recording), signed at enrolment.
pub(crate) fn telehealth_consents(at: &Moments) -> Vec<Value> {
    PATIENTS
        .iter()
        .enumerate()
        // Camille Bérubé's first teleconsultation is tomorrow: her consent is asked then.
        .filter(|(_, p)| p.id != super::world::TELECONSULTATION)
        .map(|(i, p)| {
            let signed = at.day_at(-45 + i64::try_from(i).unwrap_or(0), 10, 15);
            json!({
                "resourceType": "Consent",
                "id": format!("{}-consent-telesante", p.id),
                "status": "active",
                "scope": {"coding": [{"system": CONSENT_SCOPE, "code": "treatment"}]},
                "category": [{"text": "Consentement aux télésoins"}],
                "patient": {"reference": format!("Patient/{}", p.id)},
                "dateTime": stamp(&signed),
                "performer": [{"reference": format!("Patient/{}", p.id)}],
                "organization": [{"reference": format!("Organization/{}", p.organisation)}],
                "sourceAttachment": {"title": "Information sur les télésoins, version 1.2 (photos incluses, aucun enregistrement)"},
                "policyRule": {"text": "Télésoins — information version 1.2"},
                "policy": [{"uri": crate::settings::DEFAULT_CONSENT_POLICY}],
                "provision": {"type": "permit", "period": {"start": date(&signed)}}
            })
        })
        .collect()
}

pub(crate) fn allergies_and_flags(at: &Moments) -> Vec<Value> {
    let allergy = |id: &str, patient: &str, substance: &str, reaction: &str, criticality: &str| {
        json!({
            "resourceType": "AllergyIntolerance",
            "id": id,
            "clinicalStatus": {"coding": [{"system": CLINICAL_STATUS, "code": "active"}]},
            "verificationStatus": {"coding": [{"system": VERIFICATION_STATUS, "code": "confirmed"}]},
            "type": "allergy",
            "category": ["medication"],
            "criticality": criticality,
            "code": {"text": substance},
            "patient": {"reference": format!("Patient/{patient}")},
            "recordedDate": date(&at.day_at(-300, 9, 0)),
            "reaction": [{"manifestation": [{"text": reaction}]}]
        })
    };
    let flag = |id: &str, patient: &str, text: &str, days_ago: i64| {
        json!({
            "resourceType": "Flag",
            "id": id,
            "status": "active",
            "category": [{"text": "Clinique"}],
            "code": {"text": text},
            "subject": {"reference": format!("Patient/{patient}")},
            "period": {"start": date(&at.day_at(-days_ago, 9, 0))},
            "author": {"reference": format!("Practitioner/{NURSE_MONITORING}")}
        })
    };
    vec![
        allergy("demo-allergy-bouchard", HEART_FAILURE, "Pénicilline", "Urticaire généralisée", "high"),
        allergy("demo-allergy-paquette", LONG_TERM_CARE, "Sulfamides", "Éruption cutanée", "low"),
        flag("demo-flag-ouellet", COPD, "Cible de SpO2 88–92 % (MPOC, rétention de CO2 documentée)", 40),
        json!({
            "resourceType": "Flag",
            "id": "demo-flag-paquette",
            "status": "active",
            "category": [{"text": "Sécurité"}],
            "code": {"text": "Risque de chute élevé"},
            "subject": {"reference": format!("Patient/{LONG_TERM_CARE}")},
            "period": {"start": date(&at.day_at(-90, 9, 0))}
        }),
    ]
}
