//! Simulcast through the real SFU, with real str0m clients over loopback UDP: the host's
//! camera sends two layers (`l` at 100 kbit/s, `h` at 600 kbit/s), the guest's one stream
//! without rids. The guest receives exactly one of the host's layers — the high one while
//! nothing limits it, the low one once it caps what it receives at 300 kbit/s, the high one
//! again when it lifts the cap (each switch on a keyframe asked of the host) — and the host
//! receives the guest's single stream as it is.

// A test stops at the first thing that does not work.
#![allow(clippy::expect_used, clippy::panic)]

#[path = "../benches/support/client.rs"]
mod client;
#[path = "support/room.rs"]
mod room;

use std::time::Duration;

use client::{Client, Seen, loopback_config};
use relais_video::{ClientMsg, Control, JoinerKind, Sfu};
use room::{joiner, phase_of_two};

/// The layers (0: `l`, 1: `h`) of `sender`'s camera that `seen` received frames of.
fn layers_from(seen: &Seen, sender: u64) -> Vec<(u8, u64)> {
    seen.layers.iter().filter(|((s, _), _)| *s == sender).map(|((_, l), n)| (*l, *n)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_receiver_gets_one_layer_chosen_from_its_budget() {
    let sfu = Sfu::start(&loopback_config()).await.expect("the SFU starts");
    let host = sfu.join("r1", joiner("doc", JoinerKind::Clinician)).await.expect("host");
    let guest = sfu.join("r1", joiner("lea", JoinerKind::Guest)).await.expect("guest");
    host.control(Control::Admit(guest.peer)).await.expect("admitted");
    let (doc, lea) = (host.peer.0, guest.peer.0);
    let mut doc_client = Client::with_layers(host, &[("l", 100), ("h", 600)]).await;
    let mut lea_client = Client::new(guest, 300).await;

    // Nothing limits Léa: the high layer only.
    let (doc_seen, lea_seen) =
        phase_of_two(&mut doc_client, &mut lea_client, Duration::from_secs(3), Duration::from_secs(6)).await;
    let high = layers_from(&lea_seen, doc);
    assert!(
        high.len() == 1 && high[0].0 == 1 && high[0].1 > 20,
        "Léa should receive the host's high layer only: {high:?}"
    );
    // The host receives Léa's stream, which has no layers, as it is.
    assert!(doc_seen.from.get(&lea).is_some_and(|n| *n > 20), "the host receives Léa: {:?}", doc_seen.from);

    // Léa asks for at most 300 kbit/s: the low layer only, from a keyframe on.
    lea_client.session().signal(ClientMsg::ReceiveCap { kbps: Some(300) });
    let (_, lea_seen) =
        phase_of_two(&mut doc_client, &mut lea_client, Duration::from_secs(2), Duration::from_secs(5)).await;
    let low = layers_from(&lea_seen, doc);
    assert!(
        low.len() == 1 && low[0].0 == 0 && low[0].1 > 20,
        "capped, Léa should receive the host's low layer only: {low:?}"
    );

    // She lifts the cap: the high layer again.
    lea_client.session().signal(ClientMsg::ReceiveCap { kbps: None });
    let (_, lea_seen) =
        phase_of_two(&mut doc_client, &mut lea_client, Duration::from_secs(3), Duration::from_secs(6)).await;
    let high = layers_from(&lea_seen, doc);
    assert!(
        high.len() == 1 && high[0].0 == 1 && high[0].1 > 20,
        "uncapped, Léa should receive the high layer again: {high:?}"
    );
}
