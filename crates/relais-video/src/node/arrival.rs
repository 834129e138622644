//! Datagrams with the time the kernel received them (`SO_TIMESTAMPNS`), not the time the loop
//! got round to reading them, several in one system call (`recvmmsg`).
//!
//! Why stamps: str0m tells each browser when its packets arrived (transport-wide congestion
//! control feedback), and the browser's bandwidth estimate reads a growing delay as a congested
//! path. On a busy machine the loop may read a datagram milliseconds after it arrived; stamped at
//! the read, that scheduling delay looked like congestion, and four browsers on our 2-core
//! machine sent a third of what they could (measured, `docs/video.md`). The kernel's stamp leaves
//! the loop's own lateness out of what browsers are told.
//!
//! Why several per call: a wake finds two or three datagrams waiting (browsers pace their
//! packets); read one by one, that was a system call each plus one more to learn the socket
//! was empty.

use std::io::{self, IoSliceMut};
use std::net::{SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use nix::sys::socket::{
    ControlMessageOwned, MsgFlags, MultiHeaders, SockaddrStorage, recvmmsg, setsockopt, sockopt,
};
use nix::sys::time::TimeSpec;
use tokio::io::Interest;
use tokio::net::UdpSocket;

/// A stamp older than this (the wall clock was stepped back, or a bug) is not trusted: the read
/// time stands in.
const MAX_AGE: Duration = Duration::from_secs(1);

/// Room for one datagram: more than any path's MTU (a longer one is cut, as str0m would refuse
/// it anyway).
const ROOM: usize = 2000;

/// One datagram read: where it is in the receiver's buffers, who sent it, and when it arrived.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Datagram {
    slot: usize,
    len: usize,
    pub source: SocketAddr,
    pub arrived: Instant,
}

/// Reads datagrams with their kernel arrival times (the read time where the kernel gives none).
pub(crate) struct Receiver {
    buffers: Vec<u8>,
    read: Vec<Datagram>,
}

impl Receiver {
    /// Asks the kernel to stamp `socket`'s datagrams; answers whether it will. One read takes
    /// up to `batch` datagrams.
    pub fn new(socket: &UdpSocket, batch: usize) -> (Self, bool) {
        let stamping = setsockopt(socket, sockopt::ReceiveTimestampns, &true).is_ok();
        let batch = batch.max(1);
        (Self { buffers: vec![0; ROOM * batch], read: Vec::with_capacity(batch) }, stamping)
    }

    /// Reads the datagrams waiting, up to the batch, in one system call; how many it read (0:
    /// none was waiting). Fewer than the batch means the socket is empty: its readiness is
    /// cleared then, so the next `readable().await` waits for a new datagram.
    pub fn receive(&mut self, socket: &UdpSocket) -> io::Result<usize> {
        let Self { buffers, read } = self;
        read.clear();
        let batch = buffers.len() / ROOM;
        let result = socket.try_io(Interest::READABLE, || {
            // Headers are made for each call: nix does not reset the lengths the kernel wrote
            // back into reused ones (a call whose datagram had no stamp would leave no room for
            // the next one's).
            let mut headers =
                MultiHeaders::<SockaddrStorage>::preallocate(batch, Some(nix::cmsg_space!(TimeSpec)));
            let mut slices: Vec<[IoSliceMut<'_>; 1]> =
                buffers.chunks_exact_mut(ROOM).map(|b| [IoSliceMut::new(b)]).collect();
            let messages =
                recvmmsg(socket.as_raw_fd(), &mut headers, slices.iter_mut(), MsgFlags::empty(), None)
                    .map_err(io::Error::from)?;
            let now = Instant::now();
            // The kernel's stamp is on the system's wall clock: it is read against that clock,
            // at the same moment as `now` (not business time, which the injected Clock is for).
            #[allow(clippy::disallowed_methods)]
            let wall = SystemTime::now();
            let mut taken = 0;
            for (slot, message) in messages.enumerate() {
                taken += 1;
                // Only an IP socket's datagrams come here; one without an address is dropped.
                let Some(source) = message.address.as_ref().and_then(socket_addr) else { continue };
                let stamp = message.cmsgs().ok().and_then(|mut cmsgs| {
                    cmsgs.find_map(|c| match c {
                        ControlMessageOwned::ScmTimestampns(stamp) => Some(stamp),
                        _ => None,
                    })
                });
                let arrived = stamp.map_or(now, |s| arrival(s, now, wall));
                read.push(Datagram { slot, len: message.bytes.min(ROOM), source, arrived });
            }
            if taken < batch {
                // The socket is empty: tokio clears its readiness on this answer.
                Err(io::ErrorKind::WouldBlock.into())
            } else {
                Ok(())
            }
        });
        match result {
            Ok(()) => Ok(read.len()),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(read.len()),
            Err(e) => Err(e),
        }
    }

    /// The datagrams the last `receive` read, in the order they arrived, with their contents.
    pub fn datagrams(&self) -> impl Iterator<Item = (&[u8], Datagram)> {
        self.read.iter().map(|d| (&self.buffers[d.slot * ROOM..d.slot * ROOM + d.len], *d))
    }
}

fn socket_addr(address: &SockaddrStorage) -> Option<SocketAddr> {
    if let Some(v4) = address.as_sockaddr_in() {
        return Some(SocketAddr::V4(SocketAddrV4::from(*v4)));
    }
    address.as_sockaddr_in6().map(|v6| SocketAddr::V6(SocketAddrV6::from(*v6)))
}

/// The monotonic instant of a wall-clock `stamp`, given the same moment `now` on both clocks.
fn arrival(stamp: TimeSpec, now: Instant, wall: SystemTime) -> Instant {
    let (Ok(secs), Ok(nanos)) = (u64::try_from(stamp.tv_sec()), u32::try_from(stamp.tv_nsec())) else {
        return now;
    };
    let stamped = UNIX_EPOCH + Duration::new(secs, nanos);
    match wall.duration_since(stamped) {
        Ok(age) if age <= MAX_AGE => now.checked_sub(age).unwrap_or(now),
        // In the future (the clock stepped forward since) or too old: the read time.
        _ => now,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(wall: SystemTime) -> TimeSpec {
        let since = wall.duration_since(UNIX_EPOCH).expect("after 1970");
        TimeSpec::new(since.as_secs() as i64, i64::from(since.subsec_nanos()))
    }

    #[test]
    fn a_stamp_moves_the_arrival_back_by_its_age() {
        let now = Instant::now();
        let wall = UNIX_EPOCH + Duration::from_secs(1_795_000_000);
        let stamp = spec(wall - Duration::from_millis(7));
        assert_eq!(now.duration_since(arrival(stamp, now, wall)), Duration::from_millis(7));
    }

    #[test]
    fn an_untrustworthy_stamp_gives_the_read_time() {
        let now = Instant::now();
        let wall = UNIX_EPOCH + Duration::from_secs(1_795_000_000);
        assert_eq!(arrival(spec(wall + Duration::from_millis(5)), now, wall), now);
        assert_eq!(arrival(spec(wall - Duration::from_secs(5)), now, wall), now);
        assert_eq!(arrival(TimeSpec::new(-1, 0), now, wall), now);
    }

    #[tokio::test]
    async fn the_kernel_stamps_a_datagram_when_it_arrives_not_when_it_is_read() {
        let socket = UdpSocket::bind("127.0.0.1:0").await.expect("binds");
        let (mut receiver, stamping) = Receiver::new(&socket, 4);
        assert!(stamping, "Linux stamps UDP datagrams");
        // The kernel turns arrival stamps on in a work item of its own: until then a datagram is
        // stamped when read.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let sender = std::net::UdpSocket::bind("127.0.0.1:0").expect("binds");
        sender.send_to(b"hello", socket.local_addr().expect("bound")).expect("sends");
        let sent = Instant::now();
        // The loop is late: the datagram waits in the socket.
        tokio::time::sleep(Duration::from_millis(60)).await;
        socket.readable().await.expect("readable");
        assert_eq!(receiver.receive(&socket).expect("reads"), 1);
        let (contents, datagram) = receiver.datagrams().next().expect("a datagram");
        assert_eq!(contents, b"hello");
        assert_eq!(datagram.source, sender.local_addr().expect("bound"));
        // Stamped at its arrival (just before `sent` was taken), not 60 ms later at the read.
        assert!(datagram.arrived <= sent + Duration::from_millis(20), "stamped at the read");
        assert_eq!(receiver.receive(&socket).expect("reads"), 0);
        assert_eq!(receiver.datagrams().count(), 0);
    }

    #[tokio::test]
    async fn waiting_datagrams_are_read_together_each_with_its_own_sender_and_stamp() {
        let socket = UdpSocket::bind("127.0.0.1:0").await.expect("binds");
        let to = socket.local_addr().expect("bound");
        let (mut receiver, _) = Receiver::new(&socket, 4);
        tokio::time::sleep(Duration::from_millis(50)).await;
        let a = std::net::UdpSocket::bind("127.0.0.1:0").expect("binds");
        let b = std::net::UdpSocket::bind("127.0.0.1:0").expect("binds");
        let (from_a, from_b) = (a.local_addr().expect("bound"), b.local_addr().expect("bound"));
        a.send_to(b"one", to).expect("sends");
        tokio::time::sleep(Duration::from_millis(40)).await;
        for (sender, text) in [(&b, "two"), (&a, "three"), (&b, "four"), (&a, "five"), (&b, "six")] {
            sender.send_to(text.as_bytes(), to).expect("sends");
        }
        socket.readable().await.expect("readable");
        let read = |receiver: &Receiver| -> Vec<(String, SocketAddr, Instant)> {
            receiver
                .datagrams()
                .map(|(c, d)| (String::from_utf8_lossy(c).into_owned(), d.source, d.arrived))
                .collect()
        };
        assert_eq!(receiver.receive(&socket).expect("reads"), 4, "a full batch in one read");
        let first = read(&receiver);
        let texts: Vec<(&str, SocketAddr)> = first.iter().map(|(t, s, _)| (t.as_str(), *s)).collect();
        assert_eq!(texts, [("one", from_a), ("two", from_b), ("three", from_a), ("four", from_b)]);
        // Each datagram keeps its own stamp: the first came 40 ms before the others.
        assert!(first[1].2.duration_since(first[0].2) >= Duration::from_millis(30), "one stamp for all");
        // A full batch may have left some behind: the socket stays readable.
        tokio::time::timeout(Duration::from_millis(100), socket.readable())
            .await
            .expect("still readable")
            .expect("readable");
        assert_eq!(receiver.receive(&socket).expect("reads"), 2);
        let rest: Vec<String> = read(&receiver).into_iter().map(|(t, _, _)| t).collect();
        assert_eq!(rest, ["five", "six"]);
        // Fewer than a batch: the socket was emptied, and waiting on it waits for a new datagram.
        let waited = tokio::time::timeout(Duration::from_millis(100), socket.readable()).await;
        assert!(waited.is_err(), "an empty socket still looked readable");
        a.send_to(b"seven", to).expect("sends");
        tokio::time::timeout(Duration::from_secs(2), socket.readable())
            .await
            .expect("a new datagram wakes the reader")
            .expect("readable");
        assert_eq!(receiver.receive(&socket).expect("reads"), 1);
        assert_eq!(read(&receiver)[0].0, "seven");
    }
}
