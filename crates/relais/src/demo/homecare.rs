//! The demo's home-monitoring enrolments: four patients in the shipped programs (heart
//! failure, hypertension, COPD, diabetes), each CarePlan made by the same function enrolment
//! uses (`instantiatesUri`, one activity per measurement and questionnaire), their devices
//! (Device + DeviceUseStatement), weeks of daily symptom checks for the heart-failure patient
//! (breathless the last two days), and a per-patient limit for the COPD patient, whose
//! documented SpO2 target is 88–92 %.

use relais_app::monitoring::enrolment::{DEVICE_SERIAL, care_plan};
use relais_app::monitoring::overrides::{OVERRIDE_CODE, OVERRIDE_KEY, OVERRIDE_SYSTEM};
use relais_clinical::program::{Catalog, questionnaire_url};
use serde_json::{Value, json};

use super::moments::{Moments, date, stamp};
use super::world::{COPD, DIABETES, HEART_FAILURE, HYPERTENSION};

/// (patient, program, days enrolled, care team, devices)
const ENROLMENTS: [(&str, &str, i64, &str, &[&str]); 4] = [
    (HEART_FAILURE, "heart-failure", 42, "demo-ct-bouchard", &["BALANCE-4471", "TENSIO-2210", "OXY-8812"]),
    (HYPERTENSION, "hypertension", 28, "demo-ct-lefebvre", &["TENSIO-2345"]),
    (COPD, "copd", 23, "demo-ct-ouellet", &["OXY-9034", "THERMO-1187"]),
    (DIABETES, "diabetes", 21, "demo-ct-leblanc", &["GLUCO-5521"]),
];

/// The enrolments' CarePlans, Devices and DeviceUseStatements.
pub(crate) fn enrolments(at: &Moments) -> Vec<Value> {
    let Ok(catalog) = Catalog::defaults() else { return Vec::new() };
    let mut out = Vec::new();
    for (patient, program, days, team, devices) in ENROLMENTS {
        let Some(program) = catalog.get(program) else { continue };
        let start = at.day_at(-days, 9, 0);
        let mut plan = care_plan(program, patient, start.timestamp());
        let short = patient.trim_start_matches("demo-pat-");
        plan["id"] = json!(format!("demo-cp-{short}"));
        plan["period"]["start"] = json!(stamp(&start));
        plan["created"] = json!(stamp(&start));
        plan["careTeam"] = json!([{"reference": format!("CareTeam/{team}")}]);
        out.push(plan);
        for serial in devices {
            let device = format!("demo-dev-{}", serial.to_lowercase());
            out.push(json!({"resourceType": "Device", "id": device, "status": "active",
                "identifier": [{"system": DEVICE_SERIAL, "value": serial}], "serialNumber": serial,
                "patient": {"reference": format!("Patient/{patient}")}}));
            out.push(json!({"resourceType": "DeviceUseStatement", "id": format!("demo-dus-{}", serial.to_lowercase()),
                "status": "active", "subject": {"reference": format!("Patient/{patient}")},
                "device": {"reference": format!("Device/{device}")},
                "timingPeriod": {"start": stamp(&start)}, "recordedOn": stamp(&start)}));
        }
    }
    out
}

/// Daily heart-failure symptom checks over three weeks; short of breath and swollen ankles
/// the last two days, as the weight climbs.
pub(crate) fn symptom_checks(at: &Moments) -> Vec<Value> {
    let Ok(catalog) = Catalog::defaults() else { return Vec::new() };
    let Some(program) = catalog.get("heart-failure") else { return Vec::new() };
    let Some(questionnaire) = program.questionnaire("hf-daily") else { return Vec::new() };
    let url = questionnaire_url(program, questionnaire);
    (1..21)
        .rev()
        .map(|d: i64| {
            let worse = d <= 2;
            let items: Vec<Value> = questionnaire
                .items
                .iter()
                .map(|item| {
                    let yes = worse && matches!(item.link_id.as_str(), "dyspnoea" | "oedema");
                    json!({"linkId": item.link_id, "text": item.text.fr, "answer": [{"valueBoolean": yes}]})
                })
                .collect();
            json!({"resourceType": "QuestionnaireResponse", "id": format!("demo-qr-hf-daily-{d}"),
                "status": "completed", "questionnaire": url,
                "subject": {"reference": format!("Patient/{HEART_FAILURE}")},
                "author": {"reference": format!("Patient/{HEART_FAILURE}")},
                "authored": stamp(&at.reading(d, 10)), "item": items})
        })
        .collect()
}

/// The COPD patient's own SpO2 limit (her documented target is 88–92 %).
pub(crate) fn overrides(at: &Moments) -> Vec<Value> {
    let ext = |name: &str, value: &str| json!({"url": format!("http://relais.invalid/fhir/StructureDefinition/threshold-override-{name}"), "valueString": value});
    let when = at.day_at(-20, 10, 15);
    vec![json!({
        "resourceType": "Basic", "id": "demo-override-ouellet-spo2",
        "identifier": [{"system": OVERRIDE_KEY, "value": format!("{COPD}/copd/spo2-low")}],
        "code": {"coding": [{"system": OVERRIDE_SYSTEM, "code": OVERRIDE_CODE}], "text": "Threshold override"},
        "subject": {"reference": format!("Patient/{COPD}")},
        "created": date(&when),
        "author": {"display": "Dr Karim Haddad"},
        "extension": [ext("program", "copd"), ext("rule", "spo2-low"), ext("limit", "< 88"),
            ext("reason", "Cible de SpO2 88–92 % documentée (rétention de CO2)"),
            {"url": "http://relais.invalid/fhir/StructureDefinition/threshold-override-at", "valueDateTime": stamp(&when)}],
    })]
}
