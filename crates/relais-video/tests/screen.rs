//! Screen sharing over the real SFU, with str0m clients that do what the browser does (name the
//! new m-line, offer it, ignore an SFU offer that crosses theirs): a shared screen reaches the
//! others in the room and only them; a second sharer is told `screen-busy`; people in a side
//! room get none of the main room's screen, and share their own between them.

// A test stops at the first thing that does not work.
#![allow(clippy::expect_used, clippy::panic)]

#[path = "../benches/support/client.rs"]
mod client;
#[path = "support/room.rs"]
mod room;

use std::collections::BTreeMap;
use std::time::Duration;

use client::Seen;
use relais_video::Control;
use room::{phase, room_of_four};

/// Whose screens came in a good stream (more than 10 frames in the window, at 30 a second).
fn screens(seen: &Seen) -> Vec<u64> {
    seen.screens.iter().filter(|(_, n)| **n > 10).map(|(id, _)| *id).collect()
}

fn strays(seen: &Seen, allowed: &[u64]) -> BTreeMap<u64, u64> {
    seen.screens.iter().filter(|(id, _)| !allowed.contains(id)).map(|(id, n)| (*id, *n)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_screen_reaches_the_people_where_its_sharer_is_one_at_a_time() {
    let (_sfu, mut clients) = room_of_four().await;
    let ids: Vec<u64> = clients.iter().map(|c| c.session().peer.0).collect();
    let [doc, lea, paul, zoe] = ids[..] else { panic!("four people") };
    let seen = phase(&mut clients, Duration::from_secs(3), Duration::from_secs(4)).await;
    assert!(seen.iter().all(|s| s.screens.is_empty()), "no screen before anyone shares");

    // Léa shares (a new m-line of hers, offered while the SFU may be offering her others').
    clients[1].share_screen();
    let seen = phase(&mut clients, Duration::from_secs(2), Duration::from_secs(5)).await;
    for (i, s) in seen.iter().enumerate() {
        let expected = if ids[i] == lea { vec![] } else { vec![lea] };
        assert_eq!(screens(s), expected, "p{}'s screens: {:?}", ids[i], s.screens);
        assert_eq!(s.from.len(), 3, "p{}'s cameras go on: {:?}", ids[i], s.from);
    }

    // Paul tries too: one at a time, he is told; nobody gets his.
    clients[2].share_screen();
    let seen = phase(&mut clients, Duration::from_secs(2), Duration::from_secs(4)).await;
    assert_eq!(seen[2].errors, vec!["screen-busy".to_owned()]);
    for (i, s) in seen.iter().enumerate() {
        assert!(strays(s, &[lea]).is_empty(), "p{} got a screen besides Léa's: {:?}", ids[i], s.screens);
    }

    // Paul and Zoé go apart: Léa's screen no longer reaches them; Paul's, now, only Zoé.
    let side = Control::SideRoom(vec![clients[2].session().peer, clients[3].session().peer]);
    clients[0].session().control(side).await.expect("a side room");
    clients[2].share_screen();
    let seen = phase(&mut clients, Duration::from_secs(2), Duration::from_secs(5)).await;
    let expected = [(doc, vec![lea]), (lea, vec![]), (paul, vec![]), (zoe, vec![paul])];
    for ((who, from), s) in expected.iter().zip(&seen) {
        assert_eq!(screens(s), *from, "p{who}'s screens with Paul and Zoé apart: {:?}", s.screens);
        assert!(strays(s, from).is_empty(), "p{who} got a screen from elsewhere: {:?}", s.screens);
    }
    assert!(seen[2].errors.is_empty(), "{:?}", seen[2].errors);

    // Léa stops: the host gets no screen any more.
    clients[1].session().signal(relais_video::ClientMsg::ScreenStop);
    let seen = phase(&mut clients, Duration::from_secs(1), Duration::from_secs(3)).await;
    assert!(seen[0].screens.is_empty(), "{:?}", seen[0].screens);
}
