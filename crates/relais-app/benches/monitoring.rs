//! Readings per second through the whole monitoring use case — normalise, store as the caller
//! (access decided and audited), load the patient's history, evaluate, write or update alerts as
//! the rules engine (audited) — on a real SQLite file and on PostgreSQL (`TEST_DATABASE_URL`):
//! one reading at a time, and in gateway batches. Then the time from a reading received to its
//! alert heard by a follower of `relais_app::changes` (what the dashboards' server-sent events
//! follow), p50/p99, with readings arriving at a steady 1,000 per second. Prints figures;
//! asserts nothing.
//!
//! `cargo bench -p relais-app --bench monitoring` (`MONITORING_BENCH_SECONDS`, default 5, is the
//! length of the paced run; `MONITORING_BENCH_PHASES`, default
//! `sequential,batched,batched-messages,paced`, picks the phases, e.g. to profile one).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use relais_access::policy::Principal;
use relais_app::Fhir;
use relais_app::access::Caller;
use relais_app::monitoring::{DeviceMessage, Monitoring, ReadingIn};
use relais_clinical::program::Catalog;
use relais_core::{Clock, SystemClock, UuidV7Ids};
use relais_fhir::SchemaValidator;
use relais_fhir::search::SearchParams;
use relais_store::StoreOptions;
use relais_testkit::{Engine, TestDb};
use serde_json::json;

const PATIENTS: usize = 200;
const SEQUENTIAL: usize = 1_000;
const BATCH: usize = 1_000;
const BATCHES: usize = 20;
/// Paced run: readings per second, and one in this many is a fast pulse that raises or updates
/// an alert (the others are ordinary weights).
const RATE: usize = 1_000;
const PROBE_EVERY: usize = 10;

fn reading(patient: usize, code: &str, value: f64, unit: &str, at: Timestamp) -> Vec<u8> {
    json!({"resourceType": "Observation", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "subject": {"reference": format!("Patient/p{patient}")}, "effectiveDateTime": at.to_string(),
        "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}})
    .to_string()
    .into_bytes()
}

fn weight(patient: usize, kg: f64, at: Timestamp) -> Vec<u8> {
    reading(patient, "29463-7", kg, "kg", at)
}

fn pulse(patient: usize, bpm: f64, at: Timestamp) -> Vec<u8> {
    reading(patient, "8867-4", bpm, "/min", at)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

struct Setup {
    db: TestDb,
    store: Arc<dyn relais_store::ResourceStore>,
    fhir: Fhir,
    monitoring: Monitoring,
    now: Timestamp,
}

async fn setup(engine: Engine) -> Setup {
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
    Setup { db, store, fhir, monitoring, now }
}

fn gateway() -> Caller {
    let scopes = relais_access::scopes::Scopes::parse("system/Observation.write", |_| true).unwrap();
    Caller::new(Principal { id: "gateway".into(), scopes: Some(scopes), ..Principal::default() })
}

/// One reading after another, each evaluated before the next.
async fn sequential(engine: Engine, s: &Setup) {
    let gateway = gateway();
    let began = Instant::now();
    let mut alerts = 0;
    for i in 0..SEQUENTIAL {
        let (p, step) = (i % PATIENTS, i / PATIENTS);
        let at = s.now - SignedDuration::from_mins((SEQUENTIAL - i) as i64);
        // Each patient's weight creeps up: alerts are raised, then updated.
        let recorded =
            s.monitoring.record_reading(&gateway, &weight(p, 80.0 + step as f64 * 0.8, at), None).await;
        alerts += recorded.unwrap().alerts.len();
    }
    let rate = SEQUENTIAL as f64 / began.elapsed().as_secs_f64();
    println!(
        "{engine:?}: single, sequential: {rate:>7.0} readings/s ({SEQUENTIAL} readings, {PATIENTS} patients, {alerts} alerts raised or touched)"
    );
}

/// Batches of `BATCH` readings, `BATCH / PATIENTS` per patient, one batch after another; with
/// `messages`, each reading carries its device's message id (counted once: a conditional create).
async fn batched(engine: Engine, s: &Setup, messages: bool) {
    let gateway = gateway();
    let per_patient = BATCH / PATIENTS;
    let mut total = 0;
    let mut alerts = 0;
    let mut elapsed = Duration::ZERO;
    for b in 0..BATCHES {
        let bodies: Vec<Vec<u8>> = (0..BATCH)
            .map(|i| {
                let (p, k) = (i % PATIENTS, i / PATIENTS);
                let at = s.now + SignedDuration::from_secs((b * per_patient + k) as i64);
                // Mostly ordinary pulses; every 97th a fast one (an alert raised or updated).
                if (b * BATCH + i).is_multiple_of(97) {
                    pulse(p, 125.0, at)
                } else {
                    pulse(p, 70.0 + (i % 7) as f64, at)
                }
            })
            .collect();
        let devices: Vec<(String, String)> =
            (0..BATCH).map(|i| (format!("gw-{}", i % PATIENTS), format!("b{b}-{i}"))).collect();
        let readings: Vec<ReadingIn<'_>> = bodies
            .iter()
            .zip(&devices)
            .map(|(body, (device, message))| ReadingIn {
                body,
                message: messages.then_some(DeviceMessage { device, message }),
            })
            .collect();
        let began = Instant::now();
        let results = s.monitoring.record_readings(&gateway, &readings).await.unwrap();
        elapsed += began.elapsed();
        total += results.len();
        alerts += results.iter().map(|r| r.as_ref().unwrap().alerts.len()).sum::<usize>();
    }
    let rate = total as f64 / elapsed.as_secs_f64();
    let ids = if messages { ", each with a device message id" } else { "" };
    println!(
        "{engine:?}: batched ({BATCH} a batch, {per_patient} per patient{ids}): {rate:>7.0} readings/s ({total} readings, {alerts} alerts raised or touched)"
    );
}

/// Readings arriving at `RATE` a second, each its own call as from a device; one in
/// `PROBE_EVERY` raises or updates an alert, and the time from its arrival to the alert's
/// DetectedIssue heard by a follower of the announcements is measured.
async fn paced(engine: Engine, s: &Setup, seconds: u64) {
    let heard: Arc<Mutex<HashMap<String, Vec<Instant>>>> = Arc::default();
    let mut follower = s.fhir.changes().subscribe();
    let listening = {
        let heard = heard.clone();
        tokio::spawn(async move {
            while let Ok(change) = follower.recv().await {
                if change.resource_type == "DetectedIssue" {
                    heard.lock().unwrap().entry(change.id).or_default().push(Instant::now());
                }
            }
        })
    };
    let gateway = gateway();
    let total = RATE * seconds as usize;
    let tick = Duration::from_millis(10);
    let per_tick = RATE / 100;
    let mut timer = tokio::time::interval(tick);
    let mut calls = Vec::with_capacity(total);
    let began = Instant::now();
    for i in 0..total {
        if i.is_multiple_of(per_tick) {
            timer.tick().await;
        }
        let p = i % PATIENTS;
        let at = s.now + SignedDuration::from_secs(3_600 + i as i64);
        let probe = i.is_multiple_of(PROBE_EVERY);
        let body = if probe { pulse(p, 120.0 + (i % 9) as f64, at) } else { weight(p, 80.0, at) };
        let (monitoring, gateway) = (s.monitoring.clone(), gateway.clone());
        calls.push(tokio::spawn(async move {
            let sent = Instant::now();
            let recorded = monitoring.record_reading(&gateway, &body, None).await.unwrap();
            let alert = recorded.alerts.into_iter().find(|a| a.rule == "hr-very-high");
            (probe, sent, alert.map(|a| a.detected_issue))
        }));
    }
    let mut probes = Vec::new();
    for call in calls {
        let (probe, sent, issue) = call.await.unwrap();
        if probe {
            probes.push((sent, issue));
        }
    }
    let offered = total as f64 / began.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_millis(200)).await;
    listening.abort();
    let heard = heard.lock().unwrap();
    let mut latencies: Vec<Duration> = probes
        .iter()
        .filter_map(|(sent, issue)| {
            let first = heard.get(issue.as_ref()?)?.iter().find(|t| *t >= sent)?;
            Some(first.duration_since(*sent))
        })
        .collect();
    latencies.sort();
    println!(
        "{engine:?}: at {RATE} readings/s offered ({offered:.0}/s achieved, single calls): reading → alert heard p50 {:.1} ms, p99 {:.1} ms ({} of {} alerting readings heard)",
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        latencies.len(),
        probes.len(),
    );
}

async fn run(engine: Engine, seconds: u64, phases: &str) {
    let s = setup(engine).await;
    let on = |phase: &str| phases.split(',').any(|p| p.trim() == phase);
    if on("sequential") {
        sequential(engine, &s).await;
    }
    if on("batched") {
        batched(engine, &s, false).await;
    }
    if on("batched-messages") {
        batched(engine, &s, true).await;
    }
    if on("paced") {
        paced(engine, &s, seconds).await;
    }
    s.store.close().await;
    drop(s.db);
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let seconds = std::env::var("MONITORING_BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    let phases = std::env::var("MONITORING_BENCH_PHASES")
        .unwrap_or_else(|_| "sequential,batched,batched-messages,paced".into());
    run(Engine::Sqlite, seconds, &phases).await;
    if std::env::var("TEST_DATABASE_URL").is_ok() {
        run(Engine::Postgres, seconds, &phases).await;
    } else {
        println!("Postgres: skipped (set TEST_DATABASE_URL)");
    }
}
