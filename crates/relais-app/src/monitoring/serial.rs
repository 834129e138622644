//! One evaluation of a patient at a time in this process. Two evaluations of the same patient
//! running together would both find no open alert and raise the same one twice, or both update
//! the same open alert from the same version. Evaluations of one patient are serialised on a
//! lock chosen by the patient's id among a fixed set (two patients may share one: they then wait
//! for each other, which costs a little time and nothing else).
//!
//! Across nodes (PostgreSQL with several nodes) the update of an open alert is also
//! version-checked (`If-Match`), so a lost race fails and is evaluated again rather than
//! overwriting the other node's update.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use tokio::sync::{Mutex, MutexGuard};

/// Locks in the set: many more than evaluations that can usefully run at once on a node.
const STRIPES: usize = 256;

pub(super) struct PatientLocks {
    stripes: Vec<Mutex<()>>,
}

impl PatientLocks {
    pub(super) fn new() -> Self {
        Self { stripes: (0..STRIPES).map(|_| Mutex::new(())).collect() }
    }

    /// Waits for, then holds, `patient`'s evaluation lock until the guard is dropped.
    pub(super) async fn lock(&self, patient: &str) -> MutexGuard<'_, ()> {
        let mut hasher = DefaultHasher::new();
        patient.hash(&mut hasher);
        // The modulo keeps the index below STRIPES, which fits any usize.
        let index = usize::try_from(hasher.finish() % STRIPES as u64).unwrap_or(0);
        self.stripes[index].lock().await
    }
}
