//! Each evaluated patient's recent history — readings, answers and threshold overrides —
//! remembered between evaluations, so that a reading costs the evaluation of what is already
//! known plus itself rather than a reload of the patient's whole look-back window (a device
//! sending every minute, or a gateway's batch, made each evaluation re-read hundreds of
//! Observations).
//!
//! What is remembered stays exactly what a fresh load would give:
//! - this use case's own writes (readings, answers) are added as they are written, and their
//!   announcements claimed, so they are not taken for someone else's;
//! - any other write of an Observation, QuestionnaireResponse or Basic (an override) heard on
//!   `relais_app::changes` — a clinician's FHIR write, a reading marked entered-in-error — is
//!   read (as the system) before the next evaluation and its current version takes the place of
//!   what was remembered of it (an override forgets its patient); a deletion, a lost
//!   announcement or an unreadable resource forgets everyone. Reading again a write of ours
//!   that was heard before it was claimed changes nothing, so the two never disagree;
//! - a program changed by an administrator (another version) is a miss;
//! - an entry is trusted for [`FRESH_FOR`] after its load at most, which bounds how long a write
//!   made by another node (PostgreSQL with several nodes) or another process goes unseen, as for
//!   enrolments.
//!
//! A load that raced with a forget is used once and not remembered (the generation check).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use jiff::Timestamp;
use relais_clinical::engine::{Answer, Reading};
use relais_clinical::program::Program;
use serde_json::Value;
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::TryRecvError;

use super::enrolment_cache::FRESH_FOR;
use super::observation::{answers_of, readings_of};
use super::overrides::Override;
use crate::changes::Change;

/// Patients remembered at most; beyond, the stale ones are dropped (then all, if need be).
const MAX_PATIENTS: usize = 50_000;

/// The resource types whose writes change what an evaluation reads.
const WATCHED: [&str; 3] = ["Observation", "QuestionnaireResponse", "Basic"];

/// What one evaluation of a patient reads.
#[derive(Debug, Clone, Default)]
pub(super) struct Window {
    pub readings: Vec<Reading>,
    pub answers: Vec<Answer>,
    pub overrides: Vec<Override>,
}

struct Entry {
    /// The program the readings were read for.
    program: Arc<Program>,
    /// Everything measured or answered from here on is in the window.
    from: Timestamp,
    window: Window,
    loaded: Instant,
}

impl Entry {
    fn serves(&self, program: &Program, from: Timestamp) -> bool {
        self.program.id == program.id
            && self.program.version == program.version
            && self.from <= from
            && self.loaded.elapsed() < FRESH_FOR
    }
}

/// A write heard that these use cases did not make (or not yet claimed): its type and id.
pub(super) type Foreign = (String, String);

struct State {
    followed: Receiver<Change>,
    patients: HashMap<String, Entry>,
    /// Writes of watched types heard and not claimed, whose patient is still to be found.
    unresolved: Vec<Foreign>,
    /// Bumped by every forget, so that a load that raced with one is not remembered.
    generation: u64,
}

impl State {
    /// Reads every announcement waiting: watched writes become unresolved.
    fn catch_up(&mut self) {
        loop {
            match self.followed.try_recv() {
                Ok(change) if WATCHED.contains(&change.resource_type.as_str()) => {
                    self.unresolved.push((change.resource_type, change.id));
                }
                Ok(_) => {}
                Err(TryRecvError::Empty) => return,
                Err(TryRecvError::Lagged(_)) => self.forget_all(),
                Err(TryRecvError::Closed) => {
                    self.forget_all();
                    return;
                }
            }
        }
    }

    fn forget_all(&mut self) {
        self.patients.clear();
        self.unresolved.clear();
        self.generation += 1;
    }
}

/// The recent histories of the patients evaluated lately.
pub(super) struct Recent {
    state: Mutex<State>,
    /// Held while unresolved writes are looked up: an evaluation waits for it, so it never
    /// uses an entry a write it could have heard of has made stale.
    pub(super) resolving: tokio::sync::Mutex<()>,
}

impl Recent {
    pub(super) fn new(followed: Receiver<Change>) -> Self {
        let state = State { followed, patients: HashMap::new(), unresolved: Vec::new(), generation: 0 };
        Self { state: Mutex::new(state), resolving: tokio::sync::Mutex::new(()) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // Every step under the lock leaves the maps consistent, so a poisoned lock is usable.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The writes heard whose patient is to be found (and forgotten); taken, so the caller
    /// must look them up (holding [`Recent::resolving`]).
    pub(super) fn take_unresolved(&self) -> Vec<Foreign> {
        let mut state = self.lock();
        state.catch_up();
        std::mem::take(&mut state.unresolved)
    }

    /// Puts the current version of `resource` (an Observation or QuestionnaireResponse of
    /// `patient`, just read) in place of what `patient`'s window held of it.
    pub(super) fn apply(&self, patient: &str, resource_type: &str, id: &str, resource: &Value) {
        let mut state = self.lock();
        let Some(entry) = state.patients.get_mut(patient) else {
            // A load of theirs may be running from before this write: it must not be kept.
            state.generation += 1;
            return;
        };
        let program = entry.program.clone();
        let window = &mut entry.window;
        match resource_type {
            "Observation" => {
                window.readings.retain(|r| r.id != id);
                let readings = readings_of(&program, std::iter::once(resource));
                window.readings.extend(readings.into_iter().filter(|r| r.at >= entry.from));
            }
            "QuestionnaireResponse" => {
                window.answers.retain(|a| a.id != id);
                let answers = answers_of(&program, std::iter::once(resource));
                window.answers.extend(answers.into_iter().filter(|a| a.at >= entry.from));
            }
            _ => {
                state.patients.remove(patient);
                state.generation += 1;
            }
        }
    }

    /// Forgets every patient (a write whose patient cannot be told).
    pub(super) fn forget_all(&self) {
        self.lock().forget_all();
    }

    /// `patient`'s remembered window for `program` from `from` (readings before it dropped),
    /// and the generation to hand back to [`Recent::put`] after a load.
    pub(super) fn get(&self, patient: &str, program: &Program, from: Timestamp) -> (Option<Window>, u64) {
        let mut state = self.lock();
        state.catch_up();
        let generation = state.generation;
        if !state.patients.get(patient).is_some_and(|e| e.serves(program, from)) {
            // Gone, so that an entry present always serves: a write heard while its patient is
            // being loaded again then finds no entry and refuses that load (apply).
            state.patients.remove(patient);
            return (None, generation);
        }
        let Some(entry) = state.patients.get_mut(patient) else { return (None, generation) };
        // The window moves on: what fell out of the look-back is no longer read.
        entry.window.readings.retain(|r| r.at >= from);
        entry.window.answers.retain(|a| a.at >= from);
        entry.from = from;
        (Some(entry.window.clone()), generation)
    }

    /// Remembers a window just loaded, unless something was forgotten since `generation`.
    pub(super) fn put(
        &self,
        patient: &str,
        program: &Arc<Program>,
        from: Timestamp,
        window: Window,
        generation: u64,
    ) {
        let mut state = self.lock();
        if state.generation != generation {
            return;
        }
        if state.patients.len() >= MAX_PATIENTS {
            state.patients.retain(|_, e| e.loaded.elapsed() < FRESH_FOR);
            if state.patients.len() >= MAX_PATIENTS {
                state.patients.clear();
            }
        }
        let entry = Entry { program: program.clone(), from, window, loaded: Instant::now() };
        state.patients.insert(patient.to_owned(), entry);
    }

    /// Adds what these use cases just wrote (already committed and announced), patient by
    /// patient, and claims the announcements of `written` (type, id) as theirs.
    pub(super) fn add(&self, additions: Vec<Addition>, written: &[Foreign]) {
        let mut state = self.lock();
        // Every announcement of these writes was sent before they returned: read them all now,
        // so each is found among the unresolved and claimed.
        state.catch_up();
        let claimed: HashSet<&Foreign> = written.iter().collect();
        state.unresolved.retain(|w| !claimed.contains(w));
        for Addition { patient, readings, answers } in additions {
            let Some(entry) = state.patients.get_mut(&patient) else { continue };
            // A load that ran after the commit already holds them.
            for reading in readings {
                if !entry.window.readings.iter().any(|r| r.id == reading.id && r.code == reading.code) {
                    entry.window.readings.push(reading);
                }
            }
            for answer in answers {
                if !entry.window.answers.iter().any(|a| a.id == answer.id && a.item == answer.item) {
                    entry.window.answers.push(answer);
                }
            }
        }
    }
}

/// What was just written for one patient.
#[derive(Debug, Default)]
pub(super) struct Addition {
    pub patient: String,
    pub readings: Vec<Reading>,
    pub answers: Vec<Answer>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::SignedDuration;
    use relais_clinical::program::Catalog;
    use tokio::sync::broadcast;

    fn reading(id: &str, at: Timestamp) -> Reading {
        Reading { id: id.into(), code: "8867-4".into(), value: 70.0, at }
    }

    fn change(resource_type: &str, id: &str) -> Change {
        Change { resource_type: resource_type.into(), id: id.into(), version: 1 }
    }

    fn program() -> Arc<Program> {
        Catalog::defaults().unwrap().shared("heart-failure").unwrap()
    }

    #[test]
    fn a_window_is_remembered_moved_on_and_added_to() {
        let (sender, receiver) = broadcast::channel(16);
        let recent = Recent::new(receiver);
        let program = program();
        let t0: Timestamp = "2026-11-01T08:00:00Z".parse().unwrap();
        let (none, generation) = recent.get("p1", &program, t0);
        assert!(none.is_none());
        let window = Window {
            readings: vec![reading("a", t0), reading("b", t0 + SignedDuration::from_hours(2))],
            ..Window::default()
        };
        recent.put("p1", &program, t0, window, generation);
        // Our own write is announced, then added and claimed: not unresolved.
        sender.send(change("Observation", "c")).unwrap();
        let c = reading("c", t0 + SignedDuration::from_hours(3));
        let addition = Addition { patient: "p1".into(), readings: vec![c.clone(), c], answers: Vec::new() };
        recent.add(vec![addition], &[("Observation".into(), "c".into())]);
        assert!(recent.take_unresolved().is_empty());
        let later = t0 + SignedDuration::from_hours(1);
        let (window, _) = recent.get("p1", &program, later);
        let ids: Vec<String> = window.unwrap().readings.into_iter().map(|r| r.id).collect();
        assert_eq!(ids, ["b", "c"], "what fell out of the window is dropped, the new one added once");
        // An earlier window than the one remembered is a miss (the entry does not hold it).
        assert!(recent.get("p1", &program, t0).0.is_none());
    }

    #[test]
    fn someone_elses_write_is_unresolved_and_a_forget_refuses_a_racing_load() {
        let (sender, receiver) = broadcast::channel(16);
        let recent = Recent::new(receiver);
        let program = program();
        let t0: Timestamp = "2026-11-01T08:00:00Z".parse().unwrap();
        let (_, generation) = recent.get("p1", &program, t0);
        sender.send(change("Observation", "x")).unwrap();
        sender.send(change("Task", "t")).unwrap();
        assert_eq!(recent.take_unresolved(), [("Observation".to_owned(), "x".to_owned())]);
        // The write was found to be p1's while p1's window was being loaded.
        recent.apply("p1", "Observation", "x", &serde_json::json!({"resourceType": "Observation"}));
        recent.put("p1", &program, t0, Window::default(), generation);
        assert!(recent.get("p1", &program, t0).0.is_none(), "the racing load is not remembered");
    }

    #[test]
    fn missed_announcements_forget_everyone() {
        let (sender, receiver) = broadcast::channel(2);
        let recent = Recent::new(receiver);
        let program = program();
        let t0: Timestamp = "2026-11-01T08:00:00Z".parse().unwrap();
        let (_, generation) = recent.get("p1", &program, t0);
        recent.put("p1", &program, t0, Window::default(), generation);
        for i in 0..5 {
            sender.send(change("Observation", &i.to_string())).unwrap();
        }
        assert!(recent.get("p1", &program, t0).0.is_none());
    }
}
