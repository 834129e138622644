//! Bench of the audit trail's write path: how many access records per second reach the
//! database when 32 requests record at once, one transaction per record (`append_audit`, what
//! every access would cost without the writer) against the batching `AuditWriter`. A real
//! SQLite file and a real PostgreSQL database (`TEST_DATABASE_URL`, default the local server).
//!
//! `cargo run --release -p relais-app --example audit_bench`

use std::sync::Arc;
use std::time::Instant;

use relais_access::audit::{AuditDraft, Outcome, action};
use relais_app::audit::AuditWriter;
use relais_store::{ResourceStore, StoreOptions};
use relais_testkit::{Engine, TestDb};

/// Requests recording at once.
const CLIENTS: usize = 32;
/// Records each of them writes.
const PER_CLIENT: usize = 150;

fn draft(client: usize, n: usize) -> AuditDraft {
    AuditDraft {
        recorded: 1_795_000_000_000_000 + i64::try_from(n).unwrap_or(0),
        actor: format!("nurse-{client}"),
        on_behalf_of: None,
        action: action::READ.to_owned(),
        outcome: Outcome::Success,
        resource_type: Some("Observation".to_owned()),
        resource_id: Some(format!("obs-{client}-{n}")),
        patient_id: Some(format!("patient-{}", n % 100)),
        query: None,
        source_address: Some("198.51.100.7".to_owned()),
        purpose: Some("TREAT".to_owned()),
        break_glass: false,
    }
}

/// Records per second written by `CLIENTS` tasks, each awaiting `write` for its records in turn.
async fn rate<F, Fut>(write: F) -> Result<f64, String>
where
    F: Fn(AuditDraft) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Result<(), String>> + Send,
{
    let start = Instant::now();
    let mut tasks = Vec::new();
    for client in 0..CLIENTS {
        let write = write.clone();
        tasks.push(tokio::spawn(async move {
            for n in 0..PER_CLIENT {
                write(draft(client, n)).await?;
            }
            Ok::<(), String>(())
        }));
    }
    for task in tasks {
        task.await.map_err(|e| e.to_string())??;
    }
    Ok((CLIENTS * PER_CLIENT) as f64 / start.elapsed().as_secs_f64())
}

async fn open(engine: Engine) -> Result<(TestDb, Arc<dyn ResourceStore>), String> {
    let db = TestDb::new(engine).await;
    let store = relais_store::open(db.url(), &StoreOptions::default()).await.map_err(|e| e.to_string())?;
    store.migrate().await.map_err(|e| e.to_string())?;
    Ok((db, store))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), String> {
    println!("{CLIENTS} concurrent requests × {PER_CLIENT} records each");
    for engine in Engine::ALL {
        let (_single_db, store) = open(engine).await?;
        let singles = rate(move |d| {
            let store = store.clone();
            async move { store.append_audit(d).await.map(drop).map_err(|e| e.to_string()) }
        })
        .await?;
        let (_batch_db, store) = open(engine).await?;
        let writer = AuditWriter::start(store.clone());
        let batched = rate(move |d| {
            let writer = writer.clone();
            async move { writer.record(d).await.map(drop).map_err(|e| e.to_string()) }
        })
        .await?;
        let verified =
            relais_access::audit::verify(store.audit_records(0, u32::MAX).await.map_err(|e| e.to_string())?);
        println!(
            "{engine:?}: one transaction per record {singles:.0} records/s; AuditWriter {batched:.0} records/s ({:.1}×); chain {verified:?}",
            batched / singles
        );
    }
    Ok(())
}
