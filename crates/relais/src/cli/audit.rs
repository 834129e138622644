//! `relais audit verify`: reads the whole audit trail in pages, checks its hash chain with
//! `relais_access::audit::verify`, and says either where it is broken or what its head is.
//!
//! The output names records by `seq` and shows hashes, never a record's contents: the trail is
//! full of patient ids and search queries, and this output ends up in terminals, cron mails and
//! tickets.

use std::str::FromStr;
use std::sync::Arc;

use anyhow::{Context, bail};
use relais_access::audit::{AuditRecord, ChainBreak, GENESIS_HASH, verify as verify_chain};
use relais_store::{ResourceStore, StoreError};

use crate::cli::migrate::open_store;
use crate::settings::Settings;

/// Records read per query: memory stays flat however long the trail is.
const PAGE: u32 = 1000;

/// A head an operator wrote down: the last record's `seq` and `hash` at some verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Head {
    seq: u64,
    hash: String,
}

impl FromStr for Head {
    type Err = String;

    /// `SEQ:HASH`, the hash in hex (64 digits), as `relais audit verify` prints them.
    fn from_str(s: &str) -> Result<Head, String> {
        let (seq, hash) = s.split_once(':').ok_or("expected SEQ:HASH, e.g. 1042:9f86d0…")?;
        let seq = seq.trim().parse().map_err(|_| format!("{seq:?} is not a record number"))?;
        let hash = hash.trim().to_ascii_lowercase();
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("the hash must be 64 hexadecimal digits".to_owned());
        }
        Ok(Head { seq, hash })
    }
}

/// Verifies the chain (and the expected head, if given); prints the head and returns `Ok` when
/// intact, returns the sentence describing the problem as the error otherwise (exit status 1).
pub(crate) async fn verify(settings: Settings, expect: Option<Head>) -> anyhow::Result<()> {
    let store = open_store(&settings).await?;
    let outcome = check(store.clone(), expect).await;
    store.close().await;
    println!("{}", outcome?);
    Ok(())
}

async fn check(store: Arc<dyn ResourceStore>, expect: Option<Head>) -> anyhow::Result<String> {
    let watch = expect.as_ref().map(|h| h.seq);
    let runtime = tokio::runtime::Handle::current();
    // `verify` pulls records from an iterator; this one fetches the next page when it runs out,
    // on a blocking thread so that waiting for the database blocks no async worker.
    let (result, pages) = tokio::task::spawn_blocking(move || {
        let mut pages = Pages::new(store, runtime, watch);
        let result = verify_chain(&mut pages);
        (result, pages)
    })
    .await
    .context("the verification task failed")?;
    // A break in what was read comes first: a read error ends the records, not the chain.
    let count = result.map_err(|brk| anyhow::anyhow!(describe(&brk)))?;
    let last_seq = pages.last.as_ref().map_or(0, |(seq, _)| *seq);
    match pages.error {
        // Records were verified up to `last`; a gap before the unreadable one comes first.
        Some(StoreError::AuditUnreadable { seq }) if u64::try_from(seq).is_ok_and(|s| s > last_seq + 1) => {
            bail!(describe(&ChainBreak::Missing { after_seq: last_seq, found_seq: seq.unsigned_abs() }))
        }
        Some(StoreError::AuditUnreadable { seq }) => bail!(
            "audit trail broken at record {seq}: the record was changed after it was written (it \
             holds a value Relais never writes) [audit-record-changed]"
        ),
        Some(e) => return Err(anyhow::Error::new(e).context("cannot read the audit trail")),
        None => {}
    }
    let (seq, hash) = pages.last.unwrap_or_else(|| (0, GENESIS_HASH.to_owned()));
    let intact = format!("audit trail intact: {count} records; head seq {seq} hash {hash}");
    let Some(expect) = expect else { return Ok(intact) };
    let found = if expect.seq == 0 { Some(GENESIS_HASH.to_owned()) } else { pages.watched };
    match found {
        None => bail!(
            "audit trail does not reach the expected head: it ends at record {seq}, the expected head \
             is record {}; the newest records were removed [audit-head-missing] (the chain itself is \
             intact: {count} records; head seq {seq} hash {hash})",
            expect.seq
        ),
        Some(found) if found != expect.hash => bail!(
            "audit trail does not match the expected head: record {} has hash {found}, expected {}; \
             the trail was rewritten at or before that record [audit-head-mismatch] (the chain itself \
             is intact: {count} records; head seq {seq} hash {hash})",
            expect.seq,
            expect.hash
        ),
        Some(_) => {
            Ok(format!("{intact}\nexpected head found: record {} has hash {}", expect.seq, expect.hash))
        }
    }
}

/// The sentence for a break: which record, what is wrong, and the stable code.
fn describe(brk: &ChainBreak) -> String {
    let what = match *brk {
        ChainBreak::Changed { seq } => format!(
            "audit trail broken at record {seq}: the record was changed after it was written (its \
             contents do not match its hash)"
        ),
        ChainBreak::Missing { after_seq: 0, found_seq } => format!(
            "audit trail broken at record {found_seq}: the first records are missing (the trail starts \
             at record {found_seq})"
        ),
        ChainBreak::Missing { after_seq, found_seq } => format!(
            "audit trail broken at record {found_seq}: records are missing after record {after_seq} \
             (the next record present is {found_seq})"
        ),
        ChainBreak::Reordered { seq } => {
            format!("audit trail broken at record {seq}: the record is out of order (reordered)")
        }
        ChainBreak::BrokenLink { seq } => format!(
            "audit trail broken at record {seq}: its link to the record before it is broken (records \
             before it were removed, replaced or renumbered)"
        ),
    };
    format!("{what} [{}]", brk.code())
}

/// The chain, one page at a time, as an iterator. Notes the last record handed out, the hash of
/// the record at `watch`, and the error that ended the reading early, if any.
struct Pages {
    store: Arc<dyn ResourceStore>,
    runtime: tokio::runtime::Handle,
    page: std::vec::IntoIter<AuditRecord>,
    after: u64,
    /// Records per query: [`PAGE`], or 1 after a page held an unreadable record, so that the
    /// records before it are still handed out (and a break among them reported first).
    limit: u32,
    done: bool,
    error: Option<StoreError>,
    last: Option<(u64, String)>,
    watch: Option<u64>,
    watched: Option<String>,
}

impl Pages {
    fn new(store: Arc<dyn ResourceStore>, runtime: tokio::runtime::Handle, watch: Option<u64>) -> Pages {
        Pages {
            store,
            runtime,
            page: Vec::new().into_iter(),
            after: 0,
            limit: PAGE,
            done: false,
            error: None,
            last: None,
            watch,
            watched: None,
        }
    }
}

impl Iterator for Pages {
    type Item = AuditRecord;

    fn next(&mut self) -> Option<AuditRecord> {
        loop {
            if let Some(record) = self.page.next() {
                self.after = record.seq;
                if self.watch == Some(record.seq) {
                    self.watched = Some(record.hash.clone());
                }
                self.last = Some((record.seq, record.hash.clone()));
                return Some(record);
            }
            if self.done {
                return None;
            }
            match self.runtime.block_on(self.store.audit_records(self.after, self.limit)) {
                Ok(page) => {
                    // A short page is the end; a full one may be followed by more.
                    self.done = page.len() < self.limit as usize;
                    self.page = page.into_iter();
                }
                Err(StoreError::AuditUnreadable { .. }) if self.limit > 1 => self.limit = 1,
                Err(e) => {
                    self.error = Some(e);
                    self.done = true;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_parse_from_what_verify_prints() {
        let hash = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08";
        assert_eq!(
            format!("12:{hash}").parse::<Head>(),
            Ok(Head { seq: 12, hash: hash.to_ascii_lowercase() })
        );
        assert!("12".parse::<Head>().is_err(), "no hash");
        assert!("x:00".parse::<Head>().is_err(), "no number");
        assert!(format!("12:{}", &hash[1..]).parse::<Head>().is_err(), "63 digits");
        assert!(format!("12:{}g", &hash[1..]).parse::<Head>().is_err(), "not hex");
    }

    #[test]
    fn every_break_names_its_record_and_code() {
        let cases = [
            (ChainBreak::Changed { seq: 5 }, "record 5: the record was changed"),
            (ChainBreak::Missing { after_seq: 4, found_seq: 6 }, "missing after record 4"),
            (ChainBreak::Missing { after_seq: 0, found_seq: 3 }, "the first records are missing"),
            (ChainBreak::Reordered { seq: 7 }, "record 7: the record is out of order"),
            (ChainBreak::BrokenLink { seq: 8 }, "record 8: its link to the record before it is broken"),
        ];
        for (brk, sentence) in cases {
            let text = describe(&brk);
            assert!(text.contains(sentence), "{text}");
            assert!(text.contains(brk.code()), "{text}");
        }
    }
}
