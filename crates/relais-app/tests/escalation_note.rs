//! The escalation note comes from the server's translations, in its default language (French),
//! on real databases: an urgent pulse not acknowledged in time is passed on, and the Task's note
//! is the `homecare-escalated-note` text with the minutes and who it went to.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;

use jiff::SignedDuration;
use relais_access::policy::Principal;
use relais_app::access::Caller;
use relais_app::mail::Outbox;
use relais_app::monitoring::Monitoring;
use relais_app::visits::MailTexts;
use relais_clinical::program::Catalog;
use relais_testkit::Engine;
use serde_json::json;
use support::readings::heart_rate;
use support::{World, put};

const BASE: &str = "http://relais.test/fhir";

/// Texts that show the key, the language and every argument.
struct Texts;

impl MailTexts for Texts {
    fn text(&self, locale: &str, key: &str, args: &[(&str, &str)]) -> String {
        let args: Vec<String> = args.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("[{locale}] {key} {}", args.join(" "))
    }
}

async fn the_escalation_note_is_translated(engine: Engine) {
    let world = World::new(engine).await;
    put(
        &world.fhir,
        json!({"resourceType": "CarePlan", "id": "hf-alice", "status": "active", "intent": "plan",
            "instantiatesUri": ["urn:relais:program:heart-failure"],
            "subject": {"reference": "Patient/alice"}, "period": {"start": "2026-11-25T00:00:00Z"}}),
    )
    .await;
    let outbox = Outbox::new(&[9; 32], Arc::new(Texts), "https://relais.example/", Default::default());
    let monitoring =
        Monitoring::new(world.fhir.clone(), Arc::new(Catalog::defaults().unwrap())).with_outbox(outbox);
    let scopes = relais_access::scopes::Scopes::parse("system/Observation.write", |_| true).unwrap();
    let gateway =
        Caller::new(Principal { id: "gateway".into(), scopes: Some(scopes), ..Principal::default() });
    let recorded = monitoring
        .record_reading(&gateway, &heart_rate("alice", 125.0, "2026-11-26T10:00:00Z"), None)
        .await
        .unwrap();
    let alert = recorded.alerts.iter().find(|a| a.rule == "hr-very-high").unwrap();
    world.clock.advance(SignedDuration::from_mins(31));
    assert_eq!(monitoring.tick().await.unwrap().escalated.len(), 1);
    let pairs = vec![("focus".to_owned(), format!("DetectedIssue/{}", alert.detected_issue))];
    let bundle = world.fhir.search("Task", &pairs, true, BASE).await.unwrap();
    let note = bundle["entry"][0]["resource"]["note"][0]["text"].as_str().unwrap().to_owned();
    assert_eq!(note, "[fr] homecare-escalated-note minutes=30 assignee=nurse-lead");
    world.close().await;
}

relais_testkit::engine_tests!(the_escalation_note_is_translated);
