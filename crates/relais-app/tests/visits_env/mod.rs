//! The world of the visits tests: a database on either engine, the visits service with the real
//! outbox sender and a local SMTP sink, a clock the test moves, and readers of a `.ics` entry.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::support::{Texts, World, put};
use jiff::SignedDuration;
use relais_access::policy::{Principal, Role};
use relais_app::access::{Caller, Identity, grants_for};
use relais_app::mail::Mailer;
use relais_app::visits::{ConsentRule, VisitSettings, Visits};
use relais_core::Clock;
use relais_testkit::{Engine, SmtpSink};
use serde_json::{Value, json};

pub const KEY: [u8; 32] = [7; 32];
pub const POLICY: &str = "https://relais.example/consent/telehealth/v2";

pub fn settings(consent_required: bool) -> VisitSettings {
    VisitSettings {
        public_url: "https://relais.example".into(),
        time_zone: jiff::tz::TimeZone::get("America/Toronto").unwrap(),
        reminder_leads: vec![SignedDuration::from_hours(24), SignedDuration::from_hours(1)],
        consent: ConsentRule {
            required_by_default: true,
            services: BTreeMap::from([("teleconsultation".to_owned(), consent_required)]),
        },
        consent_policy: POLICY.into(),
        organizer: "relais@cisss.example".into(),
    }
}

pub struct Env {
    pub world: World,
    pub visits: Visits,
    pub nurse: Caller,
    pub sink: SmtpSink,
    pub mailer: Mailer,
}

impl Env {
    pub async fn new(engine: Engine, consent_required: bool) -> Env {
        let world = World::new(engine).await;
        let alice = json!({"resourceType": "Patient", "id": "alice", "name": [{"family": "Gagné", "given": ["Alice"]}],
            "telecom": [{"system": "email", "value": "alice@courriel.example"}]});
        put(&world.fhir, alice).await;
        put(&world.fhir, json!({"resourceType": "Schedule", "id": "s1", "active": true,
            "serviceType": [{"coding": [{"system": "http://relais.invalid/fhir/CodeSystem/service", "code": "teleconsultation"}],
                "text": "Visite vidéo"}],
            "actor": [{"reference": "Practitioner/nurse1", "display": "Inf. Lavoie"}],
            "comment": "Visite vidéo de suivi"}))
        .await;
        for (id, start, end) in [
            ("slot-a", "2026-11-28T15:00:00Z", "2026-11-28T15:30:00Z"),
            ("slot-b", "2026-11-29T15:00:00Z", "2026-11-29T15:30:00Z"),
            ("slot-c", "2026-11-30T15:00:00Z", "2026-11-30T15:30:00Z"),
        ] {
            put(
                &world.fhir,
                json!({"resourceType": "Slot", "id": id, "schedule": {"reference": "Schedule/s1"},
                "status": "free", "start": start, "end": end}),
            )
            .await;
        }
        let identity = Identity {
            roles: BTreeSet::from([Role::Nurse]),
            practitioner: Some("nurse1".into()),
            ..Identity::default()
        };
        let grants = grants_for(world.store.as_ref(), &world.params, &identity).await.unwrap();
        let nurse = Caller::new(Principal {
            id: "acct-nurse1".into(),
            roles: identity.roles.clone(),
            grants,
            scopes: None,
        });
        let visits = Visits::new(
            world.fhir.clone(),
            &KEY,
            Arc::new(Texts),
            settings(consent_required),
            Default::default(),
        );
        let sink = SmtpSink::start().await;
        let mailer = crate::support::mailer(&world, sink.port, &KEY);
        Env { world, visits, nurse, sink, mailer }
    }

    pub async fn read(&self, resource_type: &str, id: &str) -> Value {
        let row = self.world.fhir.read(resource_type, id).await.unwrap();
        serde_json::from_str(row.content.as_deref().unwrap()).unwrap()
    }

    pub fn advance_to(&self, at: &str) {
        let target: jiff::Timestamp = at.parse().unwrap();
        self.world.clock.advance(target.duration_since(self.world.clock.now()));
    }
}

/// The unfolded content lines of an `.ics`, as `NAME(;params)` → value.
pub fn ics_fields(ics: &str) -> Vec<(String, String)> {
    assert!(ics.contains("\r\n"), "CRLF line ends");
    ics.replace("\r\n ", "")
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (name, value) = l.split_once(':').unwrap_or_else(|| panic!("not a content line: {l}"));
            (name.to_owned(), value.to_owned())
        })
        .collect()
}

pub fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(n, _)| n == name || n.starts_with(&format!("{name};")))
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} in {fields:?}"))
}
