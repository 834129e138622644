//! A phone's camera turned: which way up a participant's video is reaches the others through
//! the real SFU (the video-orientation header extension, forwarded with each packet), with
//! real str0m clients over loopback UDP. The host holds a phone a quarter-turn clockwise, then
//! turns it the other way; the guest's camera says nothing and nothing is added to it.

// A test stops at the first thing that does not work.
#![allow(clippy::expect_used, clippy::panic)]

#[path = "../benches/support/client.rs"]
mod client;
#[path = "support/room.rs"]
mod room;

use std::time::Duration;

use client::{Client, Seen, loopback_config};
use relais_video::{Control, JoinerKind, Sfu};
use room::{joiner, phase_of_two};
use str0m::rtp::VideoOrientation;

/// The rotations (degrees, frames) `seen` received from `sender`.
fn rotations_from(seen: &Seen, sender: u64) -> Vec<(u16, u64)> {
    seen.rotations.iter().filter(|((s, _), _)| *s == sender).map(|((_, d), n)| (*d, *n)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_turned_phone_camera_is_shown_the_right_way_up_to_the_others() {
    let sfu = Sfu::start(&loopback_config()).await.expect("the SFU starts");
    let host = sfu.join("r1", joiner("doc", JoinerKind::Clinician)).await.expect("host");
    let guest = sfu.join("r1", joiner("lea", JoinerKind::Guest)).await.expect("guest");
    host.control(Control::Admit(guest.peer)).await.expect("admitted");
    let (doc, lea) = (host.peer.0, guest.peer.0);
    let mut doc_client = Client::new(host, 300).await;
    let mut lea_client = Client::new(guest, 300).await;

    // The host's phone a quarter-turn clockwise: every frame Léa gets from him says so.
    doc_client.rotate(VideoOrientation::Deg90);
    let (doc_seen, lea_seen) =
        phase_of_two(&mut doc_client, &mut lea_client, Duration::from_secs(2), Duration::from_secs(5)).await;
    let from_doc = lea_seen.from.get(&doc).copied().unwrap_or_default();
    assert!(from_doc > 20, "Léa receives the host: {:?}", lea_seen.from);
    assert_eq!(rotations_from(&lea_seen, doc), [(90, from_doc)], "every frame turned a quarter clockwise");
    // Léa's camera says nothing, and the host receives nothing added.
    assert!(doc_seen.from.get(&lea).is_some_and(|n| *n > 20), "the host receives Léa: {:?}", doc_seen.from);
    assert_eq!(rotations_from(&doc_seen, lea), [], "no rotation invented for Léa's camera");

    // He turns it the other way: Léa's picture follows.
    doc_client.rotate(VideoOrientation::Deg270);
    let (_, lea_seen) =
        phase_of_two(&mut doc_client, &mut lea_client, Duration::from_secs(1), Duration::from_secs(4)).await;
    let from_doc = lea_seen.from.get(&doc).copied().unwrap_or_default();
    assert!(from_doc > 20, "Léa still receives the host: {:?}", lea_seen.from);
    assert_eq!(rotations_from(&lea_seen, doc), [(270, from_doc)], "every frame now turned the other way");
}
