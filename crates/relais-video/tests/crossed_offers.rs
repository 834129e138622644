//! Crossed offers ("glare") through the real SFU, forced: the host's client is held still while
//! a guest joins, so the SFU's offer of the guest's camera waits unanswered; the host then
//! shares its screen, which needs an offer of its own. Both offers cross. The host ignores the
//! SFU's (the browser's rule), the SFU drops its own and answers the host's (it is the polite
//! side), then offers again what it was adding. Afterwards each receives the other's camera,
//! and the guest the host's screen.

// A test stops at the first thing that does not work.
#![allow(clippy::expect_used, clippy::panic)]

#[path = "../benches/support/client.rs"]
mod client;

use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use client::{Client, Window, epoch, loopback_config};
use relais_video::{Control, Joiner, JoinerKind, Sfu};

fn joiner(name: &str, kind: JoinerKind) -> Joiner {
    Joiner { name: name.to_owned(), actor: name.to_owned(), kind, rejoin: None }
}

/// A window that counts nothing: the clients only connect and negotiate.
fn no_window() -> Window {
    Window::default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crossed_offers_are_resolved_and_media_flows_both_ways() {
    let sfu = Sfu::start(&loopback_config()).await.expect("the SFU starts");
    let host = sfu.join("r1", joiner("doc", JoinerKind::Clinician)).await.expect("host");
    let doc = host.peer.0;
    let mut doc_client = Client::new(host, 300).await;
    doc_client.run_for(&no_window(), Instant::now() + Duration::from_secs(2)).await;

    // Léa joins and sends while the host's client is held: the SFU's offer of her camera to the
    // host waits, unanswered.
    let guest = sfu.join("r1", joiner("lea", JoinerKind::Guest)).await.expect("guest");
    doc_client.session().control(Control::Admit(guest.peer)).await.expect("admitted");
    let lea = guest.peer.0;
    let mut lea_client = Client::new(guest, 300).await;
    lea_client.run_for(&no_window(), Instant::now() + Duration::from_secs(2)).await;

    // The host shares its screen: its offer crosses the SFU's.
    doc_client.share_screen();
    let window = Window::default();
    let now = Instant::now();
    let nanos = |t: Instant| u64::try_from(t.duration_since(epoch()).as_nanos()).expect("nanoseconds");
    window.start.store(nanos(now + Duration::from_secs(3)), Relaxed);
    window.end.store(nanos(now + Duration::from_millis(6700)), Relaxed);
    let stop = now + Duration::from_secs(7);
    let (doc_seen, lea_seen) =
        tokio::join!(doc_client.run_for(&window, stop), lea_client.run_for(&window, stop));

    assert!(doc_seen.crossed >= 1, "the offers should have crossed: {}", doc_seen.crossed);
    assert!(
        doc_seen.errors.is_empty() && lea_seen.errors.is_empty(),
        "{:?} {:?}",
        doc_seen.errors,
        lea_seen.errors
    );
    assert!(doc_seen.from.get(&lea).is_some_and(|n| *n > 20), "the host receives Léa: {:?}", doc_seen.from);
    assert!(lea_seen.from.get(&doc).is_some_and(|n| *n > 20), "Léa receives the host: {:?}", lea_seen.from);
    assert!(
        lea_seen.screens.get(&doc).is_some_and(|n| *n > 20),
        "Léa receives the screen: {:?}",
        lea_seen.screens
    );
}
