//! A node with no call sleeps until it is asked something: an idle server's media thread used
//! to wake ten times a second (twenty context switches) for nothing.

#![allow(clippy::expect_used, clippy::panic)]

use std::time::Duration;

use relais_video::{Joiner, JoinerKind, Sfu};

#[path = "../benches/support/client.rs"]
mod client;
#[path = "../benches/support/threads.rs"]
mod threads;

/// How many times the node's thread has gone to sleep (its voluntary context switches).
fn sfu_sleeps() -> u64 {
    threads::switches(threads::thread_named("relais-sfu")).0
}

#[tokio::test]
async fn a_node_without_calls_sleeps_and_still_answers() {
    let sfu = Sfu::start(&client::loopback_config()).await.expect("the SFU starts");
    // Its first publication of the (empty) figures comes after a second; then it sleeps.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let before = sfu_sleeps();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let woke = sfu_sleeps() - before;
    assert!(woke <= 1, "woke {woke} times in 2 s with no room");

    // A command wakes it; with someone in a room it keeps its clock again (timeouts, figures).
    let stats = sfu.stats().await.expect("the node answers");
    assert_eq!((stats.rooms, stats.participants), (0, 0));
    let host =
        Joiner { name: "Dre Roy".into(), actor: "dr-roy".into(), kind: JoinerKind::Clinician, rejoin: None };
    let _session = sfu.join("room-1", host).await.expect("the host enters");
    let before = sfu_sleeps();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let woke = sfu_sleeps() - before;
    assert!(woke >= 5, "a node with a call woke only {woke} times in 1 s");
    assert_eq!(sfu.stats().await.expect("answers").participants, 1);
}
