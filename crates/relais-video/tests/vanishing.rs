//! A participant whose browser vanishes (it stops sending anything, with its signalling still
//! open) is timed out after the node's `peer_timeout`: it is told, and it leaves the room, so the
//! others' roster (their tiles) no longer shows it; the others' call goes on. Real str0m clients
//! over loopback UDP.

// A test stops at the first thing that does not work.
#![allow(clippy::expect_used, clippy::panic)]

#[path = "../benches/support/client.rs"]
mod client;

use std::sync::Arc;
use std::time::{Duration, Instant};

use client::{Client, Window};
use relais_video::{Control, Joiner, JoinerKind, ServerMsg, Sfu, VideoConfig};

fn joiner(name: &str, kind: JoinerKind) -> Joiner {
    Joiner { name: name.to_owned(), actor: name.to_owned(), kind, rejoin: None }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vanished_participant_is_timed_out_and_leaves_the_others_roster() {
    let config = VideoConfig { peer_timeout: Duration::from_secs(2), ..client::loopback_config() };
    let sfu = Sfu::start(&config).await.expect("the SFU starts");
    let host = sfu.join("r1", joiner("doc", JoinerKind::Clinician)).await.expect("host");
    let guest = sfu.join("r1", joiner("lea", JoinerKind::Guest)).await.expect("guest");
    host.control(Control::Admit(guest.peer)).await.expect("admitted");
    let (host_id, guest_id) = (host.peer.to_string(), guest.peer.to_string());

    let window = Arc::new(Window::default());
    let started = Instant::now();
    let host =
        tokio::spawn(Client::new(host, 300).await.run(window.clone(), started + Duration::from_secs(9)));
    // The guest's browser vanishes after 3 s: no more packets, its signalling still open.
    let (seen, mut guest) =
        Client::new(guest, 300).await.run(window.clone(), started + Duration::from_secs(3)).await;
    assert!(seen.connected, "the guest's media session was up");
    assert!(seen.roster.contains(&guest_id) && seen.roster.contains(&host_id), "{:?}", seen.roster);

    let told = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(msg) = guest.events.recv().await {
            if let ServerMsg::Closed { reason } = msg {
                return reason;
            }
        }
        String::new()
    })
    .await
    .expect("the vanished guest is timed out within the timeout and a second");
    assert_eq!(told, "timed-out");
    let vanished_after = started.elapsed();
    assert!(vanished_after >= Duration::from_secs(5), "not before 2 s of silence: {vanished_after:?}");

    let (host_seen, _host) = host.await.expect("host client");
    assert!(host_seen.connected);
    assert_eq!(host_seen.roster, vec![host_id], "the host's roster no longer shows the guest");
    let stats = sfu.stats().await.expect("stats");
    assert_eq!((stats.rooms, stats.participants), (1, 1));
}
