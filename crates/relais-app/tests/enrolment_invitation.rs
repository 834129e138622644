//! The patient's invitation on enrolment, on real databases (SQLite and PostgreSQL) and a real
//! SMTP server: enrolling a patient whose record has an email address queues, in the enrolment's
//! transaction, a message in their language naming the program, what to measure and answer and
//! how often, and the link to "My readings", which the outbox sender delivers; a record without
//! an address is enrolled all the same and the answer says nobody was emailed; a refused
//! enrolment queues nothing, and one whose transaction fails leaves neither the email nor the
//! account link it would have carried.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use relais_app::mail::Outbox;
use relais_app::monitoring::Monitoring;
use relais_app::monitoring::enrolment::{DEVICE_SERIAL, Enrol};
use relais_app::monitoring::invitation::Invitation;
use relais_clinical::program::Catalog;
use relais_core::Clock;
use relais_testkit::{Engine, SmtpSink};
use serde_json::json;
use support::{Texts, World, nurse, put};

const KEY: [u8; 32] = [9; 32];

fn enrol(patient: &str, program: &str) -> Enrol {
    Enrol { patient: patient.into(), program: program.into(), devices: Vec::new() }
}

async fn an_enrolled_patient_is_emailed_what_to_measure_and_where(engine: Engine) {
    let world = World::new(engine).await;
    // Alice reads English and has an address; carol has none.
    put(
        &world.fhir,
        json!({"resourceType": "Patient", "id": "alice",
            "name": [{"family": "Martin", "given": ["Alice"]}],
            "communication": [{"language": {"coding": [{"code": "en"}]}, "preferred": true}],
            "telecom": [{"system": "phone", "value": "555-0100"}, {"system": "email", "value": "alice@example.org"}]}),
    )
    .await;
    let outbox = Outbox::new(&KEY, Arc::new(Texts), "https://relais.example/", Default::default());
    let monitoring =
        Monitoring::new(world.fhir.clone(), Arc::new(Catalog::defaults().unwrap())).with_outbox(outbox);
    let sink = SmtpSink::start().await;
    let mailer = support::mailer(&world, sink.port, &KEY);

    // Refused (another team's nurse): nothing written, nothing queued.
    let refused =
        monitoring.enrol_and_invite(&nurse(&world, "nurse2").await, &enrol("alice", "heart-failure")).await;
    assert_eq!(refused.unwrap_err().status(), 403);
    assert_eq!(mailer.deliver_due().await.unwrap(), 0);

    let done =
        monitoring.enrol_and_invite(&nurse(&world, "nurse1").await, &enrol("alice", "heart-failure")).await;
    let done = done.unwrap();
    assert_eq!(done.invitation, Invitation::Queued);
    assert!(world.fhir.read("CarePlan", &done.care_plan).await.is_ok());
    assert_eq!(mailer.deliver_due().await.unwrap(), 1);
    let mail = sink.wait_for(1, Duration::from_secs(5)).await.remove(0);
    assert_eq!(mail.to, ["alice@example.org"]);
    let body = mail.body().replace("\r\n", "\n");
    assert!(body.starts_with("[en] homecare-mail-enrolled-body"), "{body}");
    assert!(body.contains("name: Alice Martin"), "{body}");
    assert!(body.contains("program: Heart failure"), "in her language: {body}");
    assert!(body.contains("link: https://relais.example/my/readings"), "{body}");
    // What she is asked for, and how often: one line per form, the pressure's two values together.
    for item in [
        "[en] homecare-mail-item-daily\nwhat: Body weight",
        "[en] homecare-mail-item-daily\nwhat: Systolic blood pressure / Diastolic blood pressure",
        "[en] homecare-mail-item-daily\nwhat: Heart rate",
        "[en] homecare-mail-item-daily\nwhat: Oxygen saturation",
        "[en] homecare-mail-item-daily\nwhat: Your symptoms today",
    ] {
        assert!(body.contains(item), "{item} in {body}");
    }
    assert!(mail.data.contains("\r\nSubject: [en] "), "the subject, in her language: {}", mail.data);

    // No address: enrolled all the same, nobody emailed.
    let done =
        monitoring.enrol_and_invite(&nurse(&world, "nurse2").await, &enrol("carol", "copd")).await.unwrap();
    assert_eq!(done.invitation, Invitation::NoAddress);
    assert!(monitoring.enrolment_of(&nurse(&world, "nurse2").await, "carol").await.unwrap().is_some());
    assert_eq!(mailer.deliver_due().await.unwrap(), 0);

    // Without an outbox (the command line's use cases), nobody is emailed either.
    let quiet = Monitoring::new(world.fhir.clone(), Arc::new(Catalog::defaults().unwrap()));
    put(&world.fhir, support::care_team("t4", "bob", "nurse1", "active")).await;
    let done = quiet.enrol_and_invite(&nurse(&world, "nurse1").await, &enrol("bob", "copd")).await.unwrap();
    assert_eq!(done.invitation, Invitation::Off);
    world.close().await;
}

async fn a_failed_enrolment_leaves_no_email_and_no_account_link(engine: Engine) {
    let world = World::new(engine).await;
    put(
        &world.fhir,
        json!({"resourceType": "Patient", "id": "dave", "name": [{"family": "Roy", "given": ["Dave"]}],
            "telecom": [{"system": "email", "value": "dave@example.org"}]}),
    )
    .await;
    put(&world.fhir, support::care_team("t5", "dave", "nurse1", "active")).await;
    // Two records of the same serial number: the enrolment's conditional create of its Device
    // finds both, and the whole transaction is refused — after the invitation was prepared.
    for id in ["d1", "d2"] {
        put(
            &world.fhir,
            json!({"resourceType": "Device", "id": id, "status": "active",
                "identifier": [{"system": DEVICE_SERIAL, "value": "SN-TWICE"}]}),
        )
        .await;
    }
    let outbox = Outbox::new(&KEY, Arc::new(Texts), "https://relais.example/", Default::default());
    let monitoring =
        Monitoring::new(world.fhir.clone(), Arc::new(Catalog::defaults().unwrap())).with_outbox(outbox);
    let enrol = Enrol { patient: "dave".into(), program: "copd".into(), devices: vec!["SN-TWICE".into()] };
    let failed = monitoring.enrol_and_invite(&nurse(&world, "nurse1").await, &enrol).await;
    assert_eq!(failed.unwrap_err().status(), 412);
    assert!(monitoring.enrolment_of(&nurse(&world, "nurse1").await, "dave").await.unwrap().is_none());
    // No account link to Patient/dave exists (revoking finds none), and no email is queued.
    let mut tx = world.store.begin().await.unwrap();
    let open = tx.revoke_invitations_to("Patient/dave", world.clock.now()).await.unwrap();
    assert_eq!(open, 0, "an account link nobody was sent");
    // Dropped without a commit: rolled back, its connection back in the pool.
    drop(tx);
    let mailer = support::mailer(&world, 9, &KEY);
    assert_eq!(mailer.deliver_due().await.unwrap(), 0);
    world.close().await;
}

relais_testkit::engine_tests!(
    an_enrolled_patient_is_emailed_what_to_measure_and_where,
    a_failed_enrolment_leaves_no_email_and_no_account_link
);
