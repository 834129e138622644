//! The datagrams a turn of the loop sends, sent together: one `sendmmsg` system call for up to
//! [`MAX_BATCH`] datagrams instead of one `sendto` each, and the packets of a frame to one
//! browser as one segmented send (UDP generic segmentation offload, `UDP_SEGMENT`).
//!
//! Why: measured with four browsers (`docs/video.md`), a third of the SFU's time went into the
//! system calls that send, most of it not copying but the kernel's work around each datagram:
//! building it, routing it, and on loopback delivering it into the browser's socket and waking
//! its thread. A batch pays the system call once for the frame it forwards to everyone in the
//! room; a segmented send pays the rest once per frame and browser: str0m cuts a frame into
//! packets of one size (the last one shorter), which is what the kernel segments, and it cuts
//! them apart again only at the network card, or at the receiving socket on loopback.

use std::io::IoSlice;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;

use nix::errno::Errno;
use nix::sys::socket::{
    ControlMessage, MsgFlags, MultiHeaders, SockaddrStorage, getsockopt, sendmmsg, sockopt,
};
use tokio::net::UdpSocket;

/// Datagrams sent in one system call at most (a frame of a few packets to a room of several).
pub(crate) const MAX_BATCH: usize = 64;

/// Datagrams in one segmented send at most (the kernel's `UDP_MAX_SEGMENTS`: 64 since Linux
/// 4.18, 128 on recent kernels).
const MAX_SEGMENTS: usize = 64;

/// Bytes in one segmented send at most: under the 65,507 one UDP datagram carries over IPv4.
const MAX_SEGMENTED_BYTES: usize = 60_000;

pub(crate) struct Batch {
    /// The datagrams waiting (str0m's buffers, taken as they are: no copy) and their addresses.
    contents: Vec<Vec<u8>>,
    destinations: Vec<SocketAddr>,
    /// The system call's headers, without control messages and with one: nix leaves the last
    /// control message in its buffer when a call has none, and a stale segment size would cut
    /// the next datagrams apart.
    plain: MultiHeaders<SockaddrStorage>,
    segmented: MultiHeaders<SockaddrStorage>,
    /// Whether sends are segmented: if the kernel knows `UDP_SEGMENT` (an older one would
    /// ignore the control message and send the datagrams as one), until it refuses a segmented
    /// send (a network card that cannot checksum, an IPsec route), then never again.
    segmenting: bool,
    /// Datagrams queued at most ([`MAX_BATCH`]; other limits only so a test can exceed the
    /// kernel's).
    capacity: usize,
    /// Datagrams in one segmented send at most ([`MAX_SEGMENTS`]).
    max_segments: usize,
    /// Messages handed to the kernel since the batch was made: datagrams or segmented sends.
    messages: u64,
}

/// One message of a `sendmmsg` call: the datagrams `start..end` of the batch, to one address.
#[derive(Clone, Copy)]
struct Message {
    start: usize,
    end: usize,
}

impl Batch {
    /// A batch for `socket`, segmenting if its kernel can.
    pub fn new(socket: &UdpSocket) -> Self {
        let mut batch = Self::with_limits(MAX_BATCH, MAX_SEGMENTS);
        batch.segmenting = getsockopt(socket, sockopt::UdpGsoSegment).is_ok();
        if !batch.segmenting {
            tracing::info!("the kernel does not segment UDP sends: one datagram per send");
        }
        batch
    }

    fn with_limits(capacity: usize, max_segments: usize) -> Self {
        Self {
            contents: Vec::with_capacity(capacity),
            destinations: Vec::with_capacity(capacity),
            plain: MultiHeaders::preallocate(capacity, None),
            segmented: MultiHeaders::preallocate(capacity, Some(nix::cmsg_space!(u16))),
            segmenting: true,
            capacity,
            max_segments,
            messages: 0,
        }
    }

    /// Queues a datagram; a full batch goes out first.
    pub fn push(&mut self, socket: &UdpSocket, destination: SocketAddr, contents: Vec<u8>) {
        if self.contents.len() == self.capacity {
            self.flush(socket);
        }
        self.contents.push(contents);
        self.destinations.push(destination);
    }

    /// Sends what is queued. UDP: a datagram the kernel refuses (a full buffer, an unreachable
    /// address) is lost, like on the wire, and the others still go.
    pub fn flush(&mut self, socket: &UdpSocket) {
        let mut start = 0;
        while start < self.contents.len() {
            start = self.send_from(socket, start);
        }
        self.contents.clear();
        self.destinations.clear();
    }

    /// Sends the datagrams from `start` on, in as few messages as one call takes; answers
    /// where the next call starts.
    fn send_from(&mut self, socket: &UdpSocket, start: usize) -> usize {
        let segment = if self.segmenting { self.segment_size(start) } else { None };
        let (segment, messages) = match segment {
            // A datagram longer than the others (a resend, with its original sequence number
            // prepended) goes alone, and the others are segmented after it.
            Some(size) if self.contents[start].len() > size => {
                (None, vec![Message { start, end: start + 1 }])
            }
            _ => (segment, self.messages_from(start, segment)),
        };
        let slices: Vec<IoSlice<'_>> = self.contents[start..].iter().map(|c| IoSlice::new(c)).collect();
        let groups: Vec<&[IoSlice<'_>]> =
            messages.iter().map(|m| &slices[m.start - start..m.end - start]).collect();
        let addresses: Vec<Option<SockaddrStorage>> =
            messages.iter().map(|m| Some(SockaddrStorage::from(self.destinations[m.start]))).collect();
        let size = segment.and_then(|s| u16::try_from(s).ok());
        let gso = size.as_ref().map(ControlMessage::UdpGsoSegments);
        let fd = socket.as_raw_fd();
        let headers = if gso.is_some() { &mut self.segmented } else { &mut self.plain };
        let sent = sendmmsg(fd, headers, &groups, &addresses, gso.as_slice(), MsgFlags::empty())
            .map(Iterator::count);
        let first = messages[0];
        match sent {
            Ok(sent) if sent > 0 => {
                self.messages += sent as u64;
                messages[sent - 1].end
            }
            // The kernel will not segment here (it may say so for any message of a call that
            // carries the segment size): the same datagrams again, one by one.
            Err(error) if gso.is_some() && refuses_segmenting(error) => {
                tracing::warn!(%error, "the kernel does not segment UDP sends here: one datagram per send");
                self.segmenting = false;
                first.start
            }
            // Lost, like on the wire (a full buffer, an unreachable address); the rest are
            // tried again.
            _ => first.end,
        }
    }

    /// The size the datagrams from `start` on are segmented at: the largest that several of
    /// them have (a full packet).
    fn segment_size(&self, start: usize) -> Option<usize> {
        let sizes = || self.contents[start..].iter().map(Vec::len);
        sizes().filter(|&size| sizes().filter(|&other| other == size).count() > 1).max()
    }

    /// Groups the datagrams from `start` on into messages: consecutive datagrams to one
    /// address, each but the last of `segment` bytes, go as one segmented send. The call ends
    /// before a datagram longer than `segment` (the kernel would cut it).
    fn messages_from(&self, start: usize, segment: Option<usize>) -> Vec<Message> {
        let mut messages: Vec<Message> = Vec::new();
        let mut bytes = 0;
        for i in start..self.contents.len() {
            let size = self.contents[i].len();
            if segment.is_some_and(|s| size > s) {
                break;
            }
            let joins = messages.last().is_some_and(|last| {
                let previous = last.end - 1;
                segment == Some(self.contents[previous].len())
                    && self.destinations[previous] == self.destinations[i]
                    && last.end - last.start < self.max_segments
                    && bytes + size <= MAX_SEGMENTED_BYTES
            });
            if joins {
                if let Some(last) = messages.last_mut() {
                    last.end = i + 1;
                }
                bytes += size;
            } else {
                messages.push(Message { start: i, end: i + 1 });
                bytes = size;
            }
        }
        messages
    }
}

/// Whether `error`, answering a send that carried a segment size, means the kernel will not
/// segment on this socket (rather than that the datagrams could not go this time).
fn refuses_segmenting(error: Errno) -> bool {
    // EIO: the device cannot checksum (or the route is IPsec); EINVAL: more segments than it
    // takes, or checksums turned off on the socket; EMSGSIZE: a path MTU below the segment
    // size (a datagram sent alone would be fragmented instead).
    matches!(error, Errno::EIO | Errno::EINVAL | Errno::EMSGSIZE)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SFU's side: its socket and a batch for it.
    async fn sender() -> (UdpSocket, Batch) {
        let socket = UdpSocket::bind("127.0.0.1:0").await.expect("binds");
        let batch = Batch::new(&socket);
        (socket, batch)
    }

    fn receiver() -> std::net::UdpSocket {
        let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("binds");
        socket.set_nonblocking(true).expect("non-blocking");
        socket
    }

    fn address(socket: &std::net::UdpSocket) -> SocketAddr {
        socket.local_addr().expect("bound")
    }

    /// Every datagram waiting at `receiver`, in order, each from `from`.
    fn received(receiver: &std::net::UdpSocket, from: SocketAddr) -> Vec<Vec<u8>> {
        let mut buf = [0_u8; 2048];
        let mut got = Vec::new();
        while let Ok((n, sender)) = receiver.recv_from(&mut buf) {
            assert_eq!(sender, from);
            got.push(buf[..n].to_vec());
        }
        got
    }

    /// A frame of `full` packets of 1,200 bytes and a shorter last one.
    fn frame(full: u8) -> Vec<Vec<u8>> {
        (0..=full).map(|i| datagram(i, if i < full { 1_200 } else { 431 })).collect()
    }

    /// Queues `datagrams` to `to`.
    fn push_all(batch: &mut Batch, socket: &UdpSocket, to: SocketAddr, datagrams: &[Vec<u8>]) {
        for d in datagrams {
            batch.push(socket, to, d.clone());
        }
    }

    /// A datagram of `len` bytes that says which it is.
    fn datagram(number: u8, len: usize) -> Vec<u8> {
        let mut d = vec![number; len];
        d[0] = number;
        d
    }

    #[tokio::test]
    async fn a_batch_delivers_every_datagram_to_its_own_destination_in_order() {
        let (socket, mut batch) = sender().await;
        let (first, second) = (receiver(), receiver());
        // An IPv6 address from an IPv4 socket: the kernel refuses that datagram, not the others.
        let refused: SocketAddr = "[::1]:9".parse().expect("an address");
        // More than a batch holds: the first 64 go when the 65th is queued.
        for i in 0..MAX_BATCH + 6 {
            let to = if i % 2 == 0 { address(&first) } else { address(&second) };
            batch.push(&socket, to, format!("datagram {i}").into_bytes());
            if i == 0 || i == 3 {
                batch.push(&socket, refused, b"refused".to_vec());
            }
        }
        batch.flush(&socket);
        let from = socket.local_addr().expect("bound");
        for (receiver, parity) in [(&first, 0), (&second, 1)] {
            let got: Vec<String> =
                received(receiver, from).iter().map(|d| String::from_utf8_lossy(d).into_owned()).collect();
            let expected: Vec<String> =
                (0..MAX_BATCH + 6).filter(|i| i % 2 == parity).map(|i| format!("datagram {i}")).collect();
            assert_eq!(got, expected);
        }
    }

    #[tokio::test]
    async fn a_frame_to_one_browser_goes_as_one_send_and_arrives_as_its_packets() {
        let (socket, mut batch) = sender().await;
        let (first, second) = (receiver(), receiver());
        // A frame of nine full packets and a shorter last one, to each of two browsers; then an
        // audio packet to the first.
        let frame = frame(9);
        for to in [address(&first), address(&second)] {
            push_all(&mut batch, &socket, to, &frame);
        }
        let audio = datagram(99, 160);
        batch.push(&socket, address(&first), audio.clone());
        batch.flush(&socket);
        // Three sends: the frame to each, the audio packet.
        assert_eq!(batch.messages, 3);
        let from = socket.local_addr().expect("bound");
        let mut expected = frame.clone();
        expected.push(audio);
        assert_eq!(received(&first, from), expected);
        assert_eq!(received(&second, from), frame);
    }

    #[tokio::test]
    async fn a_shorter_datagram_ends_a_segmented_send() {
        let (socket, mut batch) = sender().await;
        let to = receiver();
        // Two frames back to back to one browser: the first one's short last packet ends it.
        let sent = vec![datagram(1, 1_200), datagram(2, 431), datagram(3, 1_200), datagram(4, 1_200)];
        push_all(&mut batch, &socket, address(&to), &sent);
        batch.flush(&socket);
        assert_eq!(received(&to, socket.local_addr().expect("bound")), sent);
        assert_eq!(batch.messages, 2);
    }

    #[tokio::test]
    async fn a_longer_datagram_goes_alone_and_the_frames_around_it_still_go_together() {
        let (socket, mut batch) = sender().await;
        let (first, second) = (receiver(), receiver());
        let frame = frame(3);
        // A resend (longer) to the first browser between two frames, then a frame to the second.
        let mut to_first = frame.clone();
        to_first.push(datagram(9, 1_202));
        to_first.extend(frame.clone());
        push_all(&mut batch, &socket, address(&first), &to_first);
        push_all(&mut batch, &socket, address(&second), &frame);
        batch.flush(&socket);
        let from = socket.local_addr().expect("bound");
        assert_eq!(received(&first, from), to_first);
        assert_eq!(received(&second, from), frame);
        // The first frame; the resend alone; the two frames after it.
        assert_eq!(batch.messages, 4);
    }

    #[tokio::test]
    async fn a_send_without_segments_after_one_with_keeps_its_datagrams_whole() {
        let (socket, mut batch) = sender().await;
        let to = receiver();
        // Segmented at 100 bytes...
        let small: Vec<Vec<u8>> = (0..3).map(|i| datagram(i, 100)).collect();
        push_all(&mut batch, &socket, address(&to), &small);
        batch.flush(&socket);
        // ...then one datagram, bigger: not cut at the earlier segment size.
        let big = datagram(7, 1_100);
        batch.push(&socket, address(&to), big.clone());
        batch.flush(&socket);
        let mut expected = small.clone();
        expected.push(big);
        assert_eq!(received(&to, socket.local_addr().expect("bound")), expected);
        assert_eq!(batch.messages, 2);
    }

    #[tokio::test]
    async fn when_the_kernel_refuses_to_segment_the_datagrams_go_one_by_one() {
        let socket = UdpSocket::bind("127.0.0.1:0").await.expect("binds");
        let to = receiver();
        // More segments in one send than the kernel takes (64, or 128 on recent kernels): it
        // answers EINVAL, as it answers EIO where the network card cannot checksum.
        let mut batch = Batch::with_limits(200, 200);
        let sent: Vec<Vec<u8>> = (0..150).map(|i| datagram(i, 100)).collect();
        push_all(&mut batch, &socket, address(&to), &sent);
        batch.flush(&socket);
        assert_eq!(received(&to, socket.local_addr().expect("bound")), sent);
        assert!(!batch.segmenting, "no more segmented sends on this socket");
        assert_eq!(batch.messages, 150);
    }
}
