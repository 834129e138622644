//! A write answered 2xx survives `kill -9` of the server.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use crate::both_engines;
use crate::support::{Harness, heart_rate};

both_engines!(acknowledged_writes_survive_sigkill);

async fn acknowledged_writes_survive_sigkill(mut h: Harness) {
    let acknowledged: Arc<Mutex<HashMap<String, Value>>> = Arc::default();
    let url = h.server().fhir();
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let acknowledged = acknowledged.clone();
            let http = h.http.clone();
            let url = url.clone();
            tokio::spawn(async move {
                for i in 0..10_000u32 {
                    let body = heart_rate(&format!("Patient/crash-{w}"), 40 + i % 100);
                    let sent = http
                        .post(format!("{url}/Observation"))
                        .header("content-type", "application/fhir+json")
                        .body(body.to_string())
                        .send()
                        .await;
                    let Ok(response) = sent else { break };
                    if response.status() != StatusCode::CREATED {
                        break;
                    }
                    let Ok(stored) = response.json::<Value>().await else { break };
                    let id = stored["id"].as_str().unwrap_or_default().to_owned();
                    acknowledged.lock().unwrap().insert(id, stored);
                }
            })
        })
        .collect();
    // Let the writers get going, then kill the server in the middle of their writes.
    for _ in 0..1500 {
        if acknowledged.lock().unwrap().len() >= 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(acknowledged.lock().unwrap().len() >= 200, "the writers could not get going");
    h.restart_after_kill().await;
    for writer in writers {
        let _ = writer.await;
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 200);
    for (id, stored) in &acknowledged {
        let read = h.get(&format!("/fhir/Observation/{id}")).await;
        assert_eq!(read.status, StatusCode::OK, "acknowledged Observation/{id} lost after kill -9");
        assert_eq!(&read.json(), stored);
    }
}
