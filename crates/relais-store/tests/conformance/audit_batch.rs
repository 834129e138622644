//! The audit trail written in groups and read by the privacy officer's criteria: a batch takes
//! consecutive places in the one chain (also while other batches and single appends run at
//! once), is stored whole or not at all, and searches by patient, agent, action, outcome and
//! date return the matching records newest first, page by page.

use std::sync::Arc;

use relais_access::audit::{AuditRecord, GENESIS_HASH, Outcome, action, verify};
use relais_store::{AuditQuery, ResourceStore};
use tokio::sync::Barrier;

use crate::audit::{draft, raw_sql};
use crate::support::at;

/// Every record, in seq order.
async fn everything(store: &dyn ResourceStore) -> Vec<AuditRecord> {
    store.audit_records(0, 100_000).await.expect("read the trail")
}

/// Singles, a batch, an empty batch and singles again: one chain 1..=n, every field kept (the
/// break-the-glass flag too), and the batch's records consecutive and linked in order.
pub async fn audit_batch_takes_consecutive_places_in_the_chain(store: Arc<dyn ResourceStore>) {
    for n in 1..=3 {
        store.append_audit(draft(n)).await.expect("append");
    }
    let drafts: Vec<_> = (4..=13).map(draft).collect();
    let batch = store.append_audit_batch(drafts.clone()).await.expect("batch");
    assert_eq!(batch.iter().map(|r| r.seq).collect::<Vec<_>>(), (4..=13).collect::<Vec<_>>());
    for (record, d) in batch.iter().zip(&drafts) {
        assert_eq!(
            (&record.actor, &record.patient_id, &record.query, record.break_glass, record.outcome),
            (&d.actor, &d.patient_id, &d.query, d.break_glass, d.outcome),
            "record {} keeps its draft",
            record.seq
        );
    }
    assert!(batch.iter().any(|r| r.break_glass), "draft 7 is a break-the-glass access");
    for pair in batch.windows(2) {
        assert_eq!(pair[1].prev_hash, pair[0].hash, "record {} follows the one before", pair[1].seq);
    }
    assert!(store.append_audit_batch(Vec::new()).await.expect("empty batch").is_empty());
    assert_eq!(store.append_audit(draft(14)).await.expect("append").seq, 14, "an empty batch took no place");
    let stored = everything(&*store).await;
    assert_eq!(&stored[3..13], &batch[..], "read back exactly as sealed");
    assert_eq!(stored[0].prev_hash, GENESIS_HASH);
    assert_eq!(verify(stored), Ok(14), "the stored chain verifies");
}

/// A batch the database refuses part of (a trigger refuses one of its rows) stores none of its
/// records, and the next batch continues the chain where it was.
pub async fn audit_batch_is_stored_whole_or_not_at_all(store: Arc<dyn ResourceStore>, url: &str) {
    store.append_audit_batch((1..=4).map(draft).collect()).await.expect("batch");
    let refuse: &[&'static str] = match store.engine() {
        "sqlite" => &["CREATE TRIGGER refuse_mallory BEFORE INSERT ON audit_log WHEN NEW.actor = 'mallory' \
             BEGIN SELECT RAISE(ABORT, 'refused'); END"],
        _ => &[
            "CREATE FUNCTION refuse_mallory() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             IF NEW.actor = 'mallory' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END; $$",
            "CREATE TRIGGER refuse_mallory BEFORE INSERT ON audit_log FOR EACH ROW \
             EXECUTE FUNCTION refuse_mallory()",
        ],
    };
    for sql in refuse {
        raw_sql(&*store, url, sql).await.expect("install the refusing trigger");
    }
    let mut drafts: Vec<_> = (5..=9).map(draft).collect();
    drafts[3].actor = "mallory".into();
    store.append_audit_batch(drafts).await.expect_err("the database refused one row");
    assert_eq!(store.audit_head().await.expect("head").map(|h| h.0), Some(4), "nothing of it stored");
    let next = store.append_audit_batch((5..=7).map(draft).collect()).await.expect("batch");
    assert_eq!(next.iter().map(|r| r.seq).collect::<Vec<_>>(), [5, 6, 7]);
    assert_eq!(verify(everything(&*store).await), Ok(7));
}

const TASKS: u64 = 6;
const BATCHES: u64 = 5;

/// Six tasks at once, each writing five batches of 1 to 7 records and a single append after each:
/// every record its own seq, 1..n with no gap, each batch's records consecutive, and the chain
/// verifies (no two records sealed after the same one).
pub async fn audit_concurrent_batches_never_fork(store: Arc<dyn ResourceStore>) {
    let barrier = Arc::new(Barrier::new(TASKS as usize));
    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let (store, barrier) = (store.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let mut batches = Vec::new();
            for b in 0..BATCHES {
                let size = 1 + (task + b) % 7;
                let first = 1000 * (task + 1) + 10 * b;
                let drafts = (first..first + size).map(draft).collect();
                batches.push(store.append_audit_batch(drafts).await.expect("batch"));
                batches.push(vec![store.append_audit(draft(first + 9)).await.expect("append")]);
                tokio::task::yield_now().await;
            }
            batches
        }));
    }
    let mut answered = Vec::new();
    for task in tasks {
        for batch in task.await.expect("task") {
            let seqs: Vec<u64> = batch.iter().map(|r| r.seq).collect();
            let first = seqs[0];
            assert_eq!(seqs, (first..first + seqs.len() as u64).collect::<Vec<_>>(), "consecutive");
            answered.extend(batch);
        }
    }
    answered.sort_by_key(|r| r.seq);
    let n = answered.len() as u64;
    assert_eq!(answered.iter().map(|r| r.seq).collect::<Vec<_>>(), (1..=n).collect::<Vec<_>>());
    let stored = everything(&*store).await;
    assert_eq!(stored, answered, "what each batch answered is what is stored");
    assert_eq!(verify(stored), Ok(n), "one chain, no fork");
}

/// Twenty records: actors, patients, actions, outcomes and instants in turn; each criterion
/// alone and together, newest first, paged by seq.
pub async fn audit_search_filters_by_patient_agent_action_outcome_and_date(store: Arc<dyn ResourceStore>) {
    let drafts = (1..=20u64)
        .map(|n| {
            let mut d = draft(n);
            d.recorded = at(i64::try_from(n).expect("small") * 60).as_microsecond();
            d.actor = format!("nurse-{}", n % 2);
            d.on_behalf_of = (n == 5).then(|| "nurse-0".to_owned());
            d.patient_id = (n % 5 != 0).then(|| format!("patient-{}", n % 3));
            d.action =
                [action::READ, action::SEARCH, action::HISTORY, action::UPDATE][(n % 4) as usize].into();
            d.outcome = if n % 6 == 0 { Outcome::Denied } else { Outcome::Success };
            d
        })
        .collect();
    store.append_audit_batch(drafts).await.expect("batch");
    let find = |q: AuditQuery| {
        let store = store.clone();
        async move {
            let q = AuditQuery { limit: if q.limit == 0 { 100 } else { q.limit }, ..q };
            store.audit_search(&q).await.expect("search").into_iter().map(|r| r.seq).collect::<Vec<_>>()
        }
    };
    let all = AuditQuery::default();
    assert_eq!(find(all.clone()).await, (1..=20).rev().collect::<Vec<_>>(), "newest first");
    let patient = |p: &str| AuditQuery { patient: Some(p.into()), ..AuditQuery::default() };
    assert_eq!(find(patient("patient-1")).await, [19, 16, 13, 7, 4, 1]);
    assert!(find(patient("patient-9")).await.is_empty());
    // nurse-1 acted in the odd records; nurse-0 in the even ones, and was acted for in record 5.
    let agent = AuditQuery { agent: Some("nurse-1".into()), ..AuditQuery::default() };
    assert_eq!(find(agent.clone()).await, [19, 17, 15, 13, 11, 9, 7, 5, 3, 1]);
    let agent0 = AuditQuery { agent: Some("nurse-0".into()), ..AuditQuery::default() };
    assert_eq!(find(agent0).await, [20, 18, 16, 14, 12, 10, 8, 6, 5, 4, 2]);
    let actions =
        AuditQuery { actions: vec![action::READ.into(), action::UPDATE.into()], ..AuditQuery::default() };
    assert_eq!(find(actions).await, [20, 19, 16, 15, 12, 11, 8, 7, 4, 3]);
    let denied = AuditQuery { outcome: Some(Outcome::Denied), ..AuditQuery::default() };
    assert_eq!(find(denied).await, [18, 12, 6]);
    let window = AuditQuery {
        recorded_from: Some(at(5 * 60).as_microsecond()),
        recorded_to: Some(at(8 * 60).as_microsecond()),
        ..AuditQuery::default()
    };
    assert_eq!(find(window.clone()).await, [8, 7, 6, 5], "both ends included");
    let together = AuditQuery { agent: Some("nurse-1".into()), patient: Some("patient-1".into()), ..window };
    assert_eq!(find(together).await, [7]);
    // Pages of 4 from the newest, each continuing before the last seq of the one before.
    let mut pages = Vec::new();
    let mut before = None;
    loop {
        let page = find(AuditQuery { before_seq: before, limit: 4, ..agent.clone() }).await;
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 4);
        before = page.last().copied();
        pages.push(page);
    }
    assert_eq!(pages.concat(), [19, 17, 15, 13, 11, 9, 7, 5, 3, 1], "every record once, in order");
    assert_eq!(pages.len(), 3);
}

/// Two stores open on the same database — the server and a `relais admin …` command run beside
/// it — appending at once: each store's appends go through its own writer, and still every
/// record gets its own seq and the chain verifies (the database's write lock, not a lock in one
/// process, keeps two writers from sealing after the same record).
pub async fn audit_two_stores_on_one_database_never_fork(store: Arc<dyn ResourceStore>, url: &str) {
    let other: Arc<dyn ResourceStore> =
        relais_store::open(url, &relais_store::StoreOptions::default()).await.expect("second store");
    let barrier = Arc::new(Barrier::new(2 * TASKS as usize));
    let mut tasks = Vec::new();
    for task in 0..2 * TASKS {
        let writer = if task % 2 == 0 { store.clone() } else { other.clone() };
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            for b in 0..BATCHES {
                let first = 1000 * (task + 1) + 10 * b;
                writer.append_audit_batch((first..first + 3).map(draft).collect()).await.expect("batch");
            }
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
    let stored = everything(&*store).await;
    let n = 2 * TASKS * BATCHES * 3;
    assert_eq!(stored.iter().map(|r| r.seq).collect::<Vec<_>>(), (1..=n).collect::<Vec<_>>());
    assert_eq!(verify(stored), Ok(n), "one chain, no fork");
    other.close().await;
}
