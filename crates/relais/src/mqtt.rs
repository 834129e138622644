//! Home devices' readings over MQTT: a client of an external broker (Mosquitto, or NATS's MQTT
//! listener), subscribed to `{prefix}/+/readings` — one topic per device. Each message is the
//! compact JSON of `POST /devices/readings` carrying the device's token (`"token": "…"`), and
//! is recorded through the same use case (`relais_app::devices`): the token, not the topic,
//! says which device and patient it is; the topic must name the token's device.
//!
//! The connection is kept up with backoff (1 s doubling to 60 s); the subscription is renewed on
//! every connection. Messages are handed to one worker in arrival order, so a slow database never
//! stops the client from answering the broker's keep-alives. A refused message is logged by its
//! reason code only (never its content) and counted in `relais_mqtt_messages_refused_total`.
//!
//! Each message is answered on `{prefix}/{device}/replies` (QoS 1, not retained), one small JSON
//! per reading: `{"message_id": "p-1", "outcome": "counted"}`, `"duplicate"`, `"review"` or
//! `"error"` with `"reason"` (a stable code). A message refused whole (not JSON, a bad token)
//! gets one reply with `"message_id": null`. Nothing but the device's own message id and our
//! codes goes back: no value, no patient, no observation id.

use std::time::Duration;

use anyhow::{Context, bail};
use relais_app::devices::{Devices, ItemOutcome, Submitted};
use rumqttc::{AsyncClient, Broker, Event, MqttOptions, Packet, PublishOptions, QoS, Transport};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::settings::Settings;

/// Messages waiting for the worker; beyond this the client waits (the broker holds the rest).
const QUEUE: usize = 1024;
const FIRST_RETRY: Duration = Duration::from_secs(1);
const LAST_RETRY: Duration = Duration::from_secs(60);
/// The largest message accepted (a hundred readings fit in well under this).
const MAX_MESSAGE_BYTES: u32 = 256 * 1024;

/// Where to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BrokerUrl {
    pub host: String,
    pub port: u16,
    pub tls: bool,
}

/// Reads `mqtt://host[:port]` or `mqtts://host[:port]`.
pub(crate) fn parse_url(url: &str) -> anyhow::Result<BrokerUrl> {
    let (tls, rest) = if let Some(rest) = url.strip_prefix("mqtts://") {
        (true, rest)
    } else if let Some(rest) = url.strip_prefix("mqtt://") {
        (false, rest)
    } else {
        bail!("mqtt_url must start with mqtt:// or mqtts://");
    };
    let rest = rest.trim_end_matches('/');
    if rest.contains('@') || rest.contains('/') || rest.contains('?') {
        bail!("mqtt_url is mqtt://host:port (the login goes in mqtt_username and mqtt_password)");
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (host, port.parse::<u16>().context("mqtt_url: the port is not a number")?),
        None => (rest, if tls { 8883 } else { 1883 }),
    };
    if host.is_empty() {
        bail!("mqtt_url names no host");
    }
    Ok(BrokerUrl { host: host.to_owned(), port, tls })
}

/// The device a topic `{prefix}/{device}/readings` names.
pub(crate) fn topic_device<'a>(prefix: &str, topic: &'a str) -> Option<&'a str> {
    let device = topic.strip_prefix(prefix)?.strip_prefix('/')?.strip_suffix("/readings")?;
    (!device.is_empty() && !device.contains('/')).then_some(device)
}

/// Starts the MQTT client if `mqtt_url` is set; `None` when MQTT is off.
pub(crate) fn start(settings: &Settings, devices: Devices) -> anyhow::Result<Option<JoinHandle<()>>> {
    if settings.mqtt_url.trim().is_empty() {
        return Ok(None);
    }
    let url = parse_url(settings.mqtt_url.trim())?;
    let prefix = settings.mqtt_topic_prefix.trim_matches('/').to_owned();
    if prefix.is_empty() || prefix.contains(['+', '#']) {
        bail!("mqtt_topic_prefix must be a topic without wildcards, e.g. relais/devices");
    }
    let client_id = format!("relais-{}", uuid_suffix());
    let mut options = MqttOptions::new(client_id, Broker::tcp(url.host.clone(), url.port));
    options.set_keep_alive(30);
    options.set_max_packet_size(Some(MAX_MESSAGE_BYTES));
    if url.tls {
        options.set_transport(
            Transport::try_tls_with_default_config().context("cannot set up TLS to the broker")?,
        );
    }
    if !settings.mqtt_username.is_empty() {
        options.set_credentials(settings.mqtt_username.clone(), settings.mqtt_password.clone());
    }
    let (client, events) = AsyncClient::builder(options).build();
    let (queue, inbox) = mpsc::channel(QUEUE);
    let worker = tokio::spawn(work(inbox, devices, prefix.clone(), client.clone()));
    let filter = format!("{prefix}/+/readings");
    tracing::info!(host = %url.host, port = url.port, tls = url.tls, topics = %filter, "MQTT: connecting");
    Ok(Some(tokio::spawn(async move {
        listen(client, events, filter, queue).await;
        worker.abort();
    })))
}

/// A short random part of the client id, so two nodes never knock each other off the broker.
fn uuid_suffix() -> String {
    relais_access::token::Token::generate().map(|t| t.as_str().chars().take(12).collect()).unwrap_or_default()
}

async fn listen(
    client: AsyncClient,
    mut events: rumqttc::EventLoop,
    filter: String,
    queue: mpsc::Sender<(String, Vec<u8>)>,
) {
    let mut retry = FIRST_RETRY;
    loop {
        match events.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                retry = FIRST_RETRY;
                metrics::counter!("relais_mqtt_connections_total").increment(1);
                tracing::info!("MQTT: connected; subscribing");
                if let Err(e) = client.try_subscribe(filter.clone(), QoS::AtLeastOnce) {
                    tracing::error!(error = %e, "MQTT: cannot subscribe");
                }
            }
            Ok(Event::Incoming(Packet::Publish(publish))) => {
                let topic = String::from_utf8_lossy(&publish.topic).into_owned();
                if queue.send((topic, publish.payload.to_vec())).await.is_err() {
                    return;
                }
            }
            Ok(_) => {}
            Err(e) => {
                metrics::counter!("relais_mqtt_disconnections_total").increment(1);
                tracing::warn!(error = %e, retry_secs = retry.as_secs(), "MQTT: connection lost; retrying");
                tokio::time::sleep(retry).await;
                retry = (retry * 2).min(LAST_RETRY);
            }
        }
    }
}

async fn work(
    mut inbox: mpsc::Receiver<(String, Vec<u8>)>,
    devices: Devices,
    prefix: String,
    client: AsyncClient,
) {
    while let Some((topic, payload)) = inbox.recv().await {
        let Some(device) = topic_device(&prefix, &topic) else {
            refused("topic");
            continue;
        };
        let replies = match devices.submit(None, &payload, Some(device), None).await {
            Ok(submitted) => {
                relais_web::count_device_readings("mqtt", &submitted);
                let refusals: Vec<&str> = submitted
                    .results
                    .iter()
                    .filter_map(|(_, o)| match o {
                        ItemOutcome::Refused(e) => Some(e.code),
                        _ => None,
                    })
                    .collect();
                if !refusals.is_empty() {
                    tracing::warn!(reasons = ?refusals, "MQTT: readings refused");
                }
                replies_of(&submitted)
            }
            Err(e) => {
                if e.status() >= 500 {
                    tracing::error!(error = ?e, "MQTT: readings could not be recorded");
                }
                refused(e.code());
                vec![reply(None, "error", Some(e.code()))]
            }
        };
        let reply_topic = format!("{prefix}/{device}/replies");
        for body in replies {
            // Never waits: the client's event loop may itself be waiting for this worker.
            if client
                .try_publish(reply_topic.as_str(), body.to_string(), PublishOptions::at_least_once())
                .is_err()
            {
                metrics::counter!("relais_mqtt_replies_dropped_total").increment(1);
                tracing::warn!("MQTT: a reply could not be queued");
            }
        }
    }
}

/// One reply: the device's message id (as it sent it), the outcome and, for a review or an
/// error, the reason's code.
fn reply(message_id: Option<&str>, outcome: &str, reason: Option<&str>) -> Value {
    let mut body = json!({"message_id": message_id, "outcome": outcome});
    if let Some(reason) = reason {
        body["reason"] = json!(reason);
    }
    body
}

/// The replies to a recorded message, one per reading, in the order sent.
fn replies_of(submitted: &Submitted) -> Vec<Value> {
    submitted
        .results
        .iter()
        .map(|(id, outcome)| match outcome {
            ItemOutcome::Counted { .. } => reply(id.as_deref(), "counted", None),
            ItemOutcome::Duplicate { .. } => reply(id.as_deref(), "duplicate", None),
            ItemOutcome::Review { code, .. } => reply(id.as_deref(), "review", Some(code)),
            ItemOutcome::Refused(e) => reply(id.as_deref(), "error", Some(e.code)),
        })
        .collect()
}

fn refused(reason: &'static str) {
    metrics::counter!("relais_mqtt_messages_refused_total", "reason" => reason).increment(1);
    tracing::warn!(reason, "MQTT: message refused");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_urls_and_topics() {
        let plain = BrokerUrl { host: "127.0.0.1".into(), port: 1883, tls: false };
        assert_eq!(parse_url("mqtt://127.0.0.1:1883").unwrap(), plain);
        assert_eq!(parse_url("mqtt://127.0.0.1").unwrap(), plain);
        assert_eq!(parse_url("mqtts://broker.example.org").unwrap().port, 8883);
        for bad in ["http://x", "mqtt://", "mqtt://u:p@host", "mqtt://host:port", "mqtt://h/x"] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
        assert_eq!(topic_device("relais/devices", "relais/devices/scale-1/readings"), Some("scale-1"));
        for other in [
            "relais/devices//readings",
            "relais/devices/a/b/readings",
            "relais/other/a/readings",
            "relais/devices/a",
        ] {
            assert_eq!(topic_device("relais/devices", other), None, "{other}");
        }
    }

    #[test]
    fn replies_carry_the_message_id_the_outcome_and_a_reason_code_only() {
        let submitted = Submitted {
            device: "d".into(),
            results: vec![
                (
                    Some("p-1".into()),
                    ItemOutcome::Counted { observation: "o1".into(), alerts: 1, advice: vec![] },
                ),
                (Some("p-1".into()), ItemOutcome::Duplicate { observation: "o1".into() }),
                (
                    Some("p-2".into()),
                    ItemOutcome::Review {
                        observation: "o2".into(),
                        code: "implausible",
                        reason: "400 /min".into(),
                    },
                ),
                (
                    None,
                    ItemOutcome::Refused(relais_app::devices::payload::ItemError {
                        code: "value-invalid",
                        field: "value",
                        message: "heavy".into(),
                    }),
                ),
            ],
        };
        let replies: Vec<String> = replies_of(&submitted).iter().map(Value::to_string).collect();
        assert_eq!(
            replies,
            [
                r#"{"message_id":"p-1","outcome":"counted"}"#,
                r#"{"message_id":"p-1","outcome":"duplicate"}"#,
                r#"{"message_id":"p-2","outcome":"review","reason":"implausible"}"#,
                r#"{"message_id":null,"outcome":"error","reason":"value-invalid"}"#,
            ]
        );
    }
}
