//! People in one room of a real SFU, each a str0m client sending video, and phases in which
//! all of them run: four (a host, `doc`, and three admitted guests, `lea`, `paul`, `zoe`), or
//! any two.

// Shared by several tests, each using a part of it.
#![allow(dead_code)]

use std::time::Duration;

use relais_video::{Control, Joiner, JoinerKind, Sfu};

use crate::client::{Client, Seen, Window, loopback_config};

/// Someone joining room `r1` under `name`.
pub fn joiner(name: &str, kind: JoinerKind) -> Joiner {
    Joiner { name: name.to_owned(), actor: name.to_owned(), kind, rejoin: None }
}

/// The SFU (keep it: dropped, it stops) and the four clients, host first.
pub async fn room_of_four() -> (Sfu, Vec<Client>) {
    let config = loopback_config();
    let sfu = Sfu::start(&config).await.expect("the SFU starts");
    let host = sfu.join("r1", joiner("doc", JoinerKind::Clinician)).await.expect("host");
    let mut guests = Vec::new();
    for name in ["lea", "paul", "zoe"] {
        let guest = sfu.join("r1", joiner(name, JoinerKind::Guest)).await.expect("guest");
        host.control(Control::Admit(guest.peer)).await.expect("admitted");
        guests.push(guest);
    }
    let mut clients = vec![Client::new(host, 300).await];
    for guest in guests {
        clients.push(Client::new(guest, 300).await);
    }
    (sfu, clients)
}

/// Runs two clients for `length`, counting what was sent in [`Window::opening`].
pub async fn phase_of_two(
    a: &mut Client,
    b: &mut Client,
    settle: Duration,
    length: Duration,
) -> (Seen, Seen) {
    let (window, stop) = Window::opening(settle, length);
    tokio::join!(a.run_for(&window, stop), b.run_for(&window, stop))
}

/// Runs every client for `length`, counting what was sent after `settle` (renegotiation and
/// keyframe requests done) and 300 ms before the end (in flight).
pub async fn phase(clients: &mut [Client], settle: Duration, length: Duration) -> Vec<Seen> {
    let (window, stop) = Window::opening(settle, length);
    let [a, b, c, d] = clients else { panic!("four clients") };
    let (a, b, c, d) = tokio::join!(
        a.run_for(&window, stop),
        b.run_for(&window, stop),
        c.run_for(&window, stop),
        d.run_for(&window, stop)
    );
    vec![a, b, c, d]
}
