//! Coming back after a dropped connection, against a real server on both engines: an admitted
//! guest is handed a rejoin ticket; with it, a new connection enters the room at once (no
//! lobby), once; a ticket older than `video_rejoin_secs` after the drop has expired, and its
//! holder waits in the lobby again.

use std::time::Duration;

use futures::StreamExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::browser::{Browser, signed_in_staff};
use crate::support::{Harness, create_user};
use crate::video::{Socket, connect_with, invite, next_of, send};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    rejoin(
        Harness::start_with(
            relais_testkit::Engine::Sqlite,
            &[],
            &[("RELAIS_VIDEO_REJOIN_SECS", "2"), ("RELAIS_VIDEO_SIMULCAST", "false")],
        )
        .await,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    rejoin(
        Harness::start_with(
            relais_testkit::Engine::Postgres,
            &[],
            &[("RELAIS_VIDEO_REJOIN_SECS", "2"), ("RELAIS_VIDEO_SIMULCAST", "false")],
        )
        .await,
    )
    .await;
}

/// Whether the connection was let in (`admitted`) or sent to the lobby (`waiting`).
async fn entry(socket: &mut Socket) -> String {
    let wait = async {
        while let Some(Ok(message)) = socket.next().await {
            if let Message::Text(text) = message {
                let value: Value = serde_json::from_str(&text).unwrap();
                if value["type"] == "admitted" || value["type"] == "waiting" {
                    return value["type"].as_str().unwrap().to_owned();
                }
            }
        }
        panic!("closed before entering");
    };
    tokio::time::timeout(Duration::from_secs(5), wait).await.expect("an entry")
}

async fn rejoin(h: Harness) {
    let origin = h.server().url.clone();
    create_user(&h, "medecin@cisss.example", "physician", &[]);
    let (mut doctor, _) = signed_in_staff(&h, "medecin@cisss.example").await;
    let room = doctor.post("/rooms", &[]).await.location.unwrap().trim_start_matches("/rooms/").to_owned();
    // `video_simulcast = false`: the page sends its camera as one stream.
    let page = doctor.get(&format!("/rooms/{room}")).await;
    assert!(page.body.contains(r#"data-simulcast="""#), "{}", page.body);
    let mut host = connect_with(&h, &room, "", &doctor.cookie_header(), &origin).await.unwrap();
    next_of(&mut host, "admitted").await;
    let token = crate::support::person_token(&h, "medecin@cisss.example", "user/*.*").await;
    let (_, link) = invite(&h, &token, &room).await;
    let path = link.split_once("/i/").map(|(_, t)| format!("/i/{t}")).unwrap();
    let mut guest = Browser::new(&h);
    guest.post(&format!("{path}/enter"), &[]).await;
    let cookie = guest.cookie_header();

    // Admitted by the host, the guest is handed a ticket.
    let mut first = connect_with(&h, &room, "", &cookie, &origin).await.unwrap();
    let id = next_of(&mut first, "waiting").await["you"].as_str().unwrap().to_owned();
    send(&mut host, json!({"type": "admit", "id": id})).await;
    next_of(&mut first, "admitted").await;
    let ticket = next_of(&mut first, "rejoin").await;
    assert_eq!(ticket["valid_secs"], 2);
    let ticket = ticket["ticket"].as_str().unwrap().to_owned();

    // The connection drops; the new one comes straight back in, and the host sees them.
    drop(first);
    let query = format!("?rejoin={ticket}");
    let mut second = connect_with(&h, &room, &query, &cookie, &origin).await.unwrap();
    assert_eq!(entry(&mut second).await, "admitted");
    let renewed = next_of(&mut second, "rejoin").await["ticket"].as_str().unwrap().to_owned();
    assert_ne!(renewed, ticket);
    // A ticket serves once.
    let mut again = connect_with(&h, &room, &query, &cookie, &origin).await.unwrap();
    assert_eq!(entry(&mut again).await, "waiting");
    drop(again);

    // Past the window, the ticket has expired: the lobby again.
    drop(second);
    tokio::time::sleep(Duration::from_millis(2600)).await;
    let mut late = connect_with(&h, &room, &format!("?rejoin={renewed}"), &cookie, &origin).await.unwrap();
    assert_eq!(entry(&mut late).await, "waiting");
}
