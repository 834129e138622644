//! The demo world's own consistency, without a database: ids, references, codes and units,
//! roles, dates. (What its people see over HTTP is tested in `tests/http/demo.rs`.)

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use relais_access::policy::Role;
use serde_json::Value;

use super::moments::Moments;
use super::{accounts, world};

fn at(instant: &str) -> Moments {
    Moments::new(instant.parse::<Timestamp>().unwrap())
}

fn references(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("reference") {
                out.push(r.clone());
            }
            map.values().for_each(|v| references(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, out)),
        _ => {}
    }
}

#[test]
fn ids_are_unique_valid_and_every_reference_points_inside_the_world() {
    let all = super::world(&at("2026-11-26T15:00:00Z"));
    let keys: BTreeSet<String> = all
        .iter()
        .map(|r| format!("{}/{}", r["resourceType"].as_str().unwrap(), r["id"].as_str().unwrap()))
        .collect();
    assert_eq!(keys.len(), all.len(), "duplicate ids");
    for key in &keys {
        let id = key.split_once('/').unwrap().1;
        assert!(
            id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'),
            "{id}"
        );
    }
    for resource in &all {
        let mut found = Vec::new();
        references(resource, &mut found);
        for reference in found {
            assert!(keys.contains(&reference), "{} names {reference}, not in the world", resource["id"]);
        }
    }
}

#[test]
fn measurements_use_the_loinc_codes_and_ucum_units_of_the_domain_reference() {
    // domain.md §2.1.
    let expected: BTreeMap<&str, &str> = [
        ("29463-7", "kg"),
        ("8867-4", "/min"),
        ("59408-5", "%"),
        ("9279-1", "/min"),
        ("8310-5", "Cel"),
        ("15074-8", "mmol/L"),
        ("72514-3", "{score}"),
        ("72089-6", "{score}"),
        ("85354-9", ""),
    ]
    .into();
    let all = super::world(&at("2026-11-26T15:00:00Z"));
    let observations: Vec<&Value> = all.iter().filter(|r| r["resourceType"] == "Observation").collect();
    assert!(observations.len() > 300, "weeks of readings");
    for o in observations {
        let code = o["code"]["coding"][0]["code"].as_str().unwrap();
        assert_eq!(o["code"]["coding"][0]["system"], "http://loinc.org");
        let unit = expected.get(code).unwrap_or_else(|| panic!("{code} is not in the domain reference"));
        if code == "85354-9" {
            let parts: Vec<&str> = o["component"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["code"]["coding"][0]["code"].as_str().unwrap())
                .collect();
            assert_eq!(parts, ["8480-6", "8462-4"]);
            assert!(
                o["component"].as_array().unwrap().iter().all(|c| c["valueQuantity"]["code"] == "mm[Hg]")
            );
        } else {
            assert_eq!(o["valueQuantity"]["code"], *unit, "{}", o["id"]);
            assert_eq!(o["valueQuantity"]["system"], "http://unitsofmeasure.org");
        }
    }
}

#[test]
fn the_heart_failure_patient_gains_over_2_kg_in_three_days_after_weeks_of_stable_weight() {
    let all = super::world(&at("2026-11-26T15:00:00Z"));
    let weight = |days_ago: i64| {
        let id = format!("{}-weight-{days_ago}", world::HEART_FAILURE);
        all.iter().find(|r| r["id"] == id.as_str()).unwrap()["valueQuantity"]["value"].as_f64().unwrap()
    };
    assert!(weight(0) - weight(3) >= 2.0, "{} → {}", weight(3), weight(0));
    let stable: Vec<f64> = (3..42).map(weight).collect();
    let (low, high) = stable.iter().fold((f64::MAX, f64::MIN), |(l, h), w| (l.min(*w), h.max(*w)));
    assert!(high - low < 1.0, "stable before the drift: {low}–{high}");
}

#[test]
fn readings_never_lie_in_the_future_even_before_the_morning_reading() {
    // 06:10 in Montréal (EST, UTC−5): today's 07:30 reading has not happened yet.
    for now in ["2026-11-26T11:10:00Z", "2026-07-01T03:00:00Z", "2026-11-26T23:59:00Z"] {
        let moments = at(now);
        let now: Timestamp = now.parse().unwrap();
        for days_ago in 0..42 {
            for minute in 0..12 {
                let reading = moments.reading(days_ago, minute).timestamp();
                assert!(reading <= now, "{reading} after {now}");
            }
        }
        assert!(now - moments.reading(0, 0).timestamp() < jiff::SignedDuration::from_hours(24));
    }
}

#[test]
fn every_role_has_an_account_and_each_account_its_record() {
    let accounts = accounts::demo_accounts();
    for role in Role::all() {
        assert!(accounts.iter().any(|a| a.role == role), "no {} account", role.code());
    }
    let emails: BTreeSet<&str> = accounts.iter().map(|a| a.email).collect();
    assert_eq!(emails.len(), accounts.len(), "duplicate emails");
    for account in &accounts {
        match account.role {
            Role::Patient => assert!(account.patient.is_some(), "{}", account.email),
            Role::Caregiver => assert_eq!(account.related_person, Some(world::CAREGIVER.id)),
            _ => assert!(account.practitioner.is_some() && account.is_staff(), "{}", account.email),
        }
    }
}

#[test]
fn four_patients_follow_a_shipped_program_with_their_devices() {
    let all = super::world(&at("2026-11-26T15:00:00Z"));
    let catalog = relais_clinical::program::Catalog::defaults().unwrap();
    let plans: Vec<&Value> = all
        .iter()
        .filter(|r| r["resourceType"] == "CarePlan" && r["status"] == "active")
        .filter(|r| r["instantiatesUri"][0].as_str().is_some_and(|u| u.starts_with("urn:relais:program:")))
        .collect();
    assert_eq!(plans.len(), 4);
    for plan in plans {
        let id = plan["instantiatesUri"][0].as_str().unwrap().trim_start_matches("urn:relais:program:");
        let program = catalog.get(id).unwrap();
        let activities = plan["activity"].as_array().unwrap().len();
        assert_eq!(activities, program.measurements.len() + program.questionnaires.len(), "{id}");
        let patient = &plan["subject"]["reference"];
        let devices = all
            .iter()
            .filter(|r| r["resourceType"] == "DeviceUseStatement" && r["subject"]["reference"] == *patient);
        assert!(devices.count() >= 1, "{patient} has a device");
    }
    // The COPD patient's own SpO2 limit is a well-formed override of an overridable rule.
    let basic = all.iter().find(|r| r["resourceType"] == "Basic").unwrap();
    assert_eq!(basic["identifier"][0]["value"], "demo-pat-ouellet/copd/spo2-low");
}
