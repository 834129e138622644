//! Server-assigned identifiers, injected so tests can predict them.

use std::sync::atomic::{AtomicU64, Ordering};

/// Produces new logical ids for resources the server creates.
pub trait IdGenerator: Send + Sync + 'static {
    /// A new id, valid as a FHIR `id` (`[A-Za-z0-9\-\.]{1,64}`).
    fn new_id(&self) -> String;
}

/// UUIDv7 ids: time-ordered, so B-tree inserts stay at the right edge.
#[derive(Debug, Default, Clone, Copy)]
pub struct UuidV7Ids;

impl IdGenerator for UuidV7Ids {
    fn new_id(&self) -> String {
        uuid::Uuid::now_v7().to_string()
    }
}

/// Predictable ids (`prefix-1`, `prefix-2`, …) for tests.
#[derive(Debug)]
pub struct SequentialIds {
    prefix: String,
    next: AtomicU64,
}

impl SequentialIds {
    /// Ids `prefix-1`, `prefix-2`, …
    pub fn new(prefix: &str) -> Self {
        Self { prefix: prefix.to_owned(), next: AtomicU64::new(1) }
    }
}

impl IdGenerator for SequentialIds {
    fn new_id(&self) -> String {
        format!("{}-{}", self.prefix, self.next.fetch_add(1, Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_ids_are_distinct_and_fhir_valid() {
        let ids = UuidV7Ids;
        let (a, b) = (ids.new_id(), ids.new_id());
        assert_ne!(a, b);
        assert!(a.len() <= 64 && a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    }

    #[test]
    fn sequential_ids_count_up() {
        let ids = SequentialIds::new("t");
        assert_eq!(ids.new_id(), "t-1");
        assert_eq!(ids.new_id(), "t-2");
    }
}
