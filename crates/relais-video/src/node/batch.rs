//! The datagrams a turn of the loop sends, sent together: one `sendmmsg` system call for up to
//! [`MAX_BATCH`] datagrams instead of one `sendto` each.
//!
//! Why: measured with four browsers (`docs/video.md`), a third of the SFU's time went into the
//! system calls that send, most of it not copying but the kernel's work around each call:
//! waking the receiving browser's thread and being preempted by it on the way out. A batch
//! pays that once for the frame it forwards to everyone in the room.

use std::io::IoSlice;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;

use nix::sys::socket::{MsgFlags, MultiHeaders, SockaddrStorage, sendmmsg};
use tokio::net::UdpSocket;

/// Datagrams sent in one system call at most (a frame of a few packets to a room of several).
pub(crate) const MAX_BATCH: usize = 64;

pub(crate) struct Batch {
    /// Reused buffers: the first `len` hold the datagrams waiting.
    contents: Vec<Vec<u8>>,
    destinations: Vec<Option<SockaddrStorage>>,
    len: usize,
    headers: MultiHeaders<SockaddrStorage>,
}

impl Batch {
    pub fn new() -> Self {
        Self {
            contents: Vec::new(),
            destinations: Vec::new(),
            len: 0,
            headers: MultiHeaders::preallocate(MAX_BATCH, None),
        }
    }

    /// Queues a datagram; a full batch goes out first.
    pub fn push(&mut self, socket: &UdpSocket, destination: SocketAddr, contents: &[u8]) {
        if self.len == MAX_BATCH {
            self.flush(socket);
        }
        if self.len == self.contents.len() {
            self.contents.push(Vec::with_capacity(contents.len()));
            self.destinations.push(None);
        }
        let buffer = &mut self.contents[self.len];
        buffer.clear();
        buffer.extend_from_slice(contents);
        self.destinations[self.len] = Some(SockaddrStorage::from(destination));
        self.len += 1;
    }

    /// Sends what is queued. UDP: a datagram the kernel refuses (a full buffer, an unreachable
    /// address) is lost, like on the wire, and the others still go.
    pub fn flush(&mut self, socket: &UdpSocket) {
        let fd = socket.as_raw_fd();
        let mut start = 0;
        while start < self.len {
            let slices: Vec<[IoSlice<'_>; 1]> =
                self.contents[start..self.len].iter().map(|c| [IoSlice::new(c)]).collect();
            let destinations = &self.destinations[start..self.len];
            let sent = sendmmsg(fd, &mut self.headers, &slices, destinations, [], MsgFlags::empty());
            match sent.map(Iterator::count) {
                Ok(sent) if sent > 0 => start += sent,
                // The first datagram was refused: it is dropped, the rest are tried again.
                _ => start += 1,
            }
        }
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_batch_delivers_every_datagram_to_its_own_destination_in_order() {
        let socket = UdpSocket::bind("127.0.0.1:0").await.expect("binds");
        let first = std::net::UdpSocket::bind("127.0.0.1:0").expect("binds");
        let second = std::net::UdpSocket::bind("127.0.0.1:0").expect("binds");
        // An IPv6 address from an IPv4 socket: the kernel refuses that datagram, not the others.
        let refused: SocketAddr = "[::1]:9".parse().expect("an address");
        let mut batch = Batch::new();
        // More than a batch holds: the first 64 go when the 65th is queued.
        for i in 0..MAX_BATCH + 6 {
            let to = if i % 2 == 0 { first.local_addr() } else { second.local_addr() };
            batch.push(&socket, to.expect("bound"), format!("datagram {i}").as_bytes());
            if i == 0 || i == 3 {
                batch.push(&socket, refused, b"refused");
            }
        }
        batch.flush(&socket);
        let mut buf = [0_u8; 64];
        for (receiver, parity) in [(&first, 0), (&second, 1)] {
            receiver.set_nonblocking(true).expect("non-blocking");
            let mut got = Vec::new();
            while let Ok((n, from)) = receiver.recv_from(&mut buf) {
                assert_eq!(from, socket.local_addr().expect("bound"));
                got.push(String::from_utf8_lossy(&buf[..n]).into_owned());
            }
            let expected: Vec<String> =
                (0..MAX_BATCH + 6).filter(|i| i % 2 == parity).map(|i| format!("datagram {i}")).collect();
            assert_eq!(got, expected);
        }
    }
}
