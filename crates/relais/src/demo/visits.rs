//! Visits and forms: past and upcoming Appointments (video visits, rehabilitation sessions, a
//! multi-party oncology meeting, a remote hearing), the Encounter (class VR, "virtual") of a
//! past visit, and two forms with their answers — the heart-failure weekly symptom questions
//! (domain.md §2.3) and the ESAS-r (§4.1); and the schedules of video visits with their free
//! slots for the coming days, for booking (issue 6).

use serde_json::{Value, json};

use super::moments::{Moments, stamp};
use super::world::{
    CARDIOLOGIST, CLERK, FAMILY_PHYSICIAN, HAND, HAND_THERAPIST, HEARING, HEART_FAILURE, HYPERTENSION, JUDGE,
    LAWYER, NURSE_MONITORING, NURSE_PIVOT, ONCOLOGY, TELECONSULTATION,
};

const HF_FORM: &str = "https://relais.example/fhir/Questionnaire/demo-q-hf-symptoms";
const ESAS_FORM: &str = "https://relais.example/fhir/Questionnaire/demo-q-esas-r";

/// An appointment: who, what, when (days from today, local hour), how long, and its status.
struct Visit {
    id: &'static str,
    patient: &'static str,
    with: &'static [&'static str],
    service: &'static str,
    days: i64,
    hour: i8,
    minutes: i64,
    status: &'static str,
}

const VISITS: [Visit; 10] = [
    Visit {
        id: "demo-appt-bouchard-enrolment",
        patient: HEART_FAILURE,
        with: &[NURSE_MONITORING],
        service: "Visite vidéo — inscription au programme de télésurveillance",
        days: -42,
        hour: 10,
        minutes: 45,
        status: "fulfilled",
    },
    Visit {
        id: "demo-appt-bouchard-followup",
        patient: HEART_FAILURE,
        with: &[CARDIOLOGIST, NURSE_MONITORING],
        service: "Visite vidéo — suivi en cardiologie",
        days: 2,
        hour: 10,
        minutes: 30,
        status: "booked",
    },
    Visit {
        id: "demo-appt-lefebvre",
        patient: HYPERTENSION,
        with: &[NURSE_MONITORING],
        service: "Visite vidéo — revue des tensions à domicile",
        days: -14,
        hour: 13,
        minutes: 20,
        status: "fulfilled",
    },
    Visit {
        id: "demo-appt-berube",
        patient: TELECONSULTATION,
        with: &[FAMILY_PHYSICIAN],
        service: "Téléconsultation — médecine familiale",
        days: 1,
        hour: 9,
        minutes: 20,
        status: "booked",
    },
    Visit {
        id: "demo-appt-poirier-1",
        patient: HAND,
        with: &[HAND_THERAPIST],
        service: "Séance de téléréadaptation de la main",
        days: -14,
        hour: 15,
        minutes: 45,
        status: "fulfilled",
    },
    Visit {
        id: "demo-appt-poirier-2",
        patient: HAND,
        with: &[HAND_THERAPIST],
        service: "Séance de téléréadaptation de la main",
        days: -7,
        hour: 15,
        minutes: 45,
        status: "fulfilled",
    },
    Visit {
        id: "demo-appt-poirier-3",
        patient: HAND,
        with: &[HAND_THERAPIST],
        service: "Séance de téléréadaptation de la main",
        days: 5,
        hour: 15,
        minutes: 45,
        status: "booked",
    },
    Visit {
        id: "demo-appt-belanger",
        patient: ONCOLOGY,
        with: &[NURSE_PIVOT, FAMILY_PHYSICIAN],
        service: "Rencontre virtuelle en oncologie (IPO, médecin, proche)",
        days: 3,
        hour: 11,
        minutes: 45,
        status: "booked",
    },
    Visit {
        id: "demo-appt-dion-hearing",
        patient: HEARING,
        with: &[JUDGE, CLERK, LAWYER],
        service: "Audience à distance — requête en garde en établissement",
        days: 2,
        hour: 13,
        minutes: 60,
        status: "booked",
    },
    Visit {
        id: "demo-appt-bouchard-nurse",
        patient: HEART_FAILURE,
        with: &[NURSE_MONITORING],
        service: "Appel vidéo infirmier — revue des mesures",
        days: -21,
        hour: 14,
        minutes: 15,
        status: "fulfilled",
    },
];

/// The practitioners whose schedules are open for booking video visits, and their services.
const SCHEDULES: [(&str, &str, &str, &str); 3] = [
    (
        "demo-sched-girard",
        FAMILY_PHYSICIAN,
        "Téléconsultation — médecine familiale (Dre Girard)",
        "teleconsultation",
    ),
    ("demo-sched-lavoie", NURSE_MONITORING, "Visite vidéo — télésurveillance (inf. Lavoie)", "telehomecare"),
    ("demo-sched-haddad", CARDIOLOGIST, "Visite vidéo — cardiologie (Dr Haddad)", "cardiology"),
];

/// Afternoon slots of 30 minutes on the next five days (the booked demo visits are mornings).
const SLOT_TIMES: [(i8, i8); 4] = [(13, 0), (13, 30), (14, 0), (14, 30)];

/// The Schedules of video visits and their free Slots for the coming days.
pub(crate) fn schedules_and_slots(at: &Moments) -> Vec<Value> {
    let mut all = Vec::new();
    for (id, practitioner, comment, service) in SCHEDULES {
        all.push(json!({
            "resourceType": "Schedule",
            "id": id,
            "active": true,
            "serviceType": [{"coding": [{"system": relais_app::visits::SERVICE_SYSTEM, "code": service}], "text": comment}],
            "actor": [{"reference": format!("Practitioner/{practitioner}")}],
            "comment": comment
        }));
        for day in 1..=5 {
            for (hour, minute) in SLOT_TIMES {
                let start = at.day_at(day, hour, minute);
                let end =
                    start.checked_add(jiff::SignedDuration::from_mins(30)).unwrap_or_else(|_| start.clone());
                all.push(json!({
                    "resourceType": "Slot",
                    "id": format!("{id}-d{day}-{hour:02}{minute:02}"),
                    "schedule": {"reference": format!("Schedule/{id}")},
                    "status": "free",
                    "start": stamp(&start),
                    "end": stamp(&end)
                }));
            }
        }
    }
    all
}

pub(crate) fn appointments(at: &Moments) -> Vec<Value> {
    VISITS
        .iter()
        .map(|v| {
            let start = at.day_at(v.days, v.hour, 0);
            let end = start
                .checked_add(jiff::SignedDuration::from_mins(v.minutes))
                .unwrap_or_else(|_| start.clone());
            let mut participants =
                vec![json!({"actor": {"reference": format!("Patient/{}", v.patient)}, "status": "accepted"})];
            participants.extend(
                v.with.iter().map(
                    |p| json!({"actor": {"reference": format!("Practitioner/{p}")}, "status": "accepted"}),
                ),
            );
            json!({
                "resourceType": "Appointment",
                "id": v.id,
                "status": v.status,
                "serviceCategory": [{"text": "Télésanté"}],
                "serviceType": [{"text": v.service}],
                "description": v.service,
                "start": stamp(&start),
                "end": stamp(&end),
                "minutesDuration": v.minutes,
                "created": stamp(&at.day_at(v.days.min(0) - 7, 9, 0)),
                "participant": participants
            })
        })
        .collect()
}

/// The virtual encounters of the fulfilled video visits.
pub(crate) fn encounters(at: &Moments) -> Vec<Value> {
    VISITS
        .iter()
        .filter(|v| v.status == "fulfilled")
        .map(|v| {
            let start = at.day_at(v.days, v.hour, 2);
            let end = start.checked_add(jiff::SignedDuration::from_mins(v.minutes - 5)).unwrap_or_else(|_| start.clone());
            let participants: Vec<Value> =
                v.with.iter().map(|p| json!({"individual": {"reference": format!("Practitioner/{p}")}})).collect();
            json!({
                "resourceType": "Encounter",
                "id": v.id.replacen("demo-appt-", "demo-enc-", 1),
                "status": "finished",
                "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "VR", "display": "virtual"},
                "serviceType": {"text": v.service},
                "subject": {"reference": format!("Patient/{}", v.patient)},
                "participant": participants,
                "appointment": [{"reference": format!("Appointment/{}", v.id)}],
                "period": {"start": stamp(&start), "end": stamp(&end)}
            })
        })
        .collect()
}

const HF_QUESTIONS: [(&str, &str); 4] = [
    ("dyspnoea", "Êtes-vous plus essoufflé qu'à l'habitude ?"),
    ("oedema", "Vos chevilles ou vos jambes sont-elles enflées ?"),
    ("orthopnoea", "Avez-vous besoin de plus d'oreillers pour dormir ?"),
    ("dizziness", "Avez-vous des étourdissements ?"),
];

const ESAS_ITEMS: [(&str, &str, i64); 9] = [
    ("pain", "Douleur", 7),
    ("tiredness", "Fatigue", 6),
    ("drowsiness", "Somnolence", 3),
    ("nausea", "Nausée", 2),
    ("appetite", "Manque d'appétit", 5),
    ("breath", "Essoufflement", 1),
    ("depression", "Dépression", 3),
    ("anxiety", "Anxiété", 4),
    ("wellbeing", "Bien-être", 5),
];

pub(crate) fn questionnaires() -> Vec<Value> {
    let hf_items: Vec<Value> = HF_QUESTIONS
        .iter()
        .map(|(id, text)| json!({"linkId": id, "text": text, "type": "boolean", "required": true}))
        .collect();
    let esas_items: Vec<Value> = ESAS_ITEMS
        .iter()
        .map(|(id, text, _)| json!({"linkId": id, "text": format!("{text} (0 = aucun, 10 = le pire possible)"), "type": "integer"}))
        .collect();
    vec![
        json!({"resourceType": "Questionnaire", "id": "demo-q-hf-symptoms", "url": HF_FORM, "version": "1",
               "status": "active", "title": "Symptômes d'insuffisance cardiaque (hebdomadaire)", "subjectType": ["Patient"],
               "item": hf_items}),
        json!({"resourceType": "Questionnaire", "id": "demo-q-esas-r", "url": ESAS_FORM, "version": "1",
               "status": "active", "title": "ESAS-r — évaluation des symptômes", "subjectType": ["Patient"],
               "item": esas_items}),
    ]
}

pub(crate) fn questionnaire_responses(at: &Moments) -> Vec<Value> {
    let hf = |id: &str, days_ago: i64, answers: [bool; 4]| {
        let items: Vec<Value> = HF_QUESTIONS
            .iter()
            .zip(answers)
            .map(|((link, text), yes)| json!({"linkId": link, "text": text, "answer": [{"valueBoolean": yes}]}))
            .collect();
        json!({
            "resourceType": "QuestionnaireResponse", "id": id, "questionnaire": HF_FORM, "status": "completed",
            "subject": {"reference": format!("Patient/{HEART_FAILURE}")},
            "authored": stamp(&at.reading(days_ago, 8)),
            "author": {"reference": format!("Patient/{HEART_FAILURE}")},
            "item": items
        })
    };
    let esas_items: Vec<Value> = ESAS_ITEMS
        .iter()
        .map(|(link, text, score)| json!({"linkId": link, "text": text, "answer": [{"valueInteger": score}]}))
        .collect();
    vec![
        hf("demo-qr-bouchard-week-5", 8, [false, false, false, false]),
        hf("demo-qr-bouchard-week-6", 1, [true, true, true, false]),
        json!({
            "resourceType": "QuestionnaireResponse", "id": "demo-qr-belanger-esas", "questionnaire": ESAS_FORM,
            "status": "completed",
            "subject": {"reference": format!("Patient/{ONCOLOGY}")},
            "authored": stamp(&at.reading(1, 10)),
            "author": {"reference": format!("Patient/{ONCOLOGY}")},
            "item": esas_items
        }),
    ]
}
