//! Whether a patient has consented to a part of their care (telehealth, photos, a recording, a
//! device loan, sharing with other providers), read from their FHIR Consent resources
//! (domain.md §10.3), and the Consent written when they give it.
//!
//! The answer is taken afresh from the stored Consents at every check, so a withdrawal takes
//! effect at once: the use case asks before each video visit, photo upload or recording.
//!
//! Each Consent of the patient says, for the topics it names, "permit" or "deny" at a moment:
//! an `active` Consent at its `dateTime` (when it was given), an `inactive` one — withdrawn — at
//! its `meta.lastUpdated` (when it was withdrawn), a `rejected` one as a refusal. The latest
//! statement about a topic decides; at equal moments the more restrictive one does. Drafts,
//! proposals, Consents entered in error, other patients' Consents and those outside their
//! `provision.period` say nothing.

use jiff::Timestamp;
use serde_json::{Value, json};

/// Relais's code system for the topics a patient consents to. (`relais.invalid`: the project's
/// canonical base until it has a domain of its own.)
pub const TOPIC_SYSTEM: &str = "http://relais.invalid/fhir/CodeSystem/consent-topic";

/// What a consent is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Topic {
    /// Care at a distance and its limits (video visits, remote monitoring).
    Telehealth,
    /// Clinical photographs (wounds, skin).
    Photos,
    /// Recording a visit or a hearing.
    Recording,
    /// Lending a measuring device.
    DeviceLoan,
    /// Sharing the record with other providers.
    Sharing,
}

const TOPICS: [(Topic, &str); 5] = [
    (Topic::Telehealth, "telehealth"),
    (Topic::Photos, "photos"),
    (Topic::Recording, "recording"),
    (Topic::DeviceLoan, "device-loan"),
    (Topic::Sharing, "sharing"),
];

impl Topic {
    pub fn all() -> impl Iterator<Item = Topic> {
        TOPICS.iter().map(|(t, _)| *t)
    }

    /// Stable code in [`TOPIC_SYSTEM`].
    pub fn code(self) -> &'static str {
        TOPICS.iter().find(|(t, _)| *t == self).map_or("", |(_, c)| c)
    }

    pub fn from_code(code: &str) -> Option<Topic> {
        TOPICS.iter().find(|(_, c)| *c == code).map(|(t, _)| *t)
    }
}

/// Where a patient stands on one topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsentStatus {
    /// Given, by Consent `consent`, on the information text `policy` (its URI).
    Granted { consent: String, policy: Option<String> },
    /// Given, but on another version of the information text than the one now required: ask
    /// again.
    Outdated { consent: String, policy: Option<String> },
    /// Refused by Consent `consent`.
    Refused { consent: String },
    /// Withdrawn: Consent `consent` is no longer in force.
    Withdrawn { consent: String },
    /// Never asked, or nothing in force.
    Missing,
}

impl ConsentStatus {
    /// Whether the care may go ahead.
    pub fn allows(&self) -> bool {
        matches!(self, ConsentStatus::Granted { .. })
    }

    /// Stable code, for errors (`consent-missing`…) and the audit trail.
    pub fn code(&self) -> &'static str {
        match self {
            ConsentStatus::Granted { .. } => "consent-granted",
            ConsentStatus::Outdated { .. } => "consent-outdated",
            ConsentStatus::Refused { .. } => "consent-refused",
            ConsentStatus::Withdrawn { .. } => "consent-withdrawn",
            ConsentStatus::Missing => "consent-missing",
        }
    }
}

/// One Consent's word on a topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Effect {
    // Ordered from least to most restrictive: at equal moments the greatest wins.
    Permit,
    Deny,
    Withdrawn,
}

/// Where `patient` stands on `topic` at `now`, from their Consents (stored JSON). With
/// `required_policy`, a consent given on another information text is [`ConsentStatus::Outdated`].
pub fn status(
    consents: &[Value],
    patient: &str,
    topic: Topic,
    required_policy: Option<&str>,
    now: Timestamp,
) -> ConsentStatus {
    let reference = format!("Patient/{patient}");
    let mut latest: Option<(Timestamp, Effect, &Value)> = None;
    for consent in consents {
        if consent.get("resourceType").and_then(Value::as_str) != Some("Consent")
            || consent.pointer("/patient/reference").and_then(Value::as_str) != Some(reference.as_str())
            || !about_care(consent)
        {
            continue;
        }
        let Some((at, effect)) = statement(consent, topic, now) else { continue };
        let newer = latest.as_ref().is_none_or(|(t, e, _)| (at, effect) > (*t, *e));
        if newer {
            latest = Some((at, effect, consent));
        }
    }
    let Some((_, effect, consent)) = latest else { return ConsentStatus::Missing };
    let id = consent.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
    match effect {
        Effect::Deny => ConsentStatus::Refused { consent: id },
        Effect::Withdrawn => ConsentStatus::Withdrawn { consent: id },
        Effect::Permit => {
            let policy = consent.pointer("/policy/0/uri").and_then(Value::as_str).map(str::to_owned);
            match required_policy {
                Some(required) if policy.as_deref() != Some(required) => {
                    ConsentStatus::Outdated { consent: id, policy }
                }
                _ => ConsentStatus::Granted { consent: id, policy },
            }
        }
    }
}

/// The FHIR code system of a Consent's `scope`.
const SCOPE_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/consentscope";

/// Whether `consent` is about the patient's care (scope `treatment`, or no scope said). A
/// privacy Consent — what the patient shares with a caregiver (`patient-privacy`) — or one about
/// research or an advance directive says nothing about agreeing to care at a distance, even
/// when its provision names no topic.
fn about_care(consent: &Value) -> bool {
    let scopes: Vec<&str> = consent
        .pointer("/scope/coding")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|c| c.get("system").and_then(Value::as_str) == Some(SCOPE_SYSTEM))
        .filter_map(|c| c.get("code").and_then(Value::as_str))
        .collect();
    scopes.is_empty() || scopes.contains(&"treatment")
}

/// What `consent` says about `topic` at `now`, and from when; `None` if nothing.
fn statement(consent: &Value, topic: Topic, now: Timestamp) -> Option<(Timestamp, Effect)> {
    let instant = |pointer: &str| consent.pointer(pointer).and_then(Value::as_str).and_then(parse_instant);
    let given = instant("/dateTime").or_else(|| instant("/meta/lastUpdated"))?;
    let root = consent.get("provision")?;
    let said = provision_effect(root, topic)?;
    match consent.get("status").and_then(Value::as_str)? {
        "active" => within(root, now).then_some((given, said)),
        // Withdrawn from the moment it was made inactive (its last update).
        "inactive" => Some((instant("/meta/lastUpdated").unwrap_or(given), Effect::Withdrawn)),
        "rejected" => Some((given, Effect::Deny)),
        _ => None,
    }
}

/// The effect of a provision on `topic`: a nested provision (one level) naming the topic is an
/// exception that decides; otherwise the provision decides if it names the topic, or names no
/// topic at all (then it covers every one).
fn provision_effect(provision: &Value, topic: Topic) -> Option<Effect> {
    let effect_of = |p: &Value, otherwise: Effect| match p.get("type").and_then(Value::as_str) {
        Some("deny") => Effect::Deny,
        Some("permit") => Effect::Permit,
        _ => otherwise,
    };
    let own = effect_of(provision, Effect::Permit);
    let exception = provision
        .get("provision")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|inner| topic_codes(inner).contains(&topic.code()));
    if let Some(inner) = exception {
        return Some(effect_of(inner, own));
    }
    let codes = topic_codes(provision);
    (codes.is_empty() || codes.contains(&topic.code())).then_some(own)
}

/// The topic codes a provision names.
fn topic_codes(provision: &Value) -> Vec<&str> {
    provision
        .get("code")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|concept| concept.get("coding").and_then(Value::as_array).into_iter().flatten())
        .filter(|coding| coding.get("system").and_then(Value::as_str) == Some(TOPIC_SYSTEM))
        .filter_map(|coding| coding.get("code").and_then(Value::as_str))
        .collect()
}

/// Whether `now` is inside the provision's period (no period: always).
fn within(provision: &Value, now: Timestamp) -> bool {
    let bound = |key: &str| {
        provision.pointer(&format!("/period/{key}")).and_then(Value::as_str).and_then(parse_instant)
    };
    bound("start").is_none_or(|start| start <= now) && bound("end").is_none_or(|end| now < end)
}

/// An instant, or a date taken at its start (UTC).
fn parse_instant(text: &str) -> Option<Timestamp> {
    if let Ok(at) = text.parse::<Timestamp>() {
        return Some(at);
    }
    let date = text.parse::<jiff::civil::Date>().ok()?;
    jiff::tz::TimeZone::UTC.to_timestamp(date.to_datetime(jiff::civil::Time::midnight())).ok()
}

/// The Consent a patient gives (or their representative, `signer`, a `RelatedPerson/…` or
/// `Patient/…` reference) for `topics`, on the information text at `policy` (a URI naming its
/// version), at `now`.
pub fn consent_resource(
    patient: &str,
    topics: &[Topic],
    policy: &str,
    signer: &str,
    now: Timestamp,
) -> Value {
    let codes: Vec<Value> =
        topics.iter().map(|t| json!({"coding": [{"system": TOPIC_SYSTEM, "code": t.code()}]})).collect();
    json!({
        "resourceType": "Consent",
        "status": "active",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "treatment"}]},
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"}]}],
        "patient": {"reference": format!("Patient/{patient}")},
        "dateTime": now.to_string(),
        "performer": [{"reference": signer}],
        "policy": [{"uri": policy}],
        "provision": {"type": "permit", "code": codes}
    })
}

#[cfg(test)]
#[path = "consent_tests.rs"]
mod tests;
