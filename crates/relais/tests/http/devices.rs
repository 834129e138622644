//! Home devices against a real server and the real Mosquitto broker (127.0.0.1:1883), on both
//! engines: a token issued with `relais device token issue`, readings posted to
//! `/devices/readings` (clear JSON errors, once per message id), a reading published over MQTT
//! raising an alert a nurse's triage dashboard shows and hears of (server-sent events), a
//! colleague's acknowledgement showing on the other screen, a resolution refused with the
//! reason next to the field, and the MQTT figures in `/metrics`.

use std::time::{Duration, Instant};

use relais_testkit::Engine;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::browser::signed_in_staff;
use crate::support::{Harness, binary, create_named_user};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    devices_post_publish_and_triage(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    devices_post_publish_and_triage(Engine::Postgres).await;
}

/// `relais device token issue`: the token line of its output.
fn issue_token(h: &Harness, device: &str) -> String {
    let out = std::process::Command::new(binary())
        .args([
            "device",
            "token",
            "issue",
            "--database-url",
            h.db.url(),
            "--device",
            device,
            "--label",
            "balance",
        ])
        .current_dir(h.db.dir())
        .output()
        .expect("relais device token issue");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.lines().find_map(|l| l.strip_prefix("token: ")).expect("a token line").to_owned()
}

fn publish(topic: &str, payload: &str) {
    let status = std::process::Command::new("mosquitto_pub")
        .args(["-h", "127.0.0.1", "-p", "1883", "-q", "1", "-t", topic, "-m", payload])
        .status()
        .expect("mosquitto_pub");
    assert!(status.success());
}

/// A `mosquitto_sub` on one topic, its lines read by a thread of their own. Subscribing returns
/// once a probe published to the topic has come back: the subscription is then known to work
/// (its SUBACK alone was seen to come before the broker delivered to it).
struct Replies {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Replies {
    fn subscribe(topic: &str) -> Replies {
        use std::io::BufRead;
        let mut child = std::process::Command::new("mosquitto_sub")
            .args(["-h", "127.0.0.1", "-p", "1883", "-q", "1", "-t", topic])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("mosquitto_sub");
        let stdout = child.stdout.take().unwrap();
        let (send, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    return;
                }
            }
        });
        let replies = Replies { child, lines };
        for _ in 0..100 {
            publish(topic, r#"{"probe":true}"#);
            if let Ok(line) = replies.lines.recv_timeout(Duration::from_millis(200)) {
                assert_eq!(line, r#"{"probe":true}"#);
                // Probes sent before the first came back may still arrive: drain them.
                while replies.lines.recv_timeout(Duration::from_millis(300)).is_ok() {}
                return replies;
            }
        }
        panic!("the subscription to {topic} never received its probe");
    }

    /// The next message's JSON, or `None` after 20 s without one.
    fn try_next(&mut self) -> Option<Value> {
        let line = self.lines.recv_timeout(Duration::from_secs(20)).ok()?;
        Some(serde_json::from_str(&line).unwrap())
    }

    fn next(&mut self) -> Value {
        self.try_next().expect("a reply within 20 s")
    }

    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn post_readings(h: &Harness, token: Option<&str>, body: &str) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new().post(h.url("/devices/readings")).body(body.to_owned());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

fn reading(id: &str, code: &str, value: f64, unit: &str, at: &str) -> Value {
    json!({"message_id": id, "code": code, "value": value, "unit": unit, "at": at})
}

async fn devices_post_publish_and_triage(engine: Engine) {
    let prefix = format!("relais-test/{}", uuid_like());
    let env = [("RELAIS_MQTT_URL", "mqtt://127.0.0.1:1883"), ("RELAIS_MQTT_TOPIC_PREFIX", prefix.as_str())];
    let h = Harness::start_with(engine, &[], &env).await;
    h.wait_for_log(|l| l.contains("MQTT: connected")).await;

    let nurse = h
        .create(&json!({"resourceType": "Practitioner", "name": [{"given": ["Camille"], "family": "Roy"}]}))
        .await;
    let nurse = nurse["id"].as_str().unwrap().to_owned();
    let colleague = h
        .create(&json!({"resourceType": "Practitioner", "name": [{"given": ["Samuel"], "family": "Côté"}]}))
        .await;
    let colleague = colleague["id"].as_str().unwrap().to_owned();
    let patient =
        h.create(&crate::support::patient("Gagné", "GAG-7")).await["id"].as_str().unwrap().to_owned();
    let yesterday = crate::browser::now().checked_sub(jiff::SignedDuration::from_hours(30)).unwrap();
    h.create(&json!({"resourceType": "CareTeam", "status": "active", "subject": {"reference": format!("Patient/{patient}")},
        "participant": [{"member": {"reference": format!("Practitioner/{nurse}")}}, {"member": {"reference": format!("Practitioner/{colleague}")}}]}))
    .await;
    h.create(&json!({"resourceType": "CarePlan", "status": "active", "intent": "plan",
        "instantiatesUri": ["urn:relais:program:heart-failure"], "subject": {"reference": format!("Patient/{patient}")},
        "period": {"start": yesterday.to_string()}}))
    .await;
    let device = h.create(&json!({"resourceType": "Device", "status": "active"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    h.create(&json!({"resourceType": "DeviceUseStatement", "status": "active",
        "subject": {"reference": format!("Patient/{patient}")}, "device": {"reference": format!("Device/{device}")}}))
    .await;
    let token = issue_token(&h, &device);

    // HTTP: no token, then a reading counted once, then clear errors.
    let at = crate::browser::now().checked_sub(jiff::SignedDuration::from_mins(30)).unwrap().to_string();
    let weight = reading("w-1", "29463-7", 70.2, "kg", &at).to_string();
    let (status, body) = post_readings(&h, None, &weight).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("token-missing")));
    let (status, body) = post_readings(&h, Some(&token), &weight).await;
    assert_eq!((status, body["results"][0]["status"].as_str()), (StatusCode::OK, Some("counted")), "{body}");
    let (_, again) = post_readings(&h, Some(&token), &weight).await;
    assert_eq!(again["results"][0]["status"], "duplicate");
    assert_eq!(again["results"][0]["observation"], body["results"][0]["observation"]);
    let (status, body) = post_readings(&h, Some(&token), "{not json").await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid-json")));
    let (status, body) = post_readings(&h, Some(&"z".repeat(43)), &weight).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("token-invalid")));
    let bad =
        json!({"message_id": "w-2", "code": "29463-7", "value": "heavy", "unit": "kg", "at": at}).to_string();
    let (status, body) = post_readings(&h, Some(&token), &bad).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["results"][0]["error"]["field"], "value", "{body}");

    // Two nurses open the triage dashboard; one listens for announcements.
    create_named_user(&h, "camille@cisss.example", "Camille Roy", "nurse", &["--practitioner-id", &nurse]);
    create_named_user(&h, "samuel@cisss.example", "Samuel Côté", "nurse", &["--practitioner-id", &colleague]);
    let (mut camille, _) = signed_in_staff(&h, "camille@cisss.example").await;
    let (mut samuel, _) = signed_in_staff(&h, "samuel@cisss.example").await;
    let empty = camille.get("/triage").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.body.contains("Aucune alerte ouverte."), "{}", empty.body);
    assert!(empty.body.contains(r#"<a href="/triage" aria-current="page">Triage</a>"#));
    let events = samuel.stream("/triage/events").await;

    // MQTT: a pulse of 120 published to the device's topic becomes a high alert.
    let sent = Instant::now();
    let pulse = json!({"token": token, "message_id": "p-1", "code": "8867-4", "value": 120, "unit": "/min", "at": at});
    publish(&format!("{prefix}/{device}/readings"), &pulse.to_string());
    let heard = crate::queues::next_event(events).await;
    assert!(heard.contains("event: change"), "{heard}");
    let mut rows = String::new();
    while sent.elapsed() < Duration::from_secs(10) {
        rows = samuel.get("/triage/rows").await.body;
        if rows.contains("Pouls au-dessus de 110") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!("MQTT publish → alert in the dashboard's rows: {} ms", sent.elapsed().as_millis());
    assert!(rows.contains("Pouls au-dessus de 110") && rows.contains("badge-high"), "{rows}");

    // Camille acknowledges; Samuel's rows show her as the owner.
    let page = camille.get("/triage").await;
    let task = page.body.split("id=\"ack-").nth(1).and_then(|r| r.split('"').next()).unwrap().to_owned();
    let acknowledged = camille.post(&format!("/triage/{task}/acknowledge"), &[("version", "1")]).await;
    assert_eq!(acknowledged.location.as_deref(), Some("/triage?done=acknowledged"));
    let rows = samuel.get("/triage/rows").await.body;
    assert!(rows.contains("Camille Roy") && !rows.contains(&format!("ack-{task}")), "{rows}");

    // Resolving without an outcome: refused, the reason next to the field, in French.
    let refused = camille
        .post(
            &format!("/triage/{task}/resolve"),
            &[("version", "2"), ("outcome", ""), ("note", "Rappel fait")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.by_id(&format!("outcome-{task}-error")), "Choisissez l’issue.");
    assert!(refused.body.contains("Rappel fait"), "what was typed is kept");
    let resolved = camille
        .post(
            &format!("/triage/{task}/resolve"),
            &[("version", "2"), ("outcome", "advice-given"), ("note", "Conseils")],
        )
        .await;
    assert_eq!(resolved.location.as_deref(), Some("/triage?done=resolved"));
    assert!(!samuel.get("/triage/rows").await.body.contains(&format!("task-{task}")));

    // The device hears back on its replies topic: one small JSON per reading, nothing else.
    let mut replies = Replies::subscribe(&format!("{prefix}/{device}/replies"));
    let again = json!({"token": token, "readings": [
        {"message_id": "p-1", "code": "8867-4", "value": 120, "unit": "/min", "at": at},
        {"message_id": "p-2", "code": "8867-4", "value": 400, "unit": "/min", "at": at},
        {"message_id": "p-3", "code": "8867-4", "value": 88, "unit": "/min", "at": at}]});
    publish(&format!("{prefix}/{device}/readings"), &again.to_string());
    let first =
        replies.try_next().unwrap_or_else(|| panic!("no reply; server logs: {:#?}", h.server().logs()));
    assert_eq!(first, json!({"message_id": "p-1", "outcome": "duplicate"}));
    let review = replies.next();
    assert_eq!((&review["message_id"], &review["outcome"]), (&json!("p-2"), &json!("review")), "{review}");
    assert!(review["reason"].is_string(), "{review}");
    assert_eq!(replies.next(), json!({"message_id": "p-3", "outcome": "counted"}));

    // A message that is not JSON is refused and counted, its content never logged.
    publish(&format!("{prefix}/{device}/readings"), "garbage 120 bpm");
    assert_eq!(replies.next(), json!({"message_id": null, "outcome": "error", "reason": "invalid-json"}));
    replies.stop();
    h.wait_for_log(|l| l.contains("MQTT: message refused") && l.contains("invalid-json")).await;
    assert!(!h.server().logs().iter().any(|l| l.contains("garbage 120")), "no payload in the logs");
    let metrics = reqwest::get(h.url("/metrics")).await.unwrap().text().await.unwrap();
    assert!(metrics.contains(r#"relais_mqtt_messages_refused_total{reason="invalid-json"} 1"#), "{metrics}");
    assert!(
        metrics.contains(r#"relais_device_readings_total{transport="mqtt",outcome="counted"} 2"#),
        "{metrics}"
    );
}

/// A topic part no other test run uses (the broker is shared).
fn uuid_like() -> String {
    format!("{:x}-{}", crate::browser::now().as_nanosecond(), std::process::id())
}
