//! Which program a patient follows, remembered between readings: looking it up is a CarePlan
//! search, and doing it for every reading was a large share of a reading's time.
//!
//! What is remembered is forgotten as soon as any CarePlan is written in this process (the cache
//! follows `relais_app::changes`, so an enrolment, a discharge or a change of program counts from
//! the next reading), and in any case after [`FRESH_FOR`], which bounds how long a CarePlan
//! written on another node (PostgreSQL with several nodes) goes unnoticed. A patient found
//! enrolled in nothing is remembered as such on the same terms: every Observation written through
//! the FHIR API asks (api_writes.rs), and most of them are not home-monitoring readings.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use relais_clinical::program::Program;
use relais_fhir::{Issue, IssueType};
use serde_json::Value;
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::TryRecvError;

use super::evaluate::resources;
use super::{BASE, Monitoring, PROGRAM_URI};
use crate::changes::Change;
use crate::fhir::FhirError;

/// How long an enrolment is trusted without a CarePlan write heard in this process.
pub const FRESH_FOR: Duration = Duration::from_secs(60);

/// Patients remembered at most; beyond, the stale ones are dropped (then all, if need be).
const MAX_PATIENTS: usize = 50_000;

/// A patient's program (its id) and when they were enrolled.
type Enrolment = (String, Timestamp);

/// The enrolments looked up lately.
pub(super) struct Enrolments {
    state: Mutex<State>,
}

struct State {
    /// The announcements of this process's writes, read at each lookup.
    followed: Receiver<Change>,
    /// Bumped whenever everything is forgotten, so that a lookup that raced with a CarePlan
    /// write does not put back what it read before that write.
    generation: u64,
    /// `None`: enrolled in nothing.
    known: HashMap<String, (Option<Enrolment>, Instant)>,
}

impl State {
    /// Forgets everything if a CarePlan was written (or announcements were missed) since last.
    fn catch_up(&mut self) {
        loop {
            match self.followed.try_recv() {
                Ok(change) if change.resource_type == "CarePlan" => self.forget(),
                Ok(_) => {}
                Err(TryRecvError::Empty) => return,
                Err(TryRecvError::Lagged(_)) => self.forget(),
                Err(TryRecvError::Closed) => {
                    self.forget();
                    return;
                }
            }
        }
    }

    fn forget(&mut self) {
        self.known.clear();
        self.generation += 1;
    }
}

impl Enrolments {
    pub(super) fn new(followed: Receiver<Change>) -> Self {
        Self { state: Mutex::new(State { followed, generation: 0, known: HashMap::new() }) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding it cannot leave the map inconsistent (each step is one call).
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The remembered enrolment of `patient` (`Some(None)`: enrolled in nothing) and the
    /// generation it was read at.
    fn get(&self, patient: &str) -> (Option<Option<Enrolment>>, u64) {
        let mut state = self.lock();
        state.catch_up();
        let found =
            state.known.get(patient).filter(|(_, at)| at.elapsed() < FRESH_FOR).map(|(e, _)| e.clone());
        (found, state.generation)
    }

    fn put(&self, patient: &str, enrolment: Option<Enrolment>, generation: u64) {
        let mut state = self.lock();
        state.catch_up();
        if state.generation == generation {
            if state.known.len() >= MAX_PATIENTS {
                state.known.retain(|_, (_, at)| at.elapsed() < FRESH_FOR);
                if state.known.len() >= MAX_PATIENTS {
                    state.forget();
                }
            }
            state.known.insert(patient.to_owned(), (enrolment, Instant::now()));
        }
    }
}

fn not_enrolled() -> FhirError {
    FhirError::Unprocessable(vec![Issue::error(
        IssueType::BusinessRule,
        "not-enrolled",
        "The patient follows no home-monitoring program (no active CarePlan instantiating one)",
    )])
}

impl Monitoring {
    /// The program the patient's active CarePlan instantiates, and when they were enrolled.
    pub(super) async fn enrolment(&self, patient: &str) -> Result<(Arc<Program>, Timestamp), FhirError> {
        let (known, generation) = self.enrolments.get(patient);
        let (program, since) = match known {
            Some(found) => found.ok_or_else(not_enrolled)?,
            None => {
                let found = self.look_up_enrolment(patient).await?;
                self.enrolments.put(patient, found.clone(), generation);
                found.ok_or_else(not_enrolled)?
            }
        };
        // The program in force now: an administrator's change applies from the next reading.
        let program = self.programs.current().shared(&program).ok_or_else(not_enrolled)?;
        Ok((program, since))
    }

    async fn look_up_enrolment(&self, patient: &str) -> Result<Option<Enrolment>, FhirError> {
        let pairs = [
            ("subject".to_owned(), format!("Patient/{patient}")),
            ("status".to_owned(), "active".to_owned()),
        ];
        let bundle = self.fhir.search("CarePlan", &pairs, true, BASE).await?;
        Ok(resources(&bundle).find_map(|plan| self.program_of(plan)))
    }

    /// The program a CarePlan instantiates (one of the catalog's) and its start.
    pub(super) fn program_of(&self, plan: &Value) -> Option<Enrolment> {
        let uris = plan.get("instantiatesUri").and_then(Value::as_array).into_iter().flatten();
        let program = uris
            .filter_map(Value::as_str)
            .filter_map(|uri| uri.strip_prefix(PROGRAM_URI))
            .find(|id| self.programs.current().get(id).is_some())?;
        let start = plan
            .get("period")
            .and_then(|p| p.get("start"))
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<Timestamp>().ok());
        Some((program.to_owned(), start.unwrap_or_else(|| self.fhir.clock().now())))
    }
}
