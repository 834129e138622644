//! Readings per second through the whole monitoring use case — normalise, store as the caller
//! (access decided and audited), load the patient's history, evaluate, write or update alerts —
//! on a real SQLite file and on PostgreSQL (`TEST_DATABASE_URL`), and the time from a reading
//! received to its alert written, p50/p99. Prints figures; asserts nothing.
//!
//! `cargo bench -p relais-app --bench monitoring`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use relais_access::policy::Principal;
use relais_app::Fhir;
use relais_app::access::Caller;
use relais_app::monitoring::Monitoring;
use relais_clinical::program::Catalog;
use relais_core::{Clock, SystemClock, UuidV7Ids};
use relais_fhir::SchemaValidator;
use relais_fhir::search::SearchParams;
use relais_store::StoreOptions;
use relais_testkit::{Engine, TestDb};
use serde_json::json;

const PATIENTS: usize = 50;
const SEQUENTIAL: usize = 400;
const CONCURRENT_TASKS: usize = 8;
const PER_TASK: usize = 100;

fn weight(patient: usize, kg: f64, at: Timestamp) -> Vec<u8> {
    json!({"resourceType": "Observation", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
        "subject": {"reference": format!("Patient/p{patient}")}, "effectiveDateTime": at.to_string(),
        "valueQuantity": {"value": kg, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"}})
    .to_string()
    .into_bytes()
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

async fn run(engine: Engine) {
    let db = TestDb::new(engine).await;
    let store = relais_store::open(db.url(), &StoreOptions::default()).await.unwrap();
    store.migrate().await.unwrap();
    let schema = SchemaValidator::shared().unwrap();
    let params = SearchParams::shared(schema.resource_types()).unwrap();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let fhir = Fhir::new(store.clone(), schema, params, clock.clone(), Arc::new(UuidV7Ids));
    let monitoring = Monitoring::new(fhir.clone(), Arc::new(Catalog::defaults().unwrap()));
    let now = clock.now();
    for p in 0..PATIENTS {
        let patient = json!({"resourceType": "Patient", "id": format!("p{p}")}).to_string();
        fhir.update("Patient", &format!("p{p}"), patient.as_bytes(), None).await.unwrap();
        let plan = json!({"resourceType": "CarePlan", "id": format!("hf-{p}"), "status": "active", "intent": "plan",
            "instantiatesUri": ["urn:relais:program:heart-failure"],
            "subject": {"reference": format!("Patient/p{p}")}, "period": {"start": (now - SignedDuration::from_hours(24)).to_string()}});
        fhir.update("CarePlan", &format!("hf-{p}"), plan.to_string().as_bytes(), None).await.unwrap();
    }
    let scopes = relais_access::scopes::Scopes::parse("system/Observation.write", |_| true).unwrap();
    let gateway =
        Caller::new(Principal { id: "gateway".into(), scopes: Some(scopes), ..Principal::default() });

    // Sequential: one reading after another, each patient's weight creeping up so that every
    // patient soon has an open weight-gain alert that later readings update.
    let mut latencies = Vec::with_capacity(SEQUENTIAL);
    let mut alerts = 0;
    let began = Instant::now();
    for i in 0..SEQUENTIAL {
        let (p, step) = (i % PATIENTS, i / PATIENTS);
        let at = now - SignedDuration::from_mins((SEQUENTIAL - i) as i64);
        let body = weight(p, 80.0 + step as f64 * 0.8, at);
        let started = Instant::now();
        let recorded = monitoring.record_reading(&gateway, &body, None).await.unwrap();
        latencies.push(started.elapsed());
        alerts += recorded.alerts.len();
    }
    let elapsed = began.elapsed();
    latencies.sort();
    println!(
        "{engine:?}: sequential {:>6.0} readings/s; reading → alert written p50 {:.1} ms, p99 {:.1} ms ({SEQUENTIAL} readings, {PATIENTS} patients, {alerts} alerts raised or touched)",
        SEQUENTIAL as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
    );

    // Concurrent: several gateways at once, each on its own patients.
    let began = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..CONCURRENT_TASKS {
        let (monitoring, gateway) = (monitoring.clone(), gateway.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(PER_TASK);
            for i in 0..PER_TASK {
                let p = (t + i * CONCURRENT_TASKS) % PATIENTS;
                let at = now + SignedDuration::from_secs((t * PER_TASK + i) as i64);
                let started = Instant::now();
                monitoring
                    .record_reading(&gateway, &weight(p, 90.0 + (i % 5) as f64, at), None)
                    .await
                    .unwrap();
                latencies.push(started.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    let elapsed = began.elapsed();
    latencies.sort();
    let total = CONCURRENT_TASKS * PER_TASK;
    println!(
        "{engine:?}: {CONCURRENT_TASKS} concurrent {:>6.0} readings/s; p50 {:.1} ms, p99 {:.1} ms ({total} readings)",
        total as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
    );
    store.close().await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    run(Engine::Sqlite).await;
    if std::env::var("TEST_DATABASE_URL").is_ok() {
        run(Engine::Postgres).await;
    } else {
        println!("Postgres: skipped (set TEST_DATABASE_URL)");
    }
}
