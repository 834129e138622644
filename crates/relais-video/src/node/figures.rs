//! The node's figures: what it forwarded, how many datagrams it sent, and the loss its senders'
//! media suffers on the way in; published to the metrics once a second.
//!
//! Per room without naming rooms: a room id is an appointment's, which leads to a patient, so
//! no metric carries it. Rooms are summed up instead — the busiest room's bitrate, the worst
//! room's loss, and how many rooms fall in each loss band — which is what an operator acts on.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::Node;

/// How often the figures are published (and dead sessions reaped).
const PERIOD: Duration = Duration::from_secs(1);

/// Loss bands for `relais_video_rooms_by_loss`: below 1 %, video looks fine; above 5 %, it
/// freezes.
const LOSS_BANDS: [(&str, f32); 3] = [("under-1pc", 0.01), ("1-5pc", 0.05), ("over-5pc", f32::INFINITY)];

/// Upper bounds (µs) of the buckets of the forwarding delay of each RTP packet sent: from the
/// kernel's arrival stamp of the datagram that carried it to the packet queued for the round's
/// `sendmmsg` (which sends it at the end of the same round of the loop).
pub const DELAY_BOUNDS_US: [u64; 14] =
    [50, 100, 200, 500, 1_000, 2_000, 3_000, 4_000, 5_000, 10_000, 20_000, 50_000, 100_000, u64::MAX];

pub(super) struct Figures {
    /// Packets forwarded by their delay, in the buckets of [`DELAY_BOUNDS_US`].
    pub delays: [u64; DELAY_BOUNDS_US.len()],
    pub forwarded_bytes: u64,
    pub forwarded_packets: u64,
    pub sent_datagrams: u64,
    /// Bytes forwarded per room since the last publication.
    room_bytes: HashMap<String, u64>,
    /// `forwarded_bytes`, `forwarded_packets` when last published.
    published: (u64, u64),
    published_at: Instant,
    /// Over the last period.
    pub bitrate_bps: u64,
    pub worst_room_loss: f32,
    /// The last publication found no room, no session and nothing forwarded: while no session
    /// joins, there is nothing to publish (and the node need not wake to). The commands that
    /// change the counts (a join, a host's control, a leave) publish them themselves.
    pub quiet: bool,
}

impl Figures {
    pub fn new(now: Instant) -> Self {
        Self {
            delays: [0; DELAY_BOUNDS_US.len()],
            forwarded_bytes: 0,
            forwarded_packets: 0,
            sent_datagrams: 0,
            room_bytes: HashMap::new(),
            published: (0, 0),
            published_at: now,
            bitrate_bps: 0,
            worst_room_loss: 0.0,
            quiet: false,
        }
    }

    pub fn due(&self, now: Instant) -> bool {
        now.duration_since(self.published_at) >= PERIOD
    }

    /// A packet went out `delay` after the arrival of the datagram that carried it.
    pub fn delayed(&mut self, delay: Duration) {
        let us = u64::try_from(delay.as_micros()).unwrap_or(u64::MAX);
        let bucket = DELAY_BOUNDS_US.iter().position(|b| us <= *b).unwrap_or(DELAY_BOUNDS_US.len() - 1);
        self.delays[bucket] += 1;
    }

    /// A media packet of `bytes` (payload) went to one receiver in `room`.
    pub fn forwarded(&mut self, room: &str, bytes: usize) {
        self.forwarded_bytes += bytes as u64;
        self.forwarded_packets += 1;
        match self.room_bytes.get_mut(room) {
            Some(total) => *total += bytes as u64,
            None => {
                self.room_bytes.insert(room.to_owned(), bytes as u64);
            }
        }
    }
}

impl Node {
    /// Publishes the figures of the period that ends `now`.
    pub(super) fn publish(&mut self, now: Instant) {
        let figures = &mut self.figures;
        let seconds = now.duration_since(figures.published_at).as_secs_f64().max(1e-3);
        figures.published_at = now;
        let (bytes, packets) = figures.published;
        let new_bytes = figures.forwarded_bytes - bytes;
        metrics::counter!("relais_video_forwarded_bytes_total").increment(new_bytes);
        metrics::counter!("relais_video_forwarded_packets_total")
            .increment(figures.forwarded_packets - packets);
        figures.published = (figures.forwarded_bytes, figures.forwarded_packets);
        figures.bitrate_bps = (new_bytes as f64 * 8.0 / seconds) as u64;
        metrics::gauge!("relais_video_forwarded_bits_per_second").set(figures.bitrate_bps as f64);
        let busiest = figures.room_bytes.drain().map(|(_, b)| b).max().unwrap_or(0);
        metrics::gauge!("relais_video_room_forwarded_bits_per_second_max")
            .set(busiest as f64 * 8.0 / seconds);

        // Each room's loss is its worst sender's: one bad uplink spoils the call for everyone.
        let mut rooms: HashMap<&str, f32> = HashMap::new();
        let (mut sum, mut count) = (0.0_f32, 0_u32);
        for peer in self.peers.values() {
            if let Some(loss) = peer.loss {
                let worst = rooms.entry(&*peer.room).or_insert(0.0);
                *worst = worst.max(loss);
                sum += loss;
                count += 1;
            }
        }
        let mut bands = [0_u32; LOSS_BANDS.len()];
        for loss in rooms.values() {
            let band =
                LOSS_BANDS.iter().position(|(_, limit)| *loss < *limit).unwrap_or(LOSS_BANDS.len() - 1);
            bands[band] += 1;
        }
        for ((band, _), rooms) in LOSS_BANDS.iter().zip(bands) {
            metrics::gauge!("relais_video_rooms_by_loss", "band" => *band).set(f64::from(rooms));
        }
        let worst = rooms.values().copied().fold(0.0_f32, f32::max);
        self.figures.worst_room_loss = worst;
        metrics::gauge!("relais_video_room_loss_ratio_max").set(f64::from(worst));
        let mean = if count == 0 { 0.0 } else { sum / count as f32 };
        metrics::gauge!("relais_video_loss_ratio").set(f64::from(mean));
        self.publish_counts();
        self.figures.quiet = new_bytes == 0 && self.peers.is_empty() && self.rooms.counts() == (0, 0);
    }

    /// Rooms and people in them, lobbies included (and the fullest room).
    pub(super) fn publish_counts(&self) {
        let (rooms, participants) = self.rooms.counts();
        metrics::gauge!("relais_video_rooms").set(rooms as f64);
        metrics::gauge!("relais_video_participants").set(participants as f64);
    }
}
