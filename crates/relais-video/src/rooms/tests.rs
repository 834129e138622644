//! The room rules, alone: lobby, roles, host controls, chat, the end of a room, side rooms and
//! the shared screen.

use super::*;
use crate::protocol::MAX_CHAT_CHARS;

fn clinician(actor: &str) -> Joiner {
    Joiner { name: format!("Dr {actor}"), actor: actor.to_owned(), kind: JoinerKind::Clinician, rejoin: None }
}

fn guest(name: &str) -> Joiner {
    Joiner {
        name: name.to_owned(),
        actor: format!("invitation:{name}"),
        kind: JoinerKind::Guest,
        rejoin: None,
    }
}

fn sent_to(effects: &[Effect], peer: PeerId) -> Vec<ServerMsg> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send(to, msg) if *to == peer => Some(msg.clone()),
            _ => None,
        })
        .collect()
}

const HOST: PeerId = PeerId(1);
const PATIENT: PeerId = PeerId(2);

fn room_with_waiting_patient() -> Rooms {
    let mut rooms = Rooms::default();
    rooms.open("r1", "doc");
    let (role, _) = rooms.join("r1", HOST, clinician("doc")).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(role, Role::Host);
    let (role, effects) = rooms.join("r1", PATIENT, guest("Léa")).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(role, Role::Participant);
    assert_eq!(sent_to(&effects, PATIENT), vec![ServerMsg::Waiting { you: "p2".into() }]);
    // The host sees the patient waiting; nobody else is told.
    let ServerMsg::Roster { waiting, .. } = &sent_to(&effects, HOST)[0] else { panic!("{effects:?}") };
    assert_eq!(waiting, &vec![WaitingView { id: "p2".into(), name: "Léa".into() }]);
    rooms
}

#[test]
fn a_guest_waits_until_the_host_admits_them_and_only_then_may_send_media() {
    let mut rooms = room_with_waiting_patient();
    assert!(!rooms.forwards("r1", PATIENT, Source::Camera), "no media from the lobby");
    assert_eq!(rooms.admitted("r1"), vec![HOST]);
    let (effects, target) =
        rooms.control("r1", HOST, Control::Admit(PATIENT)).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(target.as_deref(), Some("invitation:Léa"));
    assert!(effects.contains(&Effect::Admitted(PATIENT)));
    assert!(rooms.forwards("r1", PATIENT, Source::Camera) && rooms.forwards("r1", PATIENT, Source::Audio));
    assert_eq!(rooms.admitted("r1"), vec![HOST, PATIENT]);
    let ServerMsg::Roster { members, waiting } = sent_to(&effects, PATIENT).pop().unwrap_or(ServerMsg::Pong)
    else {
        panic!("{effects:?}")
    };
    assert_eq!(members.len(), 2);
    assert!(waiting.is_empty(), "only hosts see the lobby");
}

#[test]
fn only_a_host_controls_the_room() {
    let mut rooms = room_with_waiting_patient();
    rooms.join("r1", PeerId(3), guest("Paul")).unwrap_or_else(|e| panic!("{e:?}"));
    rooms.control("r1", HOST, Control::Admit(PATIENT)).unwrap_or_else(|e| panic!("{e:?}"));
    for control in [Control::Admit(PeerId(3)), Control::Remove(HOST), Control::Mute(HOST), Control::End] {
        assert_eq!(
            rooms.control("r1", PATIENT, control.clone()).err(),
            Some(RoomError::NotHost),
            "{control:?}"
        );
    }
    assert_eq!(rooms.control("r1", HOST, Control::Admit(PeerId(9))).err(), Some(RoomError::UnknownMember));
    assert_eq!(rooms.control("r1", HOST, Control::Refuse(PATIENT)).err(), Some(RoomError::NotWaiting));
    assert_eq!(rooms.control("other", HOST, Control::End).err(), Some(RoomError::NotInRoom));
}

#[test]
fn a_refused_or_removed_person_is_told_and_cut_off() {
    let mut rooms = room_with_waiting_patient();
    let (effects, _) =
        rooms.control("r1", HOST, Control::Refuse(PATIENT)).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(sent_to(&effects, PATIENT), vec![ServerMsg::Closed { reason: "refused".into() }]);
    assert!(effects.contains(&Effect::Drop(PATIENT)));
    rooms.join("r1", PeerId(3), guest("Léa")).unwrap_or_else(|e| panic!("{e:?}"));
    rooms.control("r1", HOST, Control::Admit(PeerId(3))).unwrap_or_else(|e| panic!("{e:?}"));
    let (effects, _) =
        rooms.control("r1", HOST, Control::Remove(PeerId(3))).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(sent_to(&effects, PeerId(3)), vec![ServerMsg::Closed { reason: "removed".into() }]);
    assert!(!rooms.forwards("r1", PeerId(3), Source::Camera));
    assert_eq!(rooms.admitted("r1"), vec![HOST]);
}

#[test]
fn a_muted_microphone_is_no_longer_forwarded_until_its_owner_turns_it_back_on() {
    let mut rooms = room_with_waiting_patient();
    rooms.control("r1", HOST, Control::Admit(PATIENT)).unwrap_or_else(|e| panic!("{e:?}"));
    let (effects, _) = rooms.control("r1", HOST, Control::Mute(PATIENT)).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(sent_to(&effects, PATIENT).contains(&ServerMsg::MediaChanged { audio: false, video: true }));
    assert!(!rooms.forwards("r1", PATIENT, Source::Audio) && rooms.forwards("r1", PATIENT, Source::Camera));
    rooms.control("r1", HOST, Control::StopCamera(PATIENT)).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(!rooms.forwards("r1", PATIENT, Source::Camera));
    rooms.set_media("r1", PATIENT, true, true);
    assert!(rooms.forwards("r1", PATIENT, Source::Audio) && rooms.forwards("r1", PATIENT, Source::Camera));
}

#[test]
fn an_ended_room_closes_for_everyone_and_stays_closed() {
    let mut rooms = room_with_waiting_patient();
    let (effects, _) = rooms.control("r1", HOST, Control::End).unwrap_or_else(|e| panic!("{e:?}"));
    for peer in [HOST, PATIENT] {
        assert_eq!(sent_to(&effects, peer), vec![ServerMsg::Closed { reason: "ended".into() }]);
        assert!(effects.contains(&Effect::Drop(peer)));
    }
    assert!(rooms.is_ended("r1"));
    assert_eq!(rooms.join("r1", PeerId(5), clinician("doc")).err(), Some(Refusal::Ended));
    assert_eq!(rooms.counts(), (0, 0));
}

#[test]
fn the_opener_hosts_and_other_clinicians_and_observers_wait() {
    let mut rooms = Rooms::default();
    // Nobody opened the appointment's room: a patient arriving early waits for the clinician.
    rooms.join("a7", PeerId(1), guest("Léa")).unwrap_or_else(|e| panic!("{e:?}"));
    let (role, _) = rooms.join("a7", PeerId(2), clinician("doc")).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(role, Role::Host, "the first clinician opens it");
    let (role, effects) = rooms.join("a7", PeerId(3), clinician("nurse")).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(role, Role::Participant);
    assert!(!effects.contains(&Effect::Admitted(PeerId(3))));
    let observer = Joiner { kind: JoinerKind::Observer, ..clinician("student") };
    let (role, _) = rooms.join("a7", PeerId(4), observer).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(role, Role::Observer);
    rooms.control("a7", PeerId(2), Control::Admit(PeerId(4))).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(!rooms.forwards("a7", PeerId(4), Source::Audio), "an observer's media is never forwarded");
    assert_eq!(rooms.counts(), (1, 4));
}

#[test]
fn chat_reaches_everyone_admitted_and_nobody_in_the_lobby() {
    let mut rooms = room_with_waiting_patient();
    assert_eq!(rooms.chat("r1", PATIENT, "bonjour").err(), Some(RoomError::NotInRoom));
    rooms.join("r1", PeerId(3), guest("Paul")).unwrap_or_else(|e| panic!("{e:?}"));
    rooms.control("r1", HOST, Control::Admit(PATIENT)).unwrap_or_else(|e| panic!("{e:?}"));
    let effects = rooms.chat("r1", PATIENT, "  Bonjour docteur\u{7}  ").unwrap_or_default();
    let expected = ServerMsg::Chat { from: "p2".into(), name: "Léa".into(), text: "Bonjour docteur".into() };
    assert_eq!(sent_to(&effects, HOST), vec![expected.clone()]);
    assert_eq!(sent_to(&effects, PATIENT), vec![expected]);
    assert!(sent_to(&effects, PeerId(3)).is_empty(), "the lobby hears nothing");
    assert_eq!(rooms.chat("r1", PATIENT, "   ").err(), Some(RoomError::ChatInvalid));
    assert_eq!(
        rooms.chat("r1", PATIENT, &"x".repeat(MAX_CHAT_CHARS + 1)).err(),
        Some(RoomError::ChatInvalid)
    );
}

#[test]
fn a_room_has_a_limit_and_peers_are_named_p_n() {
    let mut rooms = Rooms::default();
    for n in 0..MAX_MEMBERS as u64 {
        rooms.join("r", PeerId(n), guest("x")).unwrap_or_else(|e| panic!("{e:?}"));
    }
    assert_eq!(rooms.join("r", PeerId(99), guest("y")).err(), Some(Refusal::Full));
    assert_eq!(PeerId::parse("p42"), Some(PeerId(42)));
    assert_eq!(PeerId::parse("42"), None);
    assert_eq!(PeerId(7).to_string(), "p7");
    for n in 0..MAX_MEMBERS as u64 {
        rooms.leave("r", PeerId(n));
    }
    assert_eq!(rooms.counts(), (0, 0));
}

/// A host (p1) and three admitted guests: Léa (p2), Paul (p3), Zoé (p4).
fn room_of_four() -> Rooms {
    let mut rooms = room_with_waiting_patient();
    rooms.join("r1", PeerId(3), guest("Paul")).unwrap_or_else(|e| panic!("{e:?}"));
    rooms.join("r1", PeerId(4), guest("Zoé")).unwrap_or_else(|e| panic!("{e:?}"));
    for peer in [PATIENT, PeerId(3), PeerId(4)] {
        rooms.control("r1", HOST, Control::Admit(peer)).unwrap_or_else(|e| panic!("{e:?}"));
    }
    rooms
}

#[test]
fn people_in_a_side_room_see_hear_and_read_only_each_other_until_they_return() {
    let mut rooms = room_of_four();
    let (paul, zoe) = (PeerId(3), PeerId(4));
    let (effects, whom) =
        rooms.control("r1", HOST, Control::SideRoom(vec![PATIENT, paul])).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(whom.as_deref(), Some("invitation:Léa,invitation:Paul"));
    assert!(effects.contains(&Effect::Resync("r1".into())), "the node must re-route the media");
    assert_eq!(rooms.audience("r1", PATIENT).collect::<Vec<_>>(), vec![paul]);
    assert_eq!(rooms.audience("r1", paul).collect::<Vec<_>>(), vec![PATIENT]);
    assert_eq!(rooms.audience("r1", HOST).collect::<Vec<_>>(), vec![zoe]);
    assert_eq!(rooms.audience("r1", zoe).collect::<Vec<_>>(), vec![HOST]);
    assert_eq!(rooms.senders_to("r1", zoe), vec![(HOST, false)]);
    // Everyone sees where everyone is (a tile says "in a side room"), nobody more.
    let ServerMsg::Roster { members, .. } = sent_to(&effects, zoe).pop().unwrap_or(ServerMsg::Pong) else {
        panic!("{effects:?}")
    };
    let sides: Vec<Option<u32>> = members.iter().map(|m| m.side).collect();
    assert_eq!(sides, vec![None, Some(1), Some(1), None]);
    // Their chat stays between them, and the main room's between its people.
    let said = rooms.chat("r1", PATIENT, "entre nous").unwrap_or_default();
    assert_eq!(said.len(), 2);
    assert!(sent_to(&said, HOST).is_empty() && sent_to(&said, zoe).is_empty());
    let said = rooms.chat("r1", HOST, "et ici").unwrap_or_default();
    assert!(sent_to(&said, PATIENT).is_empty() && sent_to(&said, paul).is_empty());

    // Only someone in the side room, or the host, brings it back.
    assert_eq!(rooms.control("r1", zoe, Control::SideRoomEnd(1)).err(), Some(RoomError::NotHost));
    let (effects, _) = rooms.control("r1", paul, Control::SideRoomEnd(1)).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(effects.contains(&Effect::Resync("r1".into())));
    assert_eq!(rooms.audience("r1", zoe).collect::<Vec<_>>(), vec![HOST, PATIENT, paul]);
    assert_eq!(rooms.control("r1", HOST, Control::SideRoomEnd(1)).err(), Some(RoomError::SideRoomInvalid));
}

#[test]
fn a_side_room_is_the_hosts_and_only_for_admitted_people_of_the_main_room() {
    let mut rooms = room_of_four();
    rooms.join("r1", PeerId(5), guest("Ana")).unwrap_or_else(|e| panic!("{e:?}"));
    let side = |people: &[u64]| Control::SideRoom(people.iter().map(|n| PeerId(*n)).collect());
    assert_eq!(rooms.control("r1", PATIENT, side(&[3])).err(), Some(RoomError::NotHost));
    for bad in [&[][..], &[1, 2][..], &[2, 2][..], &[2, 5][..]] {
        assert_eq!(rooms.control("r1", HOST, side(bad)).err(), Some(RoomError::SideRoomInvalid), "{bad:?}");
    }
    assert_eq!(rooms.control("r1", HOST, side(&[9])).err(), Some(RoomError::UnknownMember));
    rooms.control("r1", HOST, side(&[2])).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        rooms.control("r1", HOST, side(&[2, 3])).err(),
        Some(RoomError::SideRoomInvalid),
        "already apart"
    );
    // A second side room is another place: its people do not meet the first's.
    rooms.control("r1", HOST, side(&[3, 4])).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(rooms.audience("r1", PATIENT).collect::<Vec<_>>(), Vec::<PeerId>::new());
    assert_eq!(rooms.audience("r1", PeerId(3)).collect::<Vec<_>>(), vec![PeerId(4)]);
}

#[test]
fn one_screen_at_a_time_in_each_place_and_moving_stops_ones_own() {
    let mut rooms = room_of_four();
    let (paul, zoe) = (PeerId(3), PeerId(4));
    assert!(!rooms.forwards("r1", PATIENT, Source::Screen), "nothing shared yet");
    let effects = rooms.share("r1", PATIENT).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(effects.contains(&Effect::Resync("r1".into())));
    assert!(rooms.forwards("r1", PATIENT, Source::Screen));
    assert!(rooms.senders_to("r1", zoe).contains(&(PATIENT, true)), "Zoé receives Léa's screen");
    let ServerMsg::Roster { members, .. } = sent_to(&effects, zoe).pop().unwrap_or(ServerMsg::Pong) else {
        panic!("{effects:?}")
    };
    assert!(members.iter().any(|m| m.id == "p2" && m.screen));
    assert_eq!(rooms.share("r1", paul).err(), Some(RoomError::ScreenBusy));
    // The host stopping her camera leaves her screen alone.
    rooms.control("r1", HOST, Control::StopCamera(PATIENT)).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(rooms.forwards("r1", PATIENT, Source::Screen));

    // Léa goes apart with Paul: her screen stops (it was the main room's), she is told.
    let (effects, _) =
        rooms.control("r1", HOST, Control::SideRoom(vec![PATIENT, paul])).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(sent_to(&effects, PATIENT).contains(&ServerMsg::ScreenStopped));
    assert!(!rooms.forwards("r1", PATIENT, Source::Screen));
    // Each place has its own screen.
    rooms.share("r1", paul).unwrap_or_else(|e| panic!("{e:?}"));
    rooms.share("r1", zoe).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(rooms.senders_to("r1", HOST), vec![(zoe, true)]);
    let effects = rooms.unshare("r1", zoe);
    assert!(effects.contains(&Effect::Resync("r1".into())));
    assert_eq!(rooms.senders_to("r1", HOST), vec![(zoe, false)]);
    assert!(rooms.unshare("r1", zoe).is_empty(), "stopping twice changes nothing");
    // Leaving frees the screen.
    rooms.leave("r1", paul);
    rooms.share("r1", PATIENT).unwrap_or_else(|e| panic!("{e:?}"));
}

#[test]
fn an_observer_or_someone_in_the_lobby_shares_nothing() {
    let mut rooms = room_with_waiting_patient();
    assert_eq!(rooms.share("r1", PATIENT).err(), Some(RoomError::NotInRoom));
    rooms
        .join("r1", PeerId(3), Joiner { kind: JoinerKind::Observer, ..clinician("obs") })
        .unwrap_or_else(|e| panic!("{e:?}"));
    rooms.control("r1", HOST, Control::Admit(PeerId(3))).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(rooms.share("r1", PeerId(3)).err(), Some(RoomError::NotInRoom));
}

#[test]
fn someone_back_after_a_dropped_connection_returns_to_their_side_room_if_it_is_still_open() {
    let mut rooms = room_of_four();
    let (paul, zoe) = (PeerId(3), PeerId(4));
    rooms.control("r1", HOST, Control::SideRoom(vec![PATIENT, paul])).unwrap_or_else(|e| panic!("{e:?}"));
    // Léa's connection drops while apart; Paul stays in the side room.
    assert_eq!(rooms.side_of("r1", PATIENT), Some(1));
    rooms.leave("r1", PATIENT);
    assert_eq!(rooms.audience("r1", paul).collect::<Vec<_>>(), Vec::<PeerId>::new());
    // She comes back (a new connection, her rejoin ticket) into side room 1, with Paul.
    let lea = PeerId(5);
    rooms
        .enter_directly("r1", lea, guest("Léa"), Role::Participant, Some(1))
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(rooms.side_of("r1", lea), Some(1));
    assert_eq!(rooms.audience("r1", lea).collect::<Vec<_>>(), vec![paul]);
    assert_eq!(rooms.audience("r1", HOST).collect::<Vec<_>>(), vec![zoe]);

    // Paul drops too, and the host closes the side room meanwhile: he comes back to the main
    // room, with everyone.
    rooms.leave("r1", paul);
    rooms.control("r1", HOST, Control::SideRoomEnd(1)).unwrap_or_else(|e| panic!("{e:?}"));
    let paul = PeerId(6);
    rooms
        .enter_directly("r1", paul, guest("Paul"), Role::Participant, Some(1))
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(rooms.side_of("r1", paul), None);
    assert_eq!(rooms.audience("r1", paul).collect::<Vec<_>>(), vec![HOST, zoe, lea]);
}
