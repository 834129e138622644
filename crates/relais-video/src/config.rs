//! The SFU's settings: where its one UDP socket listens, the address browsers are told to send
//! media to, and the STUN/TURN servers handed to browsers.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use serde::Serialize;

/// A STUN or TURN server as a browser's `RTCPeerConnection` takes it (`iceServers`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IceServer {
    pub urls: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

/// How the SFU is reached.
#[derive(Clone, PartialEq, Eq)]
pub struct VideoConfig {
    /// The UDP address media arrives on (`127.0.0.1:0` for tests: any free port).
    pub udp_bind: SocketAddr,
    /// The address browsers send media to when it is not the bound one (behind NAT, or bound
    /// to `0.0.0.0`).
    pub public_ip: Option<IpAddr>,
    /// STUN/TURN servers for browsers (TURN over TLS on 443 for networks that block UDP).
    pub ice_servers: Vec<IceServer>,
    /// How long a browser's media may stay unreachable (a network blip) before it is taken out
    /// of its room and its tile removed for the others.
    pub peer_timeout: Duration,
    /// How long after its connection dropped an admitted person comes back without the lobby.
    pub rejoin_window: Duration,
    /// Whether browsers are asked to send simulcast layers (the page reads it, see
    /// [`crate::Sfu::simulcast`]); the SFU forwards what it is sent either way.
    pub simulcast: bool,
    /// The node's thread on the real-time FIFO policy at this priority (1 to 99), if set:
    /// never preempted in the middle of sending a frame to a room (see `priority.rs`).
    pub realtime_priority: Option<u8>,
}

/// The default `peer_timeout`: long enough for a Wi-Fi hand-over.
pub const PEER_TIMEOUT: Duration = Duration::from_secs(15);

/// The default `rejoin_window`.
pub const REJOIN_WINDOW: Duration = Duration::from_secs(60);

impl std::fmt::Debug for VideoConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // TURN credentials are secrets: only the server URLs show.
        let urls: Vec<&String> = self.ice_servers.iter().flat_map(|s| &s.urls).collect();
        f.debug_struct("VideoConfig")
            .field("udp_bind", &self.udp_bind)
            .field("public_ip", &self.public_ip)
            .field("ice_servers", &urls)
            .field("peer_timeout", &self.peer_timeout)
            .field("rejoin_window", &self.rejoin_window)
            .field("simulcast", &self.simulcast)
            .field("realtime_priority", &self.realtime_priority)
            .finish()
    }
}

impl VideoConfig {
    /// ICE servers from a comma-separated list of URLs (`stun:…`, `turn:…`, `turns:…`), the
    /// TURN ones sharing `username` and `credential` (empty: none).
    ///
    /// # Errors
    /// The first URL that is not a STUN or TURN URL.
    pub fn ice_servers_from(list: &str, username: &str, credential: &str) -> Result<Vec<IceServer>, String> {
        let mut servers = Vec::new();
        for url in list.split(',').map(str::trim).filter(|u| !u.is_empty()) {
            let turn = url.starts_with("turn:") || url.starts_with("turns:");
            if !turn && !url.starts_with("stun:") {
                return Err(url.to_owned());
            }
            let secret = |s: &str| (turn && !s.is_empty()).then(|| s.to_owned());
            servers.push(IceServer {
                urls: vec![url.to_owned()],
                username: secret(username),
                credential: secret(credential),
            });
        }
        Ok(servers)
    }

    /// The address offered to browsers as the host candidate.
    ///
    /// # Errors
    /// When bound to an unspecified address (`0.0.0.0`) without a public address: browsers
    /// cannot send to it.
    pub fn candidate_address(&self, bound: SocketAddr) -> Result<SocketAddr, String> {
        match self.public_ip {
            Some(ip) => Ok(SocketAddr::new(ip, bound.port())),
            None if bound.ip().is_unspecified() => {
                Err(format!("video_udp_bind {bound} is unspecified: set video_public_ip"))
            }
            None => Ok(bound),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ice_servers_are_stun_or_turn_and_only_turn_gets_the_credentials() {
        let servers =
            VideoConfig::ice_servers_from("stun:stun.example.org:3478, turns:turn.example.org:443", "u", "p")
                .unwrap_or_default();
        assert_eq!(servers.len(), 2);
        assert_eq!(servers[0].username, None);
        assert_eq!(servers[1].credential.as_deref(), Some("p"));
        assert_eq!(VideoConfig::ice_servers_from("http://x", "", ""), Err("http://x".to_owned()));
        assert_eq!(VideoConfig::ice_servers_from("", "", ""), Ok(Vec::new()));
    }

    #[test]
    fn an_unspecified_bind_needs_a_public_address() {
        let config = VideoConfig {
            udp_bind: SocketAddr::from(([0, 0, 0, 0], 0)),
            public_ip: None,
            ice_servers: vec![IceServer {
                urls: vec!["turn:t".into()],
                username: None,
                credential: Some("s".into()),
            }],
            peer_timeout: PEER_TIMEOUT,
            rejoin_window: REJOIN_WINDOW,
            simulcast: true,
            realtime_priority: None,
        };
        assert!(config.candidate_address(SocketAddr::from(([0, 0, 0, 0], 5000))).is_err());
        assert!(!format!("{config:?}").contains('s') || !format!("{config:?}").contains("\"s\""));
        let public = VideoConfig { public_ip: Some(IpAddr::from([192, 0, 2, 7])), ..config };
        assert_eq!(
            public.candidate_address(SocketAddr::from(([0, 0, 0, 0], 5000))),
            Ok(SocketAddr::from(([192, 0, 2, 7], 5000)))
        );
    }
}
