//! The load: one task per client, each on its own HTTP/1.1 keep-alive connection, sending one
//! kind of request in a loop until the phase's deadline passes or its request budget is spent.
//! A search phase checks that every answer is a 200 searchset Bundle and counts its entries.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::HeaderValue;
use hyper::{Request, Uri, header};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::rng::Rng;

/// An HTTP/1.1 client holding one keep-alive connection, presenting an access token with every
/// request.
#[derive(Clone)]
pub struct Client {
    http: HyperClient<HttpConnector, Full<Bytes>>,
    authorization: HeaderValue,
}

impl Client {
    /// Sends `request` with the `Authorization` header.
    pub async fn request(
        &self,
        mut request: Request<Full<Bytes>>,
    ) -> Result<hyper::Response<hyper::body::Incoming>, hyper_util::client::legacy::Error> {
        request.headers_mut().insert(header::AUTHORIZATION, self.authorization.clone());
        self.http.request(request).await
    }
}

/// A request without an answer after this long counts as an error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Distinct error messages kept per phase, with how often each occurred.
const KEPT_ERRORS: usize = 5;

/// `n` clients, one connection each, presenting `authorization` (`Bearer …`).
pub fn clients(n: usize, authorization: &HeaderValue) -> Vec<Client> {
    (0..n).map(|_| Client { http: connection(), authorization: authorization.clone() }).collect()
}

/// A client for one keep-alive connection, without credentials.
pub fn connection() -> HyperClient<HttpConnector, Full<Bytes>> {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    HyperClient::builder(TokioExecutor::new()).pool_max_idle_per_host(1).build(connector)
}

/// Makes the `Type?query` part of a search URL (after `/fhir/`) from a client's random numbers.
pub type MakeQuery = Arc<dyn Fn(&mut Rng) -> String + Send + Sync>;

/// What each client does in a phase.
#[derive(Clone)]
pub enum Op {
    /// `POST /fhir/Observation` with `Prefer: return=minimal`.
    Create,
    /// `GET /fhir/Observation/{id}` of a random one of these ids.
    Read(Arc<[String]>),
    /// `GET /fhir/{query}`: only a 200 with a Bundle counts as success.
    Search(MakeQuery),
}

/// What makes an answer a success, besides its status.
enum Expect {
    /// A `Location` naming the created Observation.
    Created,
    /// The resource with this id in the body.
    Resource(String),
    /// Status 200 and a Bundle, whose entries are counted.
    Bundle,
}

/// The outcome of a phase (or of one client's share of it).
#[derive(Default)]
pub struct Phase {
    /// Requests answered 2xx (for reads: with the resource in the body).
    pub ok: u64,
    /// Requests answered otherwise, or not at all.
    pub errors: u64,
    /// The first distinct error messages, each with its count.
    pub error_kinds: Vec<(String, u64)>,
    /// Latency of each successful request in microseconds, sorted once the phase is over.
    pub latencies_us: Vec<u32>,
    /// Ids of the Observations created.
    pub ids: Vec<String>,
    /// Search phases: entries with `search.mode` `match`, over all the Bundles answered.
    pub matches: u64,
    /// Search phases: other entries (`_include`d resources, OperationOutcomes).
    pub included: u64,
    /// Search phases: Bundles without any match.
    pub empty: u64,
    /// From the start of the phase until the last client finished.
    pub elapsed: Duration,
}

impl Phase {
    fn error(&mut self, message: String) {
        self.errors += 1;
        self.count_kind(message, 1);
    }

    fn count_kind(&mut self, message: String, times: u64) {
        if let Some((_, count)) = self.error_kinds.iter_mut().find(|(known, _)| *known == message) {
            *count += times;
        } else if self.error_kinds.len() < KEPT_ERRORS {
            self.error_kinds.push((message, times));
        }
    }

    fn merge(&mut self, other: Phase) {
        self.ok += other.ok;
        self.errors += other.errors;
        for (message, times) in other.error_kinds {
            self.count_kind(message, times);
        }
        self.latencies_us.extend(other.latencies_us);
        self.ids.extend(other.ids);
        self.matches += other.matches;
        self.included += other.included;
        self.empty += other.empty;
    }
}

/// Runs `op` on every client until `duration` has passed or `max_requests` were sent.
pub async fn run(
    clients: &[Client],
    base: &str,
    op: &Op,
    duration: Duration,
    max_requests: u64,
) -> anyhow::Result<Phase> {
    let sent = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + duration;
    let tasks: Vec<_> = clients
        .iter()
        .enumerate()
        .map(|(n, client)| {
            let worker =
                Worker { client: client.clone(), base: base.to_owned(), op: op.clone(), rng: Rng::new(n) };
            let sent = sent.clone();
            tokio::spawn(worker.run(move || {
                Instant::now() < deadline && sent.fetch_add(1, Ordering::Relaxed) < max_requests
            }))
        })
        .collect();
    let mut phase = Phase::default();
    for task in tasks {
        phase.merge(task.await.context("a client task failed")??);
    }
    phase.elapsed = started.elapsed();
    phase.latencies_us.sort_unstable();
    Ok(phase)
}

/// One client.
struct Worker {
    client: Client,
    base: String,
    op: Op,
    rng: Rng,
}

/// An answer, read to the end so that the connection can be reused.
struct Answer {
    status: hyper::StatusCode,
    location: Option<String>,
    body: Bytes,
}

impl Worker {
    async fn run(mut self, mut go_on: impl FnMut() -> bool) -> anyhow::Result<Phase> {
        let create: Uri = format!("{}/fhir/Observation", self.base).parse().context("server URL")?;
        let mut out = Phase::default();
        while go_on() {
            let (request, expect) = match &self.op {
                Op::Create => (self.create_request(&create)?, Expect::Created),
                Op::Read(ids) => {
                    let id = ids[self.rng.below(ids.len())].clone();
                    let uri: Uri =
                        format!("{}/fhir/Observation/{id}", self.base).parse().context("read URL")?;
                    (
                        Request::get(uri)
                            .header(header::ACCEPT, "application/fhir+json")
                            .body(Full::default())?,
                        Expect::Resource(id),
                    )
                }
                Op::Search(query) => {
                    let uri: Uri = format!("{}/fhir/{}", self.base, query(&mut self.rng))
                        .parse()
                        .context("search URL")?;
                    let request = Request::get(uri)
                        .header(header::ACCEPT, "application/fhir+json")
                        .body(Full::default())?;
                    (request, Expect::Bundle)
                }
            };
            let started = Instant::now();
            let answer = tokio::time::timeout(REQUEST_TIMEOUT, self.send(request)).await;
            let latency_us = u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX);
            let answer = match answer {
                Ok(Ok(answer)) => answer,
                Ok(Err(error)) => {
                    out.error(format!("{error:#}"));
                    continue;
                }
                Err(_) => {
                    out.error(format!("no answer within {} s", REQUEST_TIMEOUT.as_secs()));
                    continue;
                }
            };
            if !answer.status.is_success() {
                let body = String::from_utf8_lossy(&answer.body);
                out.error(format!("HTTP {}: {}", answer.status, body.chars().take(300).collect::<String>()));
                continue;
            }
            match expect {
                Expect::Created => match answer.location.as_deref().and_then(created_id) {
                    Some(id) => out.ids.push(id.to_owned()),
                    None => {
                        out.error(format!(
                            "{} without an Observation Location: {:?}",
                            answer.status, answer.location
                        ));
                        continue;
                    }
                },
                Expect::Resource(id) if !contains(&answer.body, id.as_bytes()) => {
                    out.error(format!(
                        "{} for Observation/{id} without that resource in the body",
                        answer.status
                    ));
                    continue;
                }
                Expect::Resource(_) => {}
                Expect::Bundle if answer.status != hyper::StatusCode::OK => {
                    out.error(format!("{} instead of 200 OK for a search", answer.status));
                    continue;
                }
                Expect::Bundle => match entries(&answer.body) {
                    Ok((matches, others)) => {
                        out.matches += matches;
                        out.included += others;
                        out.empty += u64::from(matches == 0);
                    }
                    Err(error) => {
                        out.error(format!("{} with a body that is not a Bundle: {error}", answer.status));
                        continue;
                    }
                },
            }
            out.ok += 1;
            out.latencies_us.push(latency_us);
        }
        Ok(out)
    }

    fn create_request(&mut self, uri: &Uri) -> anyhow::Result<Request<Full<Bytes>>> {
        let body = observation(&mut self.rng);
        Ok(Request::post(uri.clone())
            .header(header::CONTENT_TYPE, "application/fhir+json")
            .header(header::ACCEPT, "application/fhir+json")
            .header("prefer", "return=minimal")
            .body(Full::new(Bytes::from(body)))?)
    }

    async fn send(&self, request: Request<Full<Bytes>>) -> anyhow::Result<Answer> {
        let response = self.client.request(request).await?;
        let status = response.status();
        let location =
            response.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body = response.into_body().collect().await.context("reading the answer")?.to_bytes();
        Ok(Answer { status, location, body })
    }
}

/// A heart-rate vital sign for one of 1,000 patients, with a varying value and time.
fn observation(rng: &mut Rng) -> String {
    let patient = rng.below(1000);
    let value = 50 + rng.below(80);
    let minute = rng.below(60);
    serde_json::json!({
        "resourceType": "Observation",
        "status": "final",
        "category": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "vital-signs"
        }]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4", "display": "Heart rate"}]},
        "subject": {"reference": format!("Patient/p-{patient}")},
        "effectiveDateTime": format!("2026-11-25T08:{minute:02}:00Z"),
        "valueQuantity": {
            "value": value,
            "unit": "beats/minute",
            "system": "http://unitsofmeasure.org",
            "code": "/min"
        }
    })
    .to_string()
}

/// A search answer: just what is counted of it.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Bundle {
    resource_type: String,
    #[serde(default)]
    entry: Vec<Entry>,
}

#[derive(serde::Deserialize)]
struct Entry {
    search: Option<EntrySearch>,
}

#[derive(serde::Deserialize)]
struct EntrySearch {
    mode: Option<String>,
}

/// (match entries, other entries) of a Bundle.
fn entries(body: &[u8]) -> Result<(u64, u64), String> {
    let bundle: Bundle = serde_json::from_slice(body).map_err(|error| error.to_string())?;
    if bundle.resource_type != "Bundle" {
        return Err(format!("resourceType {}", bundle.resource_type));
    }
    let matches = bundle
        .entry
        .iter()
        .filter(|entry| entry.search.as_ref().and_then(|s| s.mode.as_deref()) == Some("match"))
        .count() as u64;
    Ok((matches, bundle.entry.len() as u64 - matches))
}

/// The id in `http://host/fhir/Observation/{id}/_history/1`.
fn created_id(location: &str) -> Option<&str> {
    let id = location.split_once("/Observation/")?.1.split('/').next()?;
    (!id.is_empty()).then_some(id)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_is_taken_from_the_location() {
        assert_eq!(created_id("http://127.0.0.1:1/fhir/Observation/abc-1/_history/1"), Some("abc-1"));
        assert_eq!(created_id("http://127.0.0.1:1/fhir/Observation//_history/1"), None);
        assert_eq!(created_id("http://127.0.0.1:1/fhir/Patient/x"), None);
    }

    #[test]
    fn bundle_entries_are_counted_by_search_mode() {
        let body = br#"{"resourceType":"Bundle","type":"searchset","entry":[
            {"resource":{},"search":{"mode":"match"}},{"search":{"mode":"include"}},
            {"search":{"mode":"match"}}]}"#;
        assert_eq!(entries(body), Ok((2, 1)));
        assert_eq!(entries(br#"{"resourceType":"Bundle","type":"searchset"}"#), Ok((0, 0)));
        assert!(entries(br#"{"resourceType":"OperationOutcome"}"#).is_err());
        assert!(entries(b"not json").is_err());
    }

    #[test]
    fn observations_are_valid_json_and_vary() {
        let mut rng = Rng::new(0);
        let text = observation(&mut rng);
        let first: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(first["code"]["coding"][0]["code"], "8867-4");
        let others: Vec<String> = (0..10).map(|_| observation(&mut rng)).collect();
        assert!(others.iter().any(|other| *other != text));
    }
}
