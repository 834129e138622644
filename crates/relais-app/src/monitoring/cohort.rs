//! The nurse's cohort (issue 7): the enrolled patients she may see, most at risk first, each
//! with their open alerts, the NEWS2 of their latest set of vitals (where the program scores
//! it), their adherence over the last week (periods with a reading out of the periods expected,
//! from the program's frequencies, as [`super::schedule`] counts them for the patient's own
//! page), when their last reading came, and their recent readings with the limits in force for
//! them (the program's, or the clinician's override) for the trend charts.
//!
//! Everything is read as the nurse through the FHIR searches, so the access policy decides
//! (a patient outside her care teams and queues never appears) and each search names the
//! patients it returned on the audit trail. The cost is a handful of searches for the whole
//! cohort, not one per patient: the active CarePlans (with their patients), then per group of
//! [`PER_SEARCH`] patients one search each of Observations, QuestionnaireResponses, open alert
//! Tasks (with their DetectedIssue) and threshold overrides.

use std::cmp::Ordering;
use std::collections::HashMap;

use jiff::{SignedDuration, Timestamp};
use relais_clinical::engine::{Input, PatientOverrides, Reading, latest_news2};
use relais_clinical::news2::News2;
use relais_clinical::program::{Condition, Limit, Program, Severity};
use serde_json::Value;

use super::observation::{COUNTED, answers_of, readings_of, subject_patient};
use super::schedule::{Asked, MISSED_DAYS, standing};
use super::{Monitoring, PROGRAM_URI};
use crate::access::Caller;
use crate::fhir::FhirError;
use crate::queues::human_name;
use crate::triage::{Alert, alerts_of, open_alerts_query, severity_rank};

/// The most patients one cohort shows.
pub const MAX_COHORT: usize = 500;
/// Patients named in one search of their readings (a longer list makes a longer URL and query).
const PER_SEARCH: usize = 50;
/// How far back readings are drawn.
pub const CHART_DAYS: i64 = MISSED_DAYS;

/// How often one expected item came in over the last week.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adherence {
    pub asked: Asked,
    /// Periods with something received.
    pub received: u32,
    /// Periods expected (see [`super::schedule::Standing::adherence`]).
    pub due: u32,
}

/// A limit drawn on a measurement's chart: a `threshold` rule's, the patient's own if a
/// clinician set one.
#[derive(Debug, Clone, PartialEq)]
pub struct DrawnLimit {
    /// The measurement's code it applies to.
    pub code: String,
    pub limit: Limit,
    pub severity: Severity,
    /// Set for this patient (an override), not the program's.
    pub own: bool,
}

/// One enrolled patient of the cohort.
#[derive(Debug, Clone)]
pub struct CohortPatient {
    pub patient: String,
    /// Their name, as the record gives it (empty if it has none).
    pub name: String,
    /// The program's id (in the catalog).
    pub program: String,
    pub enrolled: Timestamp,
    /// Open alerts, most severe first, then oldest.
    pub alerts: Vec<Alert>,
    /// The NEWS2 of the latest complete set, where the program scores NEWS2.
    pub news2: Option<News2>,
    /// Per measurement form (a panel's parts share one) and questionnaire.
    pub adherence: Vec<Adherence>,
    /// The latest reading or answer received.
    pub last_received: Option<Timestamp>,
    /// Readings of the last [`CHART_DAYS`] days, in the program's codes and units.
    pub readings: Vec<Reading>,
    /// The threshold limits in force for them.
    pub limits: Vec<DrawnLimit>,
}

impl CohortPatient {
    /// The most severe open alert's rank ([`severity_rank`]), 0 without any.
    pub fn alert_rank(&self) -> u8 {
        self.alerts.iter().map(|a| severity_rank(&a.severity)).max().unwrap_or(0)
    }

    /// Received and expected over every item; `(0, 0)` when nothing was expected yet.
    pub fn adherence_total(&self) -> (u32, u32) {
        self.adherence.iter().fold((0, 0), |(r, d), a| (r + a.received, d + a.due))
    }

    /// The adherence of one measurement form (by its first code) or questionnaire.
    pub fn adherence_of(&self, asked: &Asked) -> Option<&Adherence> {
        self.adherence.iter().find(|a| a.asked == *asked)
    }
}

/// Most at risk first: the most severe open alert, then how many are open, then the higher
/// NEWS2 (a patient without a score after those with one), then the lower adherence; then by
/// name, so the order is stable.
pub fn by_risk(a: &CohortPatient, b: &CohortPatient) -> Ordering {
    let adherence = |p: &CohortPatient| match p.adherence_total() {
        (_, 0) => (1, 1),
        (r, d) => (u64::from(r), u64::from(d)),
    };
    let ((ra, da), (rb, db)) = (adherence(a), adherence(b));
    b.alert_rank()
        .cmp(&a.alert_rank())
        .then(b.alerts.len().cmp(&a.alerts.len()))
        .then(b.news2.map(|n| n.total).cmp(&a.news2.map(|n| n.total)))
        .then((ra * db).cmp(&(rb * da)))
        .then_with(|| a.name.cmp(&b.name))
        .then_with(|| a.patient.cmp(&b.patient))
}

/// The `threshold` rules of `program` that raise an alert, with the patient's own limits.
pub fn drawn_limits(program: &Program, overrides: &PatientOverrides) -> Vec<DrawnLimit> {
    program
        .rules
        .iter()
        .filter(|r| r.alert)
        .filter_map(|r| match &r.condition {
            Condition::Threshold { code, when } => {
                let own = overrides.limits.get(&r.id);
                Some(DrawnLimit {
                    code: code.clone(),
                    limit: own.copied().unwrap_or(*when),
                    severity: r.severity,
                    own: own.is_some(),
                })
            }
            _ => None,
        })
        .collect()
}

fn pairs(list: &[(&str, String)]) -> Vec<(String, String)> {
    list.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
}

/// The patient a resource is about (`subject`, `patient` or a Task's `for`).
fn about(resource: &Value) -> Option<&str> {
    subject_patient(resource).or_else(|| {
        ["/patient/reference", "/for/reference"]
            .iter()
            .find_map(|p| resource.pointer(p).and_then(Value::as_str))
            .and_then(|r| r.strip_prefix("Patient/"))
    })
}

/// The resources of `found` grouped by the patient they are about.
fn by_patient(found: &[Value], kind: &str) -> HashMap<String, Vec<Value>> {
    let mut grouped: HashMap<String, Vec<Value>> = HashMap::new();
    for resource in found.iter().filter(|r| r.get("resourceType").and_then(Value::as_str) == Some(kind)) {
        if let Some(patient) = about(resource) {
            grouped.entry(patient.to_owned()).or_default().push(resource.clone());
        }
    }
    grouped
}

/// What the searches of one group of patients found.
struct Found {
    observations: HashMap<String, Vec<Value>>,
    responses: HashMap<String, Vec<Value>>,
    overrides: HashMap<String, Vec<Value>>,
    /// Each patient's open alerts.
    alerts: HashMap<String, Vec<Alert>>,
}

impl Monitoring {
    /// The cohort of enrolled patients `caller` may see, most at risk first (see [`by_risk`]),
    /// read as them.
    ///
    /// # Errors
    /// 403 `role-forbids` for anyone but a clinician (on the audit trail); the searches' errors.
    pub async fn cohort(&self, caller: &Caller) -> Result<Vec<CohortPatient>, FhirError> {
        self.clinicians_only(caller, "CarePlan", "monitoring-cohort").await?;
        let now = self.fhir.clock().now();
        let uris: Vec<String> = self.catalog().programs().map(|p| format!("{PROGRAM_URI}{}", p.id)).collect();
        let plans = self
            .search_all_as(
                caller,
                "CarePlan",
                &pairs(&[
                    ("status", "active".to_owned()),
                    ("instantiates-uri", uris.join(",")),
                    ("_include", "CarePlan:subject".to_owned()),
                    ("_count", "250".to_owned()),
                ]),
            )
            .await?;
        let names: HashMap<&str, String> = plans
            .iter()
            .filter(|r| r.get("resourceType").and_then(Value::as_str) == Some("Patient"))
            .filter_map(|p| Some((p.get("id")?.as_str()?, human_name(p).unwrap_or_default())))
            .collect();
        let mut enrolled: Vec<(String, String, Timestamp)> = Vec::new();
        for plan in plans.iter().filter(|r| r.get("resourceType").and_then(Value::as_str) == Some("CarePlan"))
        {
            let (Some(patient), Some((program, since))) = (subject_patient(plan), self.program_of(plan))
            else {
                continue;
            };
            if !enrolled.iter().any(|(p, _, _)| p == patient) && enrolled.len() < MAX_COHORT {
                enrolled.push((patient.to_owned(), program, since));
            }
        }
        let mut cohort = Vec::with_capacity(enrolled.len());
        let catalog = self.catalog();
        for group in enrolled.chunks(PER_SEARCH) {
            let patients: Vec<&str> = group.iter().map(|(p, _, _)| p.as_str()).collect();
            let mut found = self.found_for(caller, &patients, now).await?;
            for (patient, program, since) in group {
                let Some(program) = catalog.get(program) else { continue };
                let name = names.get(patient.as_str()).cloned().unwrap_or_default();
                cohort.push(one_patient(&mut found, patient, name, program, *since, now));
            }
        }
        cohort.sort_by(by_risk);
        Ok(cohort)
    }

    /// The four searches of one group of patients, as `caller`.
    async fn found_for(
        &self,
        caller: &Caller,
        patients: &[&str],
        now: Timestamp,
    ) -> Result<Found, FhirError> {
        let list: Vec<String> = patients.iter().map(|p| format!("Patient/{p}")).collect();
        let list = list.join(",");
        // Enough history for the week's periods (the first one may start two days earlier).
        let from =
            now.checked_sub(SignedDuration::from_hours(CHART_DAYS * 24 + 48)).unwrap_or(Timestamp::MIN);
        let observations = self
            .search_all_as(
                caller,
                "Observation",
                &pairs(&[
                    ("subject", list.clone()),
                    ("date", format!("ge{from}")),
                    ("status", COUNTED.to_owned()),
                    ("_count", "500".to_owned()),
                ]),
            )
            .await?;
        let responses = self
            .search_all_as(
                caller,
                "QuestionnaireResponse",
                &pairs(&[
                    ("subject", list.clone()),
                    ("authored", format!("ge{from}")),
                    ("_count", "500".to_owned()),
                ]),
            )
            .await?;
        let mut overrides_query = super::overrides::query(&list);
        overrides_query.retain(|(k, _)| k != "_count");
        overrides_query.push(("_count".to_owned(), "500".to_owned()));
        let overrides = self.search_all_as(caller, "Basic", &overrides_query).await?;
        let mut alerts: HashMap<String, Vec<Alert>> = HashMap::new();
        if let Some(mut query) = open_alerts_query(&self.catalog()) {
            query.push(("patient".to_owned(), list));
            query.push(("_count".to_owned(), "500".to_owned()));
            let tasks = self.search_all_as(caller, "Task", &query).await?;
            let bundle = serde_json::json!({"entry": tasks.into_iter().map(|r| serde_json::json!({"resource": r})).collect::<Vec<_>>()});
            for alert in alerts_of(&bundle) {
                if let Some((patient, _)) = &alert.patient {
                    alerts.entry(patient.clone()).or_default().push(alert);
                }
            }
        }
        Ok(Found {
            observations: by_patient(&observations, "Observation"),
            responses: by_patient(&responses, "QuestionnaireResponse"),
            overrides: by_patient(&overrides, "Basic"),
            alerts,
        })
    }
}

/// One patient's line of the cohort from what the searches found.
fn one_patient(
    found: &mut Found,
    patient: &str,
    name: String,
    program: &Program,
    enrolled: Timestamp,
    now: Timestamp,
) -> CohortPatient {
    let observations = found.observations.remove(patient).unwrap_or_default();
    let responses = found.responses.remove(patient).unwrap_or_default();
    let stored: Vec<_> = found
        .overrides
        .remove(patient)
        .unwrap_or_default()
        .iter()
        .filter_map(super::overrides::parse)
        .collect();
    let overrides = super::overrides::engine_overrides(program, &stored);
    let mut alerts = found.alerts.remove(patient).unwrap_or_default();
    alerts.sort_by(|a, b| {
        severity_rank(&b.severity).cmp(&severity_rank(&a.severity)).then(a.identified.cmp(&b.identified))
    });
    let readings = readings_of(program, observations.iter());
    let answers = answers_of(program, responses.iter());
    let subject = format!("Patient/{patient}");
    let news2 = latest_news2(&Input {
        subject: &subject,
        program,
        overrides: &overrides,
        readings: &readings,
        answers: &answers,
        enrolled_at: enrolled,
        now,
    });
    let mut adherence = Vec::new();
    let mut panels_seen: Vec<&str> = Vec::new();
    for m in &program.measurements {
        if let Some(panel) = &m.panel {
            if panels_seen.contains(&panel.as_str()) {
                continue;
            }
            panels_seen.push(panel);
        }
        // A panel's form is done by a reading of any of its parts.
        let of_this_form = |r: &&Reading| match &m.panel {
            None => r.code == m.code,
            Some(panel) => program.measurement_for(&r.code).and_then(|o| o.panel.as_ref()) == Some(panel),
        };
        let received: Vec<Timestamp> = readings.iter().filter(of_this_form).map(|r| r.at).collect();
        let (received, due) = standing(enrolled, m.every, now, &received).adherence();
        adherence.push(Adherence { asked: Asked::Measurement(m.code.clone()), received, due });
    }
    for q in &program.questionnaires {
        let received: Vec<Timestamp> =
            answers.iter().filter(|a| a.questionnaire == q.id).map(|a| a.at).collect();
        let (received, due) = standing(enrolled, q.every, now, &received).adherence();
        adherence.push(Adherence { asked: Asked::Questionnaire(q.id.clone()), received, due });
    }
    let last_received =
        readings.iter().map(|r| r.at).chain(answers.iter().map(|a| a.at)).filter(|t| *t <= now).max();
    let chart_from = now.checked_sub(SignedDuration::from_hours(CHART_DAYS * 24)).unwrap_or(Timestamp::MIN);
    let readings = readings.into_iter().filter(|r| r.at >= chart_from && r.at <= now).collect();
    CohortPatient {
        patient: patient.to_owned(),
        name,
        program: program.id.clone(),
        enrolled,
        alerts,
        news2,
        adherence,
        last_received,
        readings,
        limits: drawn_limits(program, &overrides),
    }
}

#[cfg(test)]
mod tests;
