//! The teleconsultation pathway through its use cases, on SQLite and PostgreSQL, with the real
//! outbox sender delivering to a real local SMTP server and the clock moved by the test:
//! booking (the slot busy in the same transaction, double booking refused), the invitation with
//! its calendar entry, reminders sent once each when due, a guest's own invitation, cancelling,
//! the consent gate, and the visit as an Encounter with its note.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
mod visits_env;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use jiff::SignedDuration;
use relais_access::policy::{Principal, Role};
use relais_app::access::Caller;
use relais_app::invitations::Invitations;
use relais_app::visits::{Ending, Guest, GuestRole, NewSlots, VisitError, Visits};
use relais_core::SequentialIds;
use relais_testkit::Engine;
use serde_json::json;
use support::{Texts, put};
use visits_env::*;

async fn booking_sends_the_invitation_and_each_reminder_once(engine: Engine) {
    let env = Env::new(engine, true).await;
    let booked = env.visits.book(&env.nurse, "slot-a", "alice").await.unwrap();
    assert!(booked.emailed);
    let slot = env.read("Slot", "slot-a").await;
    assert_eq!(slot["status"], "busy", "the slot is taken in the booking's transaction");
    let appointment = env.read("Appointment", &booked.appointment).await;
    assert_eq!(appointment["status"], "booked");
    assert_eq!(appointment["start"], "2026-11-28T15:00:00Z");
    assert_eq!(appointment["slot"][0]["reference"], "Slot/slot-a");
    assert_eq!(appointment["participant"][0]["actor"]["reference"], "Patient/alice");
    assert_eq!(appointment["participant"][1]["actor"]["reference"], "Practitioner/nurse1");

    let again = env.visits.book(&env.nurse, "slot-a", "alice").await.unwrap_err();
    assert!(matches!(again, VisitError::SlotTaken), "{again:?}");
    assert_eq!((again.code(), again.status()), ("visit-slot-taken", 409));
    let stranger = env.visits.book(&env.nurse, "slot-b", "carol").await.unwrap_err();
    assert_eq!(stranger.code(), "visit-patient-not-found", "carol is not in nurse1's care");
    assert_eq!(env.read("Slot", "slot-b").await["status"], "free", "nothing written");

    let outbox = env.world.store.outbox().await.unwrap();
    assert_eq!(outbox.len(), 3, "the invitation and two reminders, queued with the booking");
    assert!(outbox.iter().all(|e| !e.body_sealed.as_deref().unwrap().contains("alice")), "sealed at rest");

    assert_eq!(env.mailer.deliver_due().await.unwrap(), 1, "the reminders are not due yet");
    let mail = env.sink.wait_for(1, Duration::from_secs(5)).await.remove(0);
    assert_eq!(mail.to, ["alice@courriel.example"]);
    let text = mail.part("text/plain").expect("a text part");
    assert!(text.starts_with("[fr] visit-mail-invitation-body"), "French by default: {text}");
    assert!(text.contains("when: 2026-11-28 10:00"), "local time (Toronto): {text}");
    let link = mail.link_containing("/i/").expect("the join link");
    assert!(link.starts_with("https://relais.example/i/"));
    let ics = mail.part("text/calendar").expect("the .ics attachment");
    assert!(mail.data.contains("method=REQUEST"), "the calendar part says it is a request");
    let fields = ics_fields(&ics);
    assert_eq!(field(&fields, "BEGIN"), "VCALENDAR");
    assert_eq!(field(&fields, "METHOD"), "REQUEST");
    assert_eq!(field(&fields, "UID"), format!("appointment-{}@relais.example", booked.appointment));
    assert_eq!(field(&fields, "DTSTART"), "20261128T150000Z");
    assert_eq!(field(&fields, "DTEND"), "20261128T153000Z");
    assert_eq!(field(&fields, "SUMMARY"), "Visite vidéo de suivi");
    assert_eq!(field(&fields, "URL"), link);
    assert_eq!(field(&fields, "ATTENDEE"), "mailto:alice@courriel.example");

    // The link opens this appointment, for this patient.
    let invitations = Invitations::new(
        env.world.store.clone(),
        env.world.clock.clone(),
        Arc::new(SequentialIds::new("i")),
        "https://relais.example",
    );
    let token = link.rsplit('/').next().unwrap();
    let pass = invitations.redeem(token, None).await.unwrap();
    assert_eq!(
        (pass.target.as_str(), pass.patient.as_deref()),
        (format!("Appointment/{}", booked.appointment).as_str(), Some("alice"))
    );

    env.advance_to("2026-11-27T15:00:00Z");
    assert_eq!(env.mailer.deliver_due().await.unwrap(), 1, "the 24 h reminder");
    assert_eq!(env.mailer.deliver_due().await.unwrap(), 0, "not twice");
    env.advance_to("2026-11-28T14:10:00Z");
    assert_eq!(env.mailer.deliver_due().await.unwrap(), 1, "the 1 h reminder");
    assert_eq!(env.mailer.deliver_due().await.unwrap(), 0);
    let received = env.sink.wait_for(3, Duration::from_secs(5)).await;
    assert_eq!(received.len(), 3);
    for reminder in &received[1..] {
        let text = reminder.part("text/plain").unwrap();
        assert!(text.starts_with("[fr] visit-mail-reminder-body"), "{text}");
        assert_eq!(reminder.link_containing("/i/").as_deref(), Some(link.as_str()), "the same join link");
    }
    assert!(received[1].part("text/plain").unwrap().contains("lead: 24 h"));
    assert!(received[2].part("text/plain").unwrap().contains("lead: 1 h"));
    env.world.close().await;
}

async fn a_guest_gets_their_own_invitation_and_cancelling_frees_the_slot(engine: Engine) {
    let env = Env::new(engine, true).await;
    let booked = env.visits.book(&env.nurse, "slot-b", "alice").await.unwrap();
    let guest = Guest {
        name: "Sam Interprète".into(),
        email: "sam@interpretes.example".into(),
        role: GuestRole::Interpreter,
        locale: "en".into(),
    };
    let bad = Guest { email: "sam at interpretes".into(), ..guest.clone() };
    let refused = env.visits.invite_guest(&env.nurse, &booked.appointment, &bad).await.unwrap_err();
    assert_eq!((refused.code(), refused.field()), ("visit-guest-email-invalid", Some("email")));
    env.visits.invite_guest(&env.nurse, &booked.appointment, &guest).await.unwrap();
    let appointment = env.read("Appointment", &booked.appointment).await;
    assert_eq!(appointment["participant"][2]["actor"]["display"], "Sam Interprète");
    assert_eq!(
        appointment["participant"][2]["actor"]["identifier"]["value"],
        "mailto:sam@interpretes.example"
    );
    // The booking page shows what is booked in each slot.
    let slots = env.visits.slots(&env.nurse, "s1").await.unwrap();
    let shown: Vec<_> = slots
        .iter()
        .map(|s| {
            (s.id.as_str(), s.status.as_str(), s.appointment.as_ref().map(|a| (a.0.as_str(), a.2.as_str())))
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("slot-a", "free", None),
            ("slot-b", "busy", Some((booked.appointment.as_str(), "Alice Gagné"))),
            ("slot-c", "free", None)
        ]
    );
    assert_eq!(env.mailer.deliver_due().await.unwrap(), 2, "the patient's and the interpreter's invitations");
    let mails = env.sink.wait_for(2, Duration::from_secs(5)).await;
    let to_guest = mails.iter().find(|m| m.to == ["sam@interpretes.example"]).expect("the guest's email");
    assert!(to_guest.part("text/plain").unwrap().starts_with("[en] visit-mail-invitation-body"));
    let links: BTreeSet<_> = mails.iter().map(|m| m.link_containing("/i/").unwrap()).collect();
    assert_eq!(links.len(), 2, "each invitee has their own link");
    assert!(to_guest.part("text/calendar").is_some());

    env.visits.cancel(&env.nurse, &booked.appointment).await.unwrap();
    assert_eq!(env.read("Slot", "slot-b").await["status"], "free", "cancelling frees the slot");
    assert_eq!(env.read("Appointment", &booked.appointment).await["status"], "cancelled");
    let twice = env.visits.cancel(&env.nurse, &booked.appointment).await.unwrap_err();
    assert_eq!(twice.code(), "visit-cancelled");
    let unsent: Vec<_> =
        env.world.store.outbox().await.unwrap().into_iter().filter(|e| e.sent_at.is_none()).collect();
    assert_eq!(unsent.len(), 2, "the reminders are withdrawn; the cancellations are queued");
    env.advance_to("2026-11-29T14:30:00Z");
    assert_eq!(env.mailer.deliver_due().await.unwrap(), 2, "only the cancellations, never a reminder");
    let mails = env.sink.wait_for(4, Duration::from_secs(5)).await;
    let cancellation =
        mails[2..].iter().find(|m| m.to == ["alice@courriel.example"]).expect("the patient is told");
    let fields = ics_fields(&cancellation.part("text/calendar").unwrap());
    assert_eq!(field(&fields, "METHOD"), "CANCEL");
    assert_eq!(field(&fields, "UID"), format!("appointment-{}@relais.example", booked.appointment));
    let to_guest =
        mails[2..].iter().find(|m| m.to == ["sam@interpretes.example"]).expect("the guest is told");
    assert!(
        to_guest.part("text/plain").unwrap().starts_with("[en] visit-mail-cancel-body"),
        "in their language"
    );
    assert_eq!(field(&ics_fields(&to_guest.part("text/calendar").unwrap()), "METHOD"), "CANCEL");
    let invitations = Invitations::new(
        env.world.store.clone(),
        env.world.clock.clone(),
        Arc::new(SequentialIds::new("i")),
        "https://relais.example",
    );
    for link in links {
        let token = link.rsplit('/').next().unwrap();
        assert!(invitations.redeem(token, None).await.is_err(), "links of a cancelled visit no longer work");
    }
    env.world.close().await;
}

async fn the_consent_gate_and_the_visit(engine: Engine) {
    let env = Env::new(engine, true).await;
    let booked = env.visits.book(&env.nurse, "slot-a", "alice").await.unwrap();
    let id = booked.appointment.as_str();
    let missing = env.visits.start(&env.nurse, id).await.unwrap_err();
    assert_eq!((missing.code(), missing.status()), ("consent-missing", 409));
    let consent = env.visits.record_consent(&env.nurse, id).await.unwrap();
    let started = env.visits.start(&env.nurse, id).await.unwrap();
    assert_eq!(started.room, format!("/rooms/{id}"));
    let encounter = env.read("Encounter", &started.encounter).await;
    assert_eq!(encounter["status"], "in-progress");
    assert_eq!(encounter["class"]["code"], "VR");
    assert_eq!(encounter["period"]["start"], "2026-11-26T10:00:00Z");
    assert_eq!(encounter["appointment"][0]["reference"], format!("Appointment/{id}"));
    assert_eq!(env.read("Appointment", id).await["status"], "arrived");
    let rejoined = env.visits.start(&env.nurse, id).await.unwrap();
    assert_eq!(rejoined.encounter, started.encounter, "starting again rejoins the same visit");

    let empty = Ending { note: "  ".into(), outcome: "completed".into() };
    let refused = env.visits.end(&env.nurse, id, &empty).await.unwrap_err();
    assert_eq!((refused.code(), refused.field()), ("visit-note-required", Some("note")));
    let odd = Ending { note: "Va bien.".into(), outcome: "cured".into() };
    assert_eq!(env.visits.end(&env.nurse, id, &odd).await.unwrap_err().code(), "visit-outcome-invalid");
    env.world.clock.advance(SignedDuration::from_mins(25));
    let ending = Ending { note: "Œdème résolu; poursuivre le suivi.".into(), outcome: "follow-up".into() };
    let document = env.visits.end(&env.nurse, id, &ending).await.unwrap();
    let encounter = env.read("Encounter", &started.encounter).await;
    assert_eq!(encounter["status"], "finished");
    assert_eq!(encounter["period"]["end"], "2026-11-26T10:25:00Z");
    assert_eq!(env.read("Appointment", id).await["status"], "fulfilled");
    let note = env.read("DocumentReference", &document).await;
    assert_eq!(note["context"]["encounter"][0]["reference"], format!("Encounter/{}", started.encounter));
    assert_eq!(note["subject"]["reference"], "Patient/alice");
    assert_eq!(note["category"][0]["coding"][0]["code"], "follow-up");
    let data = note["content"][0]["attachment"]["data"].as_str().unwrap();
    let text = data_encoding::BASE64.decode(data.as_bytes()).unwrap();
    assert_eq!(String::from_utf8(text).unwrap(), "Œdème résolu; poursuivre le suivi.");

    // Withdrawn: refused at once for the next visit.
    let next = env.visits.book(&env.nurse, "slot-b", "alice").await.unwrap();
    let mut withdrawn = env.read("Consent", &consent).await;
    withdrawn["status"] = json!("inactive");
    env.world.clock.advance(SignedDuration::from_mins(1));
    put(&env.world.fhir, withdrawn).await;
    let refused = env.visits.start(&env.nurse, &next.appointment).await.unwrap_err();
    assert_eq!(refused.code(), "consent-withdrawn");
    assert_eq!(env.read("Appointment", &next.appointment).await["status"], "booked", "nothing started");

    // A service that does not require it starts without.
    let relaxed =
        Visits::new(env.world.fhir.clone(), &KEY, Arc::new(Texts), settings(false), Default::default());
    relaxed.start(&env.nurse, &next.appointment).await.expect("not required for this service");

    // A no-show, once the visit has begun.
    let third = env.visits.book(&env.nurse, "slot-c", "alice").await.unwrap();
    assert_eq!(env.visits.no_show(&env.nurse, &third.appointment).await.unwrap_err().code(), "visit-not-due");
    env.advance_to("2026-11-30T15:10:00Z");
    env.visits.no_show(&env.nurse, &third.appointment).await.unwrap();
    assert_eq!(env.read("Appointment", &third.appointment).await["status"], "noshow");
    assert_eq!(env.visits.start(&env.nurse, &third.appointment).await.unwrap_err().code(), "visit-finished");

    // Only care staff run visits.
    let caregiver = Caller::new(Principal {
        id: "acct-x".into(),
        roles: BTreeSet::from([Role::Caregiver]),
        ..Principal::default()
    });
    assert_eq!(env.visits.start(&caregiver, id).await.unwrap_err().code(), "visit-forbidden");
    env.world.close().await;
}

async fn clinicians_open_runs_of_slots_without_overlaps(engine: Engine) {
    let env = Env::new(engine, false).await;
    let form = |date: &str, time: &str, minutes: &str, count: &str| NewSlots {
        date: date.into(),
        time: time.into(),
        minutes: minutes.into(),
        count: count.into(),
    };
    // slot-a is 2026-11-28 10:00–10:30 in Toronto: three 20-minute slots from 09:00 end as it starts.
    let opened =
        env.visits.open_slots(&env.nurse, "s1", &form("2026-11-28", "09:00", "20", "3")).await.unwrap();
    assert_eq!(opened, 3);
    let refusals = [
        (form("2026-11-28", "09:30", "20", "1"), ("visit-slots-overlap", "time")),
        (form("2026-11-28", "10:20", "30", "1"), ("visit-slots-overlap", "time")),
        (form("2026-11-25", "09:00", "20", "1"), ("visit-slots-past", "time")),
        (form("28/11/2026", "09:00", "20", "1"), ("visit-slots-date-invalid", "date")),
        (form("2026-11-28", "9h", "20", "1"), ("visit-slots-time-invalid", "time")),
        (form("2026-11-28", "13:00", "3", "1"), ("visit-slots-minutes-invalid", "minutes")),
        (form("2026-11-28", "13:00", "20", "0"), ("visit-slots-count-invalid", "count")),
    ];
    for (typed, (code, field)) in refusals {
        let refused = env.visits.open_slots(&env.nurse, "s1", &typed).await.unwrap_err();
        assert_eq!((refused.code(), refused.field()), (code, Some(field)), "{typed:?}");
    }
    let missing = env.visits.open_slots(&env.nurse, "nope", &form("2026-11-28", "13:00", "20", "1")).await;
    assert_eq!(missing.unwrap_err().code(), "visit-slot-not-found");
    let caregiver = Caller::new(Principal {
        id: "acct-x".into(),
        roles: BTreeSet::from([Role::Caregiver]),
        ..Principal::default()
    });
    let forbidden = env.visits.open_slots(&caregiver, "s1", &form("2026-11-28", "13:00", "20", "1")).await;
    assert_eq!(forbidden.unwrap_err().code(), "visit-forbidden");

    let slots = env.visits.slots(&env.nurse, "s1").await.unwrap();
    let starts: Vec<String> = slots.iter().map(|s| s.start.unwrap().to_string()).collect();
    assert_eq!(
        starts,
        [
            "2026-11-28T14:00:00Z",
            "2026-11-28T14:20:00Z",
            "2026-11-28T14:40:00Z",
            "2026-11-28T15:00:00Z",
            "2026-11-29T15:00:00Z",
            "2026-11-30T15:00:00Z"
        ],
        "the run is open, and nothing of the refused ones was written"
    );
    assert!(
        slots[..3]
            .iter()
            .all(|s| s.status == "free" && s.end.unwrap().duration_since(s.start.unwrap()).as_mins() == 20)
    );
    let booked = env.visits.book(&env.nurse, &slots[1].id, "alice").await.unwrap();
    assert!(!booked.appointment.is_empty(), "an opened slot can be booked");
    env.world.close().await;
}

relais_testkit::engine_tests!(
    booking_sends_the_invitation_and_each_reminder_once,
    a_guest_gets_their_own_invitation_and_cancelling_frees_the_slot,
    the_consent_gate_and_the_visit,
    clinicians_open_runs_of_slots_without_overlaps,
);
