//! Datagrams with the time the kernel received them (`SO_TIMESTAMPNS`), not the time the loop
//! got round to reading them.
//!
//! Why: str0m tells each browser when its packets arrived (transport-wide congestion control
//! feedback), and the browser's bandwidth estimate reads a growing delay as a congested path.
//! On a busy machine the loop may read a datagram milliseconds after it arrived; stamped at the
//! read, that scheduling delay looked like congestion, and four browsers on our 2-core machine
//! sent a third of what they could (measured, `docs/video.md`). The kernel's stamp leaves the
//! loop's own lateness out of what browsers are told.

use std::io::{self, IoSliceMut};
use std::net::{SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use nix::sys::socket::{ControlMessageOwned, MsgFlags, SockaddrStorage, recvmsg, setsockopt, sockopt};
use nix::sys::time::TimeSpec;
use tokio::io::Interest;
use tokio::net::UdpSocket;

/// A stamp older than this (the wall clock was stepped back, or a bug) is not trusted: the read
/// time stands in.
const MAX_AGE: Duration = Duration::from_secs(1);

/// One datagram read: its length in the buffer, who sent it, and when it arrived.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Datagram {
    pub len: usize,
    pub source: SocketAddr,
    pub arrived: Instant,
}

/// Reads datagrams with their kernel arrival times (the read time where the kernel gives none).
pub(crate) struct Receiver {
    control: Vec<u8>,
}

impl Receiver {
    /// Asks the kernel to stamp `socket`'s datagrams; answers whether it will.
    pub fn new(socket: &UdpSocket) -> (Self, bool) {
        let stamping = setsockopt(socket, sockopt::ReceiveTimestampns, &true).is_ok();
        (Self { control: nix::cmsg_space!(TimeSpec) }, stamping)
    }

    /// Reads one waiting datagram into `buf`; `WouldBlock` when there is none (the socket's
    /// readiness is cleared then, so the next `readable().await` waits for a new one).
    pub fn try_receive(&mut self, socket: &UdpSocket, buf: &mut [u8]) -> io::Result<Datagram> {
        let control = &mut self.control;
        socket.try_io(Interest::READABLE, || {
            let mut iov = [IoSliceMut::new(buf)];
            let message = recvmsg::<SockaddrStorage>(
                socket.as_raw_fd(),
                &mut iov,
                Some(&mut *control),
                MsgFlags::empty(),
            )
            .map_err(io::Error::from)?;
            let source = message.address.as_ref().and_then(socket_addr).ok_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidData, "a datagram without an IP source address")
            })?;
            let stamp = message.cmsgs().ok().and_then(|mut cmsgs| {
                cmsgs.find_map(|c| match c {
                    ControlMessageOwned::ScmTimestampns(stamp) => Some(stamp),
                    _ => None,
                })
            });
            let now = Instant::now();
            // The kernel's stamp is on the system's wall clock: it is read against that clock,
            // at the same moment as `now` (not business time, which the injected Clock is for).
            #[allow(clippy::disallowed_methods)]
            let wall = SystemTime::now();
            let arrived = stamp.map_or(now, |s| arrival(s, now, wall));
            Ok(Datagram { len: message.bytes, source, arrived })
        })
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
        let (mut receiver, stamping) = Receiver::new(&socket);
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
        let mut buf = [0_u8; 64];
        let datagram = receiver.try_receive(&socket, &mut buf).expect("a datagram");
        assert_eq!(&buf[..datagram.len], b"hello");
        assert_eq!(datagram.source, sender.local_addr().expect("bound"));
        // Stamped at its arrival (just before `sent` was taken), not 60 ms later at the read.
        assert!(datagram.arrived <= sent + Duration::from_millis(20), "stamped at the read");
        let none = receiver.try_receive(&socket, &mut buf);
        assert_eq!(none.map(|_| ()).unwrap_err().kind(), io::ErrorKind::WouldBlock);
    }
}
