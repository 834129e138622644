//! A phone's camera turned: which way up a participant's video is reaches the others through
//! the real SFU (the video-orientation header extension, forwarded with each packet), with
//! real str0m clients over loopback UDP. The host holds a phone a quarter-turn clockwise, then
//! turns it the other way; the guest's camera says nothing and nothing is added to it.

// A test stops at the first thing that does not work.
#![allow(clippy::expect_used, clippy::panic)]

#[path = "../benches/support/client.rs"]
mod client;

use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use client::{Client, Seen, Window, epoch, loopback_config};
use relais_video::{Control, Joiner, JoinerKind, Sfu};
use str0m::rtp::VideoOrientation;

fn joiner(name: &str, kind: JoinerKind) -> Joiner {
    Joiner { name: name.to_owned(), actor: name.to_owned(), kind, rejoin: None }
}

/// Runs both clients for `length`, counting what was sent after `settle`.
async fn phase(a: &mut Client, b: &mut Client, settle: Duration, length: Duration) -> (Seen, Seen) {
    let window = Window::default();
    let now = Instant::now();
    let nanos = |t: Instant| u64::try_from(t.duration_since(epoch()).as_nanos()).expect("nanoseconds");
    window.start.store(nanos(now + settle), Relaxed);
    window.end.store(nanos(now + length - Duration::from_millis(300)), Relaxed);
    let stop = now + length;
    tokio::join!(a.run_for(&window, stop), b.run_for(&window, stop))
}

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
        phase(&mut doc_client, &mut lea_client, Duration::from_secs(2), Duration::from_secs(5)).await;
    let from_doc = lea_seen.from.get(&doc).copied().unwrap_or_default();
    assert!(from_doc > 20, "Léa receives the host: {:?}", lea_seen.from);
    assert_eq!(rotations_from(&lea_seen, doc), [(90, from_doc)], "every frame turned a quarter clockwise");
    // Léa's camera says nothing, and the host receives nothing added.
    assert!(doc_seen.from.get(&lea).is_some_and(|n| *n > 20), "the host receives Léa: {:?}", doc_seen.from);
    assert_eq!(rotations_from(&doc_seen, lea), [], "no rotation invented for Léa's camera");

    // He turns it the other way: Léa's picture follows.
    doc_client.rotate(VideoOrientation::Deg270);
    let (_, lea_seen) =
        phase(&mut doc_client, &mut lea_client, Duration::from_secs(1), Duration::from_secs(4)).await;
    let from_doc = lea_seen.from.get(&doc).copied().unwrap_or_default();
    assert!(from_doc > 20, "Léa still receives the host: {:?}", lea_seen.from);
    assert_eq!(rotations_from(&lea_seen, doc), [(270, from_doc)], "every frame now turned the other way");
}
