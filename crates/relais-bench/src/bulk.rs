//! Loads a [`Dataset`] over the FHIR API: transaction Bundles of `PUT Type/id` entries, sent by
//! several loader connections in parallel, each taking the next Bundle in loading order. The
//! first failing Bundle stops the load and is reported with the server's answer.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, StatusCode, Uri, header};
use serde_json::{Value, json};

use crate::dataset::{Dataset, Kind};
use crate::load::{self, Client};

/// A transaction may take this long before the load is given up.
const BUNDLE_TIMEOUT: Duration = Duration::from_secs(300);
/// How often progress is printed.
const PROGRESS_EVERY: Duration = Duration::from_secs(15);

/// What the load did.
pub struct Loaded {
    pub resources: u64,
    pub bundles: u64,
    pub elapsed: Duration,
}

/// One Bundle's worth of resources: `kind` numbers `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Chunk {
    kind: Kind,
    start: u64,
    end: u64,
}

/// The Bundles, in loading order, of at most `size` entries each.
fn chunks(dataset: &Dataset, size: u64) -> Vec<Chunk> {
    let size = size.max(1);
    let mut chunks = Vec::new();
    for (kind, count) in dataset.kinds() {
        let mut start = 0;
        while start < count {
            let end = (start + size).min(count);
            chunks.push(Chunk { kind, start, end });
            start = end;
        }
    }
    chunks
}

/// The transaction Bundle that PUTs a chunk's resources.
fn transaction(dataset: &Dataset, chunk: Chunk) -> Value {
    let entry: Vec<Value> = (chunk.start..chunk.end)
        .map(|n| {
            json!({
                "resource": dataset.resource(chunk.kind, n),
                "request": {"method": "PUT", "url": Dataset::reference(chunk.kind, n)}
            })
        })
        .collect();
    json!({"resourceType": "Bundle", "type": "transaction", "entry": entry})
}

/// Loads everything with `loaders` connections and Bundles of `bundle_size` entries.
pub async fn load(
    base: &str,
    authorization: &hyper::header::HeaderValue,
    dataset: &Dataset,
    bundle_size: usize,
    loaders: usize,
) -> anyhow::Result<Loaded> {
    let chunks: Arc<[Chunk]> = chunks(dataset, bundle_size as u64).into();
    let total: u64 = dataset.kinds().iter().map(|(_, count)| count).sum();
    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicBool::new(false));
    let uri: Uri = format!("{base}/fhir").parse().context("server URL")?;
    let started = Instant::now();

    let progress = {
        let done = done.clone();
        tokio::spawn(async move {
            let mut ticks =
                tokio::time::interval_at(tokio::time::Instant::now() + PROGRESS_EVERY, PROGRESS_EVERY);
            loop {
                ticks.tick().await;
                let loaded = done.load(Ordering::Relaxed);
                let seconds = started.elapsed().as_secs_f64();
                println!(
                    "  loaded {loaded} of {total} resources in {seconds:.0} s ({:.0}/s)",
                    loaded as f64 / seconds.max(f64::EPSILON)
                );
            }
        })
    };
    let tasks: Vec<_> = load::clients(loaders, authorization)
        .into_iter()
        .map(|client| {
            let (chunks, next, done, failed) = (chunks.clone(), next.clone(), done.clone(), failed.clone());
            let (dataset, uri) = (dataset.clone(), uri.clone());
            tokio::spawn(async move {
                while !failed.load(Ordering::Relaxed) {
                    let Some(&chunk) = chunks.get(next.fetch_add(1, Ordering::Relaxed)) else {
                        return Ok(());
                    };
                    let body = transaction(&dataset, chunk).to_string();
                    if let Err(error) = send(&client, &uri, body, chunk.end - chunk.start).await {
                        failed.store(true, Ordering::Relaxed);
                        return Err(error.context(format!(
                            "the transaction of {} {}..{} failed",
                            chunk.kind, chunk.start, chunk.end
                        )));
                    }
                    done.fetch_add(chunk.end - chunk.start, Ordering::Relaxed);
                }
                Ok(())
            })
        })
        .collect();
    let mut outcome = Ok(());
    for task in tasks {
        let result = task.await.context("a loader task failed").and_then(|result| result);
        if outcome.is_ok() {
            outcome = result;
        }
    }
    progress.abort();
    outcome?;
    Ok(Loaded {
        resources: done.load(Ordering::Relaxed),
        bundles: chunks.len() as u64,
        elapsed: started.elapsed(),
    })
}

/// Posts one transaction and checks that every entry was created (or updated).
async fn send(client: &Client, uri: &Uri, body: String, entries: u64) -> anyhow::Result<()> {
    let request = Request::post(uri.clone())
        .header(header::CONTENT_TYPE, "application/fhir+json")
        .header(header::ACCEPT, "application/fhir+json")
        .header("prefer", "return=minimal")
        .body(Full::new(Bytes::from(body)))?;
    let answer = tokio::time::timeout(BUNDLE_TIMEOUT, async {
        let response = client.request(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await.context("reading the answer")?.to_bytes();
        anyhow::Ok((status, body))
    })
    .await
    .with_context(|| format!("no answer within {} s", BUNDLE_TIMEOUT.as_secs()))??;
    let (status, body) = answer;
    if status != StatusCode::OK {
        let text = String::from_utf8_lossy(&body);
        bail!("HTTP {status}: {}", text.chars().take(500).collect::<String>());
    }
    let response: Value = serde_json::from_slice(&body).context("the answer is not JSON")?;
    let statuses: Vec<&str> = response["entry"]
        .as_array()
        .map(|entries| entries.iter().filter_map(|entry| entry["response"]["status"].as_str()).collect())
        .unwrap_or_default();
    if response["type"] != "transaction-response" || statuses.len() as u64 != entries {
        bail!(
            "the answer is not a transaction-response with {entries} entries: {:.300}",
            response.to_string()
        );
    }
    if let Some(bad) = statuses.iter().find(|status| !status.starts_with("200") && !status.starts_with("201"))
    {
        bail!("an entry answered {bad}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_every_resource_once_in_order() {
        let dataset = Dataset::new(10, 95, 7, "2026-11-25").unwrap();
        let chunks = chunks(&dataset, 20);
        let observations: Vec<_> = chunks.iter().filter(|c| c.kind == Kind::Observation).collect();
        assert_eq!(observations.len(), 5);
        assert_eq!(observations[4], &Chunk { kind: Kind::Observation, start: 80, end: 95 });
        assert_eq!(chunks.first().unwrap().kind, Kind::Practitioner);
        assert_eq!(chunks.last().unwrap(), &Chunk { kind: Kind::Task, start: 0, end: 7 });
        let counted: u64 = chunks.iter().map(|c| c.end - c.start).sum();
        assert_eq!(counted, 20 + 10 + 95 + 4 + 7);
    }

    #[test]
    fn a_transaction_puts_each_resource_at_its_id() {
        let dataset = Dataset::new(10, 95, 7, "2026-11-25").unwrap();
        let bundle = transaction(&dataset, Chunk { kind: Kind::Patient, start: 3, end: 5 });
        assert_eq!(bundle["type"], "transaction");
        assert_eq!(bundle["entry"][1]["request"]["url"], "Patient/pat-4");
        assert_eq!(bundle["entry"][1]["resource"]["id"], "pat-4");
    }
}
