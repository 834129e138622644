//! The demo world (`relais demo`, `relais serve --demo`), run as real processes on a fresh
//! database of each engine and looked at over HTTP the way its people would: every printed
//! account signs in (password, and the printed TOTP secret for staff); the monitoring nurse
//! sees her care-team patients and not the others; a patient sees only her own record, with
//! weeks of measurements ending today; the dermatologist sees the consult she claimed. A
//! second run changes nothing; a database holding other data is refused, nothing written.

use std::collections::BTreeSet;
use std::process::{Command, Stdio};

use relais_access::policy::Role;
use relais_access::totp::{self, TotpSecret};
use relais_store::{HistoryQuery, ResourceStore, StoreOptions};
use relais_testkit::{Engine, Server, TestDb};
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{Harness, binary};

const NURSE: &str = "marie-eve.lavoie@lafontaine.example";
const NURSE_PRACTITIONER: &str = "demo-pr-lavoie";
const DERMATOLOGIST: &str = "sophie.nguyen@lafontaine.example";
const PATIENT: &str = "gerard.bouchard@courriel.example";
const PATIENT_ID: &str = "demo-pat-bouchard";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_world_as_its_people_see_it_sqlite() {
    as_its_people_see_it(Engine::Sqlite).await;
}
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_world_as_its_people_see_it_postgres() {
    as_its_people_see_it(Engine::Postgres).await;
}
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_refuses_a_database_with_other_data_sqlite() {
    refuses_other_data(Engine::Sqlite).await;
}
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_refuses_a_database_with_other_data_postgres() {
    refuses_other_data(Engine::Postgres).await;
}
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_serve_fills_an_empty_database_then_serves_sqlite() {
    serve_demo(Engine::Sqlite).await;
}
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_serve_fills_an_empty_database_then_serves_postgres() {
    serve_demo(Engine::Postgres).await;
}

/// What `relais demo` printed.
struct Printed {
    password: String,
    secret: TotpSecret,
    /// (email, role code, needs a second factor)
    accounts: Vec<(String, String, bool)>,
}

/// Runs `relais demo` on `db` (its folder is the data folder, as for the server); answers
/// (success, stdout, stderr).
fn run_demo(db: &TestDb) -> (bool, String, String) {
    let out = Command::new(binary())
        .args(["demo", "--database-url", db.url()])
        .arg("--data-dir")
        .arg(db.dir())
        .current_dir(db.dir())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

fn parse(stdout: &str) -> Printed {
    let after = |prefix: &str| {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix:?}: {stdout}"));
        line.rsplit(' ').next().unwrap().to_owned()
    };
    let accounts = stdout
        .lines()
        .filter(|l| l.split_whitespace().next().is_some_and(|w| w.contains('@')))
        .map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            (words[0].to_owned(), words[1].to_owned(), words[2] == "yes")
        })
        .collect();
    Printed {
        password: after("Password of every demo account:"),
        secret: TotpSecret::from_base32(&after("Second factor of every staff account")).unwrap(),
        accounts,
    }
}

fn now() -> jiff::Timestamp {
    use relais_core::Clock;
    relais_core::SystemClock.now()
}

/// Signs `email` in as a browser would (password, then the TOTP code for staff); answers the
/// session cookie's value.
async fn sign_in(h: &Harness, email: &str, password: &str, second_factor: Option<&TotpSecret>) -> String {
    let post = |path: &str, form: Vec<(&str, String)>, cookie: Option<String>| {
        let mut request = form_post(&h.url(path), &form);
        if let Some(cookie) = cookie {
            request = request.header("cookie", format!("relais-session={cookie}"));
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status();
            let cookie = response.headers().get("set-cookie").map(|v| {
                v.to_str().unwrap().split(';').next().unwrap().split_once('=').unwrap().1.to_owned()
            });
            let json: Value = response.json().await.unwrap_or(Value::Null);
            (status, json, cookie)
        }
    };
    let (status, json, cookie) =
        post("/auth/sign-in", vec![("email", email.into()), ("password", password.into())], None).await;
    assert_eq!(status, StatusCode::OK, "{email}: {json}");
    let Some(secret) = second_factor else {
        assert_eq!(json["stage"], "full", "{email}");
        return cookie.unwrap();
    };
    assert_eq!(json["stage"], "second-factor", "{email}: staff have their second factor set up");
    let code = totp::code_at(secret, now()).unwrap();
    let (status, json, full) = post("/auth/second-factor", vec![("code", code)], cookie).await;
    assert_eq!((status, json["stage"].as_str()), (StatusCode::OK, Some("full")), "{email}: {json}");
    full.unwrap()
}

/// A POST of form fields, as a browser sends a form.
fn form_post(url: &str, form: &[(&str, String)]) -> reqwest::RequestBuilder {
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form.iter().map(|(k, v)| (*k, v.as_str())))
        .finish();
    reqwest::Client::new().post(url).header("content-type", "application/x-www-form-urlencoded").body(body)
}

/// GET `path` with the session `cookie`: (status, JSON).
async fn get(h: &Harness, path: &str, cookie: &str) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .get(h.url(path))
        .header("cookie", format!("relais-session={cookie}"))
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap_or(Value::Null))
}

/// The resources a search Bundle matched.
fn matches(bundle: &Value) -> Vec<Value> {
    let entries = bundle["entry"].as_array().cloned().unwrap_or_default();
    entries.into_iter().filter(|e| e["search"]["mode"] == "match").map(|e| e["resource"].clone()).collect()
}

fn ids(resources: &[Value]) -> BTreeSet<String> {
    resources.iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect()
}

/// Every resource version and account in the database, to compare before and after.
async fn snapshot(db: &TestDb) -> (usize, Vec<(String, bool)>) {
    let store: std::sync::Arc<dyn ResourceStore> =
        relais_store::open(db.url(), &StoreOptions::default()).await.unwrap();
    let all = HistoryQuery { resource_type: None, id: None, since: None, before_seq: None, limit: 100_000 };
    let versions = store.history(&all).await.unwrap().len();
    let accounts =
        store.list_accounts().await.unwrap().into_iter().map(|a| (a.id, a.totp_secret.is_some())).collect();
    store.close().await;
    (versions, accounts)
}

async fn as_its_people_see_it(engine: Engine) {
    let h = Harness::start_with(engine, &[], &[("RELAIS_SIGN_IN_ATTEMPTS_PER_MINUTE", "1000")]).await;
    let (ok, stdout, stderr) = run_demo(&h.db);
    assert!(ok, "relais demo failed: {stderr}\n{stdout}");
    assert!(stdout.contains("demo world created"), "{stdout}");
    let printed = parse(&stdout);
    let roles: BTreeSet<&str> = printed.accounts.iter().map(|(_, role, _)| role.as_str()).collect();
    for role in Role::all() {
        assert!(roles.contains(role.code()), "no demo account with the role {}: {stdout}", role.code());
    }
    assert!(printed.accounts.len() >= 26, "{stdout}");

    // Every printed account signs in with what was printed (a TOTP code is good once per
    // account: the sessions are kept for what follows).
    let mut sessions = std::collections::BTreeMap::new();
    for (email, role, staff) in &printed.accounts {
        assert_eq!(*staff, !matches!(role.as_str(), "patient" | "caregiver"), "{email}");
        let cookie = sign_in(&h, email, &printed.password, staff.then_some(&printed.secret)).await;
        sessions.insert(email.clone(), cookie);
    }

    // The monitoring nurse: her three care-team patients, not the others.
    let nurse = sessions[NURSE].clone();
    let (status, bundle) = get(&h, "/fhir/Patient?_count=100", &nurse).await;
    assert_eq!(status, StatusCode::OK, "{bundle}");
    let expected: BTreeSet<String> =
        ["demo-pat-bouchard", "demo-pat-lefebvre", "demo-pat-ouellet"].map(str::to_owned).into();
    assert_eq!(ids(&matches(&bundle)), expected);
    assert_eq!(get(&h, "/fhir/Patient/demo-pat-gagne", &nurse).await.0, StatusCode::NOT_FOUND);
    let (_, others) = get(&h, "/fhir/Observation?subject=Patient/demo-pat-gagne", &nurse).await;
    assert_eq!(matches(&others).len(), 0, "another patient's measurements: {others}");
    // A Task is in its patient's record (ADR 0007): she sees her care-team patients' tasks —
    // the unassigned alert and the items she owns — and no other patient's.
    let (_, queue) = get(&h, "/fhir/Task?status=requested,accepted,in-progress&_count=100", &nurse).await;
    let queue = matches(&queue);
    let mine = format!("Practitioner/{NURSE_PRACTITIONER}");
    let owned: BTreeSet<String> =
        ids(&queue.iter().filter(|t| t["owner"]["reference"] == mine.as_str()).cloned().collect::<Vec<_>>());
    assert_eq!(owned, ["demo-task-lefebvre-review", "demo-task-ouellet-missing"].map(str::to_owned).into());
    let alert =
        queue.iter().find(|t| t["id"] == "demo-task-bouchard-weight").expect("the weight alert in the queue");
    assert!(alert.get("owner").is_none() && alert["priority"] == "urgent", "{alert}");
    let patients_of_tasks: BTreeSet<String> = queue
        .iter()
        .filter_map(|t| t["for"]["reference"].as_str()?.strip_prefix("Patient/").map(str::to_owned))
        .collect();
    assert!(patients_of_tasks.is_subset(&expected), "only her patients' tasks: {patients_of_tasks:?}");

    // The heart-failure patient: his own record only, weeks of daily weights ending today,
    // with the last three days' gain the alert is about.
    let patient = sessions[PATIENT].clone();
    let (_, mine) = get(&h, "/fhir/Patient", &patient).await;
    assert_eq!(ids(&matches(&mine)), BTreeSet::from([PATIENT_ID.to_owned()]));
    assert_eq!(get(&h, "/fhir/Patient/demo-pat-lefebvre", &patient).await.0, StatusCode::NOT_FOUND);
    let weights = "/fhir/Observation?code=http://loinc.org|29463-7&_sort=date&_count=200";
    let (_, bundle) = get(&h, weights, &patient).await;
    let weights = matches(&bundle);
    assert!(weights.iter().all(|o| o["subject"]["reference"] == format!("Patient/{PATIENT_ID}")));
    let when = |o: &Value| o["effectiveDateTime"].as_str().unwrap().parse::<jiff::Timestamp>().unwrap();
    let (first, last) = (when(&weights[0]), when(weights.last().unwrap()));
    assert!(weights.len() >= 35, "{} weights", weights.len());
    assert!(last - first >= jiff::SignedDuration::from_hours(24 * 35), "from {first} to {last}");
    assert!(
        last <= now() && now() - last < jiff::SignedDuration::from_hours(24),
        "the last weight is today: {last}"
    );
    let kg = |o: &Value| o["valueQuantity"]["value"].as_f64().unwrap();
    assert_eq!(weights[0]["valueQuantity"]["code"], "kg");
    let gain = kg(weights.last().unwrap()) - kg(&weights[weights.len() - 4]);
    assert!(gain >= 2.0, "a heart-failure drift of {gain} kg over three days");

    // The dermatologist: the record of the consult she claimed; of the one waiting in the
    // teledermatology service's queue, the item and whom it is for, nothing more until she takes it.
    let dermatologist = sessions[DERMATOLOGIST].clone();
    assert_eq!(get(&h, "/fhir/Patient/demo-pat-cote", &dermatologist).await.0, StatusCode::OK);
    assert_eq!(get(&h, "/fhir/Task/demo-task-gagne", &dermatologist).await.0, StatusCode::OK);
    assert_eq!(get(&h, "/fhir/Patient/demo-pat-gagne", &dermatologist).await.0, StatusCode::OK);
    assert_eq!(get(&h, "/fhir/ServiceRequest/demo-sr-gagne", &dermatologist).await.0, StatusCode::NOT_FOUND);
    assert_eq!(get(&h, "/fhir/Task/demo-task-gagne", &nurse).await.0, StatusCode::NOT_FOUND, "not her queue");

    // Infection control: the unit's queue item, no patient's chart.
    let infection_control = &sessions["luc.gauthier@riviere-sables.example"];
    assert_eq!(get(&h, "/fhir/Task/demo-task-chsld-tablets", infection_control).await.0, StatusCode::OK);
    let (_, none) = get(&h, "/fhir/Patient", infection_control).await;
    assert_eq!(matches(&none).len(), 0, "{none}");

    // The caregiver: what the heart-failure patient shares with her (his measurements), not the
    // rest of his record, nor anyone else's.
    let caregiver = &sessions["sylvie.bouchard@courriel.example"];
    let (_, shared) =
        get(&h, "/fhir/Observation?subject=Patient/demo-pat-bouchard&_count=5", caregiver).await;
    assert!(!matches(&shared).is_empty(), "his measurements are shared with her: {shared}");
    let (_, conditions) =
        get(&h, "/fhir/AllergyIntolerance?patient=Patient/demo-pat-bouchard", caregiver).await;
    assert_eq!(matches(&conditions).len(), 0, "not shared: {conditions}");
    let (_, others) = get(&h, "/fhir/Observation?subject=Patient/demo-pat-gagne", caregiver).await;
    assert_eq!(matches(&others).len(), 0, "another patient's: {others}");

    // A second run: the demo is there, nothing changes.
    let before = snapshot(&h.db).await;
    let (ok, again, stderr) = run_demo(&h.db);
    assert!(ok, "{stderr}");
    assert!(again.contains("already in this database; nothing was changed"), "{again}");
    assert_eq!(parse(&again).accounts, printed.accounts, "the same accounts printed");
    assert_eq!(snapshot(&h.db).await, before);
    assert_eq!(h.get(&format!("/fhir/Patient/{PATIENT_ID}")).await.json()["meta"]["versionId"], "1");
}

async fn refuses_other_data(engine: Engine) {
    let h = Harness::start(engine).await;
    h.create(&crate::support::patient("Lavoie", "LAV-1")).await;
    let before = snapshot(&h.db).await;
    let (ok, stdout, stderr) = run_demo(&h.db);
    assert!(!ok, "relais demo mixed demo data into a database with other data: {stdout}");
    assert!(stderr.contains("refusing to mix demo data"), "{stderr}");
    assert!(!stdout.contains("Password"), "no accounts printed: {stdout}");
    assert_eq!(snapshot(&h.db).await, before, "nothing written");
    assert_eq!(h.get("/fhir/Organization/demo-org-lafontaine").await.status, StatusCode::NOT_FOUND);

    // `serve --demo` refuses to start on it, with the same reason.
    let out = Command::new(binary())
        .args(["serve", "--demo", "--bind", "127.0.0.1:0", "--database-url", h.db.url()])
        .arg("--data-dir")
        .arg(h.db.dir())
        .current_dir(h.db.dir())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("refusing to mix demo data"));
    assert_eq!(snapshot(&h.db).await, before, "nothing written");
}

async fn serve_demo(engine: Engine) {
    let db = TestDb::new(engine).await;
    let server = Server::start(binary(), &db, &["--demo"], &[]);
    // The table is on standard output, the logs on their own stream: wait for its last line.
    let mut logs = String::new();
    for _ in 0..200 {
        logs = server.logs().join("\n");
        if logs.contains("sylvie.bouchard@courriel.example") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(logs.contains("demo world created"), "{logs}");
    let printed = parse(&logs);
    let form = [("email", PATIENT.to_owned()), ("password", printed.password.clone())];
    let response = form_post(&format!("{}/auth/sign-in", server.url), &form).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let own = reqwest::Client::new()
        .get(format!("{}/fhir/Patient/{PATIENT_ID}", server.url))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), StatusCode::OK);
    let identifier = &own.json::<Value>().await.unwrap()["identifier"][0];
    assert_eq!(identifier["value"], "BOUG47031218");
}
