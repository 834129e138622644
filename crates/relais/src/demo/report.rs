//! What `relais demo` prints: the password, the staff's TOTP secret, and one line per account
//! (email, role, whether it needs the second factor, what it can see), worked out from the
//! resources written — care teams and the open tasks a person owns are what grants access —
//! so the table cannot drift from the data.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use relais_access::policy::Role;
use serde_json::Value;

use super::accounts::DemoAccount;
use super::world::{CAREGIVER, PASSWORD, PATIENTS, TOTP_SECRET, patient_name};

const OPEN_TASKS: [&str; 6] = ["requested", "received", "accepted", "ready", "in-progress", "on-hold"];

/// The accounts table, for `resources` (the demo's FHIR resources).
pub(crate) fn table(accounts: &[DemoAccount], resources: &[Value]) -> String {
    let reach = reach(resources);
    let mut out = String::new();
    let _ = writeln!(out, "Password of every demo account: {PASSWORD}");
    let _ = writeln!(
        out,
        "Second factor of every staff account (TOTP, SHA-1, 6 digits, 30 s): {TOTP_SECRET}\n  \
         e.g. `oathtool --totp -b {TOTP_SECRET}`, or add it to an authenticator app"
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "{:<40} {:<22} {:<5} SEES", "EMAIL", "ROLE", "TOTP");
    for account in accounts {
        let totp = if account.is_staff() { "yes" } else { "no" };
        let sees = sees(account, &reach);
        let _ = writeln!(out, "{:<40} {:<22} {:<5} {sees}", account.email, account.role.code(), totp);
    }
    out
}

/// Per Practitioner id, the patients whose record they are granted.
fn reach(resources: &[Value]) -> BTreeMap<String, BTreeSet<String>> {
    let mut reach: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let patient_of = |r: &Value, pointer: &str| {
        r.pointer(pointer).and_then(Value::as_str).and_then(|s| s.strip_prefix("Patient/")).map(str::to_owned)
    };
    for r in resources {
        let (members, patient): (Vec<&str>, _) = match r["resourceType"].as_str() {
            Some("CareTeam") => (
                r["participant"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p.pointer("/member/reference")?.as_str())
                    .collect(),
                patient_of(r, "/subject/reference"),
            ),
            Some("Task") if r["status"].as_str().is_some_and(|s| OPEN_TASKS.contains(&s)) => (
                r.pointer("/owner/reference").and_then(Value::as_str).into_iter().collect(),
                patient_of(r, "/for/reference"),
            ),
            _ => continue,
        };
        let Some(patient) = patient else { continue };
        for member in members {
            if let Some(id) = member.strip_prefix("Practitioner/") {
                reach.entry(id.to_owned()).or_default().insert(patient.clone());
            }
        }
    }
    reach
}

fn sees(account: &DemoAccount, reach: &BTreeMap<String, BTreeSet<String>>) -> String {
    match account.role {
        Role::Patient => {
            let story = PATIENTS.iter().find(|p| Some(p.id) == account.patient).map_or("", |p| p.story);
            format!("own record only ({story})")
        }
        Role::Caregiver => format!(
            "what {} shares ({}), read-only, as RelatedPerson {}",
            patient_name(CAREGIVER.patient),
            CAREGIVER.shared.join(", "),
            account.related_person.unwrap_or("-")
        ),
        Role::PrivacyOfficer => {
            "the audit trail (GET /fhir/AuditEvent) and the directory; no chart".to_owned()
        }
        Role::Administrator => "the directory (organisations, sites, staff); no chart".to_owned(),
        _ => {
            let patients = account.practitioner.and_then(|p| reach.get(p));
            match patients {
                Some(ids) if !ids.is_empty() => {
                    let names: Vec<String> = ids.iter().map(|id| patient_name(id)).collect();
                    let how = if account.role.is_legal() {
                        "read-only, assigned"
                    } else {
                        "care team or assigned task"
                    };
                    format!("{} patient(s), {how}: {}", names.len(), names.join(", "))
                }
                _ => {
                    "the directory and queue items naming no patient (a unit's tablets); no chart".to_owned()
                }
            }
        }
    }
}
