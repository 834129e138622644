//! Sealing records into the chain and verifying a stored chain.

use std::iter::Peekable;

use super::record::{AuditDraft, AuditRecord, chain_hash};

/// `prev_hash` of the first record: 64 zeros, a value no SHA-256 output is known to take.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Where and why a chain fails verification. Records are expected in `seq` order, numbered from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    /// Record `seq`'s hash does not match its contents: a field was edited after sealing.
    #[error("audit-record-changed: record {seq} does not match its hash")]
    Changed {
        /// The edited record.
        seq: u64,
    },
    /// Numbers are skipped: the records between `after_seq` and `found_seq` are gone
    /// (`after_seq` is 0 when the first records are).
    #[error("audit-record-missing: after record {after_seq} comes record {found_seq}")]
    Missing {
        /// Last record present before the gap (0 at the start).
        after_seq: u64,
        /// First record present after the gap.
        found_seq: u64,
    },
    /// Record `seq` is out of order: it comes after a record with a number at least as high, or
    /// before a lower one that follows it.
    #[error("audit-record-reordered: record {seq} is out of order")]
    Reordered {
        /// The misplaced record.
        seq: u64,
    },
    /// Record `seq` is numbered in place but does not point at the record before it: records
    /// were removed and the rest renumbered, or two were swapped and renumbered.
    #[error("audit-link-broken: record {seq} does not follow the record before it")]
    BrokenLink {
        /// The first record whose `prev_hash` is wrong.
        seq: u64,
    },
}

impl ChainBreak {
    /// Stable code of the break.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Changed { .. } => "audit-record-changed",
            Self::Missing { .. } => "audit-record-missing",
            Self::Reordered { .. } => "audit-record-reordered",
            Self::BrokenLink { .. } => "audit-link-broken",
        }
    }

    /// The record at which the break is reported.
    pub const fn seq(&self) -> u64 {
        match self {
            Self::Changed { seq } | Self::Reordered { seq } | Self::BrokenLink { seq } => *seq,
            Self::Missing { found_seq, .. } => *found_seq,
        }
    }
}

/// Gives `draft` its place after `prev` (or first in the chain when `prev` is `None`): its
/// `seq`, `prev_hash` and `hash`.
///
/// The caller must pass the record that is really last in the store, inside the transaction that
/// appends (so two writers cannot both seal after the same record); a wrong `prev` makes a chain
/// that [`verify`] rejects, not a silent fork.
pub fn seal(prev: Option<&AuditRecord>, draft: AuditDraft) -> AuditRecord {
    seal_after(prev.map(|p| (p.seq, p.hash.as_str())), draft)
}

/// [`seal`] given only the last record's `seq` and `hash` (all a seal needs of it), as a writer
/// that reads just those two columns has them.
pub fn seal_after(head: Option<(u64, &str)>, draft: AuditDraft) -> AuditRecord {
    let (seq, prev_hash) = match head {
        // Saturating: at u64::MAX the duplicate number is reported by `verify`, no panic here.
        Some((seq, hash)) => (seq.saturating_add(1), hash.to_owned()),
        None => (1, GENESIS_HASH.to_owned()),
    };
    let AuditDraft {
        recorded,
        actor,
        on_behalf_of,
        action,
        outcome,
        resource_type,
        resource_id,
        patient_id,
        query,
        source_address,
        purpose,
        break_glass,
    } = draft;
    let mut record = AuditRecord {
        seq,
        recorded,
        actor,
        on_behalf_of,
        action,
        outcome,
        resource_type,
        resource_id,
        patient_id,
        query,
        source_address,
        purpose,
        break_glass,
        prev_hash,
        hash: String::new(),
    };
    record.hash = chain_hash(&record);
    record
}

/// Checks a whole chain, read in `seq` order from the first record, and returns how many records
/// it holds (0 for an empty trail).
///
/// For each record, in this order: its number follows the previous one ([`ChainBreak::Missing`],
/// [`ChainBreak::Reordered`]); its `prev_hash` is the previous record's `hash`
/// ([`ChainBreak::BrokenLink`]); its `hash` matches its contents ([`ChainBreak::Changed`]). The
/// link is checked before the contents so that records renumbered after a deletion are reported
/// as the broken link they are, whether or not their hashes were recomputed. The first break
/// found is returned.
///
/// # Errors
/// The first [`ChainBreak`].
pub fn verify(records: impl IntoIterator<Item = AuditRecord>) -> Result<u64, ChainBreak> {
    let mut records = records.into_iter().peekable();
    let mut last_seq = 0u64;
    let mut last_hash = GENESIS_HASH.to_owned();
    let mut count = 0u64;
    while let Some(record) = records.next() {
        check_order(last_seq, &record, &mut records)?;
        if record.prev_hash != last_hash {
            return Err(ChainBreak::BrokenLink { seq: record.seq });
        }
        if chain_hash(&record) != record.hash {
            return Err(ChainBreak::Changed { seq: record.seq });
        }
        last_seq = record.seq;
        last_hash = record.hash;
        count += 1;
    }
    Ok(count)
}

/// The numbering check. A number that jumps ahead is a gap unless the very next record brings
/// one of the skipped numbers, in which case this record was moved ahead of it.
fn check_order<I: Iterator<Item = AuditRecord>>(
    last_seq: u64,
    record: &AuditRecord,
    rest: &mut Peekable<I>,
) -> Result<(), ChainBreak> {
    let expected = last_seq.saturating_add(1);
    if record.seq < expected || last_seq == u64::MAX {
        return Err(ChainBreak::Reordered { seq: record.seq });
    }
    if record.seq > expected {
        let skipped_follows = rest.peek().is_some_and(|next| next.seq >= expected && next.seq < record.seq);
        return Err(if skipped_follows {
            ChainBreak::Reordered { seq: record.seq }
        } else {
            ChainBreak::Missing { after_seq: last_seq, found_seq: record.seq }
        });
    }
    Ok(())
}
