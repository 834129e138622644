//! A side room over the real SFU, with real str0m clients over loopback UDP sending video: the
//! host sends two of the three guests apart; while they are, each of them receives frames from
//! the other and from nobody else, and the two left in the main room receive none of theirs;
//! once one of them brings the side room back, everyone receives everyone again.

// A test stops at the first thing that does not work.
#![allow(clippy::expect_used, clippy::panic)]

#[path = "../benches/support/client.rs"]
mod client;
#[path = "support/room.rs"]
mod room;

use std::collections::BTreeMap;
use std::time::Duration;

use relais_video::Control;
use room::{phase, room_of_four};

/// Who `seen` received a good stream of frames from (more than 10 in the window, at 30 a
/// second).
fn senders(seen: &BTreeMap<u64, u64>) -> Vec<u64> {
    seen.iter().filter(|(_, n)| **n > 10).map(|(id, _)| *id).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_follows_side_room_membership() {
    let (_sfu, mut clients) = room_of_four().await;
    let ids: Vec<u64> = clients.iter().map(|c| c.session().peer.0).collect();
    let [doc, lea, paul, zoe] = ids[..] else { panic!("four people") };

    // All four in the main room: everyone receives everyone.
    let seen = phase(&mut clients, Duration::from_secs(3), Duration::from_secs(5)).await;
    for (i, received) in seen.iter().enumerate() {
        let others: Vec<u64> = ids.iter().copied().filter(|id| *id != ids[i]).collect();
        assert_eq!(senders(&received.from), others, "p{} in the main room: {:?}", ids[i], received.from);
    }

    // Léa and Paul go apart.
    let side = Control::SideRoom(vec![clients[1].session().peer, clients[2].session().peer]);
    clients[0].session().control(side).await.expect("the host opens a side room");
    let seen = phase(&mut clients, Duration::from_secs(2), Duration::from_secs(5)).await;
    let expected = [(doc, vec![zoe]), (lea, vec![paul]), (paul, vec![lea]), (zoe, vec![doc])];
    for ((who, from), received) in expected.iter().zip(&seen) {
        assert_eq!(
            senders(&received.from),
            *from,
            "p{who} while Léa and Paul are apart: {:?}",
            received.from
        );
        let strays: Vec<&u64> = received.from.keys().filter(|id| !from.contains(id)).collect();
        assert!(strays.is_empty(), "p{who} received frames from outside its place: {:?}", received.from);
    }

    // Paul brings the side room back: everyone receives everyone again.
    clients[2].session().control(Control::SideRoomEnd(1)).await.expect("a member ends the side room");
    let seen = phase(&mut clients, Duration::from_secs(2), Duration::from_secs(5)).await;
    for (i, received) in seen.iter().enumerate() {
        let others: Vec<u64> = ids.iter().copied().filter(|id| *id != ids[i]).collect();
        assert_eq!(senders(&received.from), others, "p{} back together: {:?}", ids[i], received.from);
    }
}
