//! Video rooms over HTTP and the signalling WebSocket, against a real server on both engines:
//! a physician opens a room; an invitation link becomes a guest pass for that room only; the
//! WebSocket refuses whoever has no session nor pass, a pass for another room, a pass whose
//! invitation was revoked, a page of another origin, and a patient's session (unless she holds
//! the room's pass, as a guest); a guest waits in
//! the lobby until the host admits them; every join, refusal and admission is on the trail, and
//! the guest's token never reaches the logs.

use futures::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};

use crate::browser::{Browser, signed_in_staff};
use crate::support::{Harness, create_user};

crate::both_engines!(http_only_the_host_and_invited_guests_reach_a_room);

pub(crate) type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens the room's WebSocket with `cookie` and `origin`; answers the socket or the refusal's
/// status and body.
async fn connect(h: &Harness, room: &str, cookie: &str, origin: &str) -> Result<Socket, (u16, Value)> {
    connect_with(h, room, "", cookie, origin).await
}

/// [`connect`] with a query string (`?rejoin=…`).
pub(crate) async fn connect_with(
    h: &Harness,
    room: &str,
    query: &str,
    cookie: &str,
    origin: &str,
) -> Result<Socket, (u16, Value)> {
    let url = format!("{}/rooms/{room}/ws{query}", h.server().url.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    if !cookie.is_empty() {
        request.headers_mut().insert("cookie", cookie.parse().unwrap());
    }
    request.headers_mut().insert("origin", origin.parse().unwrap());
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(socket),
        Err(tungstenite::Error::Http(response)) => {
            let body =
                response.body().as_deref().map(|b| serde_json::from_slice(b).unwrap()).unwrap_or(Value::Null);
            Err((response.status().as_u16(), body))
        }
        Err(e) => panic!("WebSocket failed: {e}"),
    }
}

/// The next JSON message of type `kind` (others skipped), within five seconds.
pub(crate) async fn next_of(socket: &mut Socket, kind: &str) -> Value {
    let wait = async {
        while let Some(message) = socket.next().await {
            if let Message::Text(text) = message.unwrap() {
                let value: Value = serde_json::from_str(&text).unwrap();
                if value["type"] == kind {
                    return value;
                }
            }
        }
        panic!("socket closed before a {kind} message");
    };
    tokio::time::timeout(std::time::Duration::from_secs(5), wait)
        .await
        .unwrap_or_else(|_| panic!("no {kind} message"))
}

pub(crate) async fn send(socket: &mut Socket, message: Value) {
    socket.send(Message::Text(message.to_string().into())).await.unwrap();
}

pub(crate) async fn invite(h: &Harness, token: &str, room: &str) -> (String, String) {
    let body =
        json!({"purpose": "room", "target": format!("Room/{room}"), "invitee": "Léa Gagné", "max_uses": 1});
    let response = reqwest::Client::new()
        .post(h.url("/api/invitations"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let made: Value = response.json().await.unwrap();
    (made["id"].as_str().unwrap().to_owned(), made["link"].as_str().unwrap().to_owned())
}

async fn http_only_the_host_and_invited_guests_reach_a_room(h: Harness) {
    let origin = h.server().url.clone();
    create_user(&h, "medecin@cisss.example", "physician", &[]);
    let (mut doctor, _) = signed_in_staff(&h, "medecin@cisss.example").await;
    let opened = doctor.post("/rooms", &[]).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    let room = opened.location.unwrap().trim_start_matches("/rooms/").to_owned();
    let other_room =
        doctor.post("/rooms", &[]).await.location.unwrap().trim_start_matches("/rooms/").to_owned();
    let page = doctor.get(&format!("/rooms/{room}")).await;
    assert_eq!(page.status, StatusCode::OK);
    // Simulcast by default (`video_simulcast`).
    assert!(page.body.contains(r#"data-simulcast="1""#));
    assert!(
        page.body.contains("Vérification avant d'entrer")
            || page.body.contains("Vérification avant d&#39;entrer")
    );

    // Nobody without a session or a pass: neither the page nor the socket.
    let mut stranger = Browser::new(&h);
    assert_eq!(stranger.get(&format!("/rooms/{room}")).await.status, StatusCode::FORBIDDEN);
    let refused = connect(&h, &room, "", &origin).await.err().unwrap();
    assert_eq!(refused, (401, json!({"error": "authentication-required"})));

    // The host's own page from another site may not use her cookie.
    let cross = connect(&h, &room, &doctor.cookie_header(), "https://evil.example").await.err().unwrap();
    assert_eq!(cross, (403, json!({"error": "video-origin-refused"})));

    // A patient's session is not a clinician's.
    create_user(&h, "lea@example.org", "patient", &["--patient-id", "lea-gagne"]);
    let mut patient_account = Browser::new(&h);
    let signed = patient_account
        .post("/sign-in", &[("email", "lea@example.org"), ("password", crate::support::PASSWORD)])
        .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);
    let forbidden = connect(&h, &room, &patient_account.cookie_header(), &origin).await.err().unwrap();
    assert_eq!(forbidden, (403, json!({"error": "video-forbidden"})));

    // The host enters her room directly.
    let mut host = connect(&h, &room, &doctor.cookie_header(), &origin).await.unwrap();
    let admitted = next_of(&mut host, "admitted").await;
    assert_eq!(admitted["role"], "host");

    // The link becomes a guest pass for this room only, in an HttpOnly cookie.
    let token = crate::support::person_token(&h, "medecin@cisss.example", "user/*.*").await;
    let (invitation, link) = invite(&h, &token, &room).await;
    let path = link.split_once("/i/").map(|(_, t)| format!("/i/{t}")).unwrap();
    let mut guest = Browser::new(&h);
    // Opening the link (a mail preview, a link scanner) asks and spends nothing.
    for _ in 0..2 {
        let asked = guest.get(&path).await;
        assert_eq!(asked.status, StatusCode::OK);
        assert!(asked.body.contains(&format!(r#"action="{path}/enter""#)), "{}", asked.body);
        assert!(asked.header("set-cookie").is_none());
    }
    let entered = guest.post(&format!("{path}/enter"), &[]).await;
    assert_eq!(entered.location.as_deref(), Some(format!("/rooms/{room}").as_str()));
    let cookie = entered.header("set-cookie").unwrap().to_owned();
    assert!(cookie.contains(&format!("Path=/rooms/{room}")) && cookie.contains("HttpOnly"), "{cookie}");
    assert_eq!(guest.get(&format!("/rooms/{room}")).await.status, StatusCode::OK);
    assert_eq!(guest.get(&format!("/rooms/{other_room}")).await.status, StatusCode::FORBIDDEN);
    let wrong_room = connect(&h, &other_room, &guest.cookie_header(), &origin).await.err().unwrap();
    assert_eq!(wrong_room, (403, json!({"error": "video-pass-invalid"})));
    // A link for something else is not spent by opening it here.
    let body = json!({"purpose": "photo-upload", "target": "Encounter/e1", "invitee": "Léa Gagné"});
    let photo: Value = reqwest::Client::new()
        .post(h.url("/api/invitations"))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let photo_path =
        photo["link"].as_str().unwrap().split_once("/i/").map(|(_, t)| format!("/i/{t}")).unwrap();
    assert_eq!(Browser::new(&h).get(&photo_path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        Browser::new(&h).post(&format!("{photo_path}/enter"), &[]).await.status,
        StatusCode::NOT_FOUND
    );
    let used = reqwest::Client::new().post(h.url(&photo_path)).send().await.unwrap();
    assert_eq!(used.status(), StatusCode::OK, "still unused");
    // Used once, the link opens nothing more.
    assert_eq!(Browser::new(&h).get(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(Browser::new(&h).post(&format!("{path}/enter"), &[]).await.status, StatusCode::NOT_FOUND);

    // The guest waits in the lobby; the host sees them and lets them in.
    let mut lobby = connect(&h, &room, &guest.cookie_header(), &origin).await.unwrap();
    let waiting = next_of(&mut lobby, "waiting").await;
    let guest_id = waiting["you"].as_str().unwrap().to_owned();
    let roster = next_of(&mut host, "roster").await;
    let roster = if roster["waiting"].as_array().unwrap().is_empty() {
        next_of(&mut host, "roster").await
    } else {
        roster
    };
    assert_eq!(roster["waiting"], json!([{"id": guest_id, "name": "Léa Gagné"}]));
    // Only the host controls the room, and media needs admission first.
    send(&mut lobby, json!({"type": "offer", "sdp": "v=0"})).await;
    assert_eq!(next_of(&mut lobby, "error").await["code"], "not-admitted");
    send(&mut lobby, json!({"type": "end"})).await;
    assert_eq!(next_of(&mut lobby, "error").await["code"], "not-host");
    send(&mut host, json!({"type": "admit", "id": guest_id})).await;
    assert_eq!(next_of(&mut lobby, "admitted").await["role"], "participant");
    // A side room: only the host opens one; anyone in it may bring it back; both are audited
    // with whom they moved, and the roster says where everyone is.
    send(&mut lobby, json!({"type": "side-room", "ids": [guest_id]})).await;
    assert_eq!(next_of(&mut lobby, "error").await["code"], "not-host");
    send(&mut host, json!({"type": "side-room", "ids": ["p999"]})).await;
    assert_eq!(next_of(&mut host, "error").await["code"], "unknown-member");
    send(&mut host, json!({"type": "side-room", "ids": [guest_id]})).await;
    let apart = loop {
        let roster = next_of(&mut lobby, "roster").await;
        if roster["members"].as_array().unwrap().iter().any(|m| m["side"] == 1) {
            break roster;
        }
    };
    let sides: Vec<&Value> = apart["members"].as_array().unwrap().iter().map(|m| &m["side"]).collect();
    assert_eq!(sides, [&Value::Null, &json!(1)], "{apart}");
    // The host's page hears it (its older rosters skipped), then the guest's return.
    while !next_of(&mut host, "roster").await["members"].as_array().unwrap().iter().any(|m| m["side"] == 1) {}
    send(&mut lobby, json!({"type": "side-room-end", "side": 1})).await;
    while !next_of(&mut host, "roster").await["members"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["side"].is_null())
    {}
    let metrics = h.get("/metrics").await.text;
    assert!(
        metrics.contains("relais_video_rooms 1") && metrics.contains("relais_video_participants 2"),
        "{metrics}"
    );
    // Once a second the node publishes its rooms' figures, summed up: no room id in a label.
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let metrics = h.get("/metrics").await.text;
    for name in [
        "relais_video_forwarded_bits_per_second",
        "relais_video_room_forwarded_bits_per_second_max",
        "relais_video_room_loss_ratio_max",
        "relais_video_rooms_by_loss{band=\"under-1pc\"}",
    ] {
        assert!(metrics.contains(name), "{name} in {metrics}");
    }
    assert!(!metrics.contains(&room), "no room id in the metrics");

    // A patient signed in to the portal who opens her own link comes in as a guest.
    let (_, second) = invite(&h, &token, &room).await;
    let second = second.split_once("/i/").map(|(_, t)| format!("/i/{t}")).unwrap();
    assert_eq!(patient_account.post(&format!("{second}/enter"), &[]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(patient_account.get(&format!("/rooms/{room}")).await.status, StatusCode::OK);
    let mut portal = connect(&h, &room, &patient_account.cookie_header(), &origin).await.unwrap();
    next_of(&mut portal, "waiting").await;
    drop(portal);

    // Revoked, the invitation's pass opens nothing any more.
    let revoked = reqwest::Client::new()
        .delete(h.url(&format!("/api/invitations/{invitation}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    let after = connect(&h, &room, &guest.cookie_header(), &origin).await.err().unwrap();
    assert_eq!(after, (403, json!({"error": "video-pass-invalid"})));
    assert_eq!(guest.get(&format!("/rooms/{room}")).await.status, StatusCode::FORBIDDEN);

    // The host removes the guest, then ends the room: nobody joins an ended room.
    send(&mut host, json!({"type": "remove", "id": guest_id})).await;
    assert_eq!(next_of(&mut lobby, "closed").await["reason"], "removed");
    send(&mut host, json!({"type": "end"})).await;
    assert_eq!(next_of(&mut host, "closed").await["reason"], "ended");
    let ended = connect(&h, &room, &doctor.cookie_header(), &origin).await.err().unwrap();
    assert_eq!(ended, (410, json!({"error": "room-ended"})));

    // The trail: joins (and the refusals at the door), the admission, the side room, the
    // removal, the end.
    let store = relais_store::open(h.db.url(), &relais_store::StoreOptions::default()).await.unwrap();
    let records = store.audit_records(0, 10_000).await.unwrap();
    store.close().await;
    let video: Vec<(String, &str, String)> = records
        .iter()
        .filter(|r| r.action.starts_with("video-") && r.resource_id.as_deref() == Some(room.as_str()))
        .map(|r| (r.action.clone(), r.outcome.code(), r.purpose.clone().unwrap_or_default()))
        .collect();
    let guest_actor = format!("invitation:{invitation}");
    let expected = [
        ("video-open", "success", ""),
        ("video-join", "denied", "authentication-required"),
        ("video-join", "denied", "video-forbidden"),
        ("video-join", "success", "host:"),
        ("video-join", "success", "participant:"),
        ("video-admit", "success", guest_actor.as_str()),
        ("video-side-room", "success", guest_actor.as_str()),
        ("video-side-room-end", "success", guest_actor.as_str()),
        ("video-join", "success", "participant:"),
        ("video-join", "denied", "video-pass-invalid"),
        ("video-remove", "success", guest_actor.as_str()),
        ("video-end", "success", ""),
        ("video-join", "denied", "room-ended"),
    ];
    assert_eq!(video.len(), expected.len(), "{video:?}");
    for ((action, outcome, detail), (want_action, want_outcome, want_detail)) in video.iter().zip(expected) {
        assert_eq!((action.as_str(), *outcome), (want_action, want_outcome), "{video:?}");
        assert!(detail.starts_with(want_detail), "{detail} vs {want_detail}: {video:?}");
    }
    let logs = h.server().logs().join("\n");
    let guest_token = cookie.split(';').next().unwrap().split_once('=').unwrap().1;
    assert!(!logs.contains(guest_token), "the guest pass is in the logs");
}
