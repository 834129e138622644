// The connection-quality indicator of the call page: every two seconds, the browser's own
// WebRTC statistics (getStats) of the one connection to the server give the round-trip time
// (ICE) and the share of the packets we receive that were lost since the last look; the worst of them decides
// good, fair or poor. The level is written out in words (colour only repeats it).

// Thresholds: interactive video stays smooth under 2 % loss and 300 ms round trip; past 8 % or
// 600 ms, pictures freeze and speech breaks up.
const FAIR = { loss: 0.02, rtt: 0.3 };
const POOR = { loss: 0.08, rtt: 0.6 };

export function level(loss, rtt) {
  if (loss >= POOR.loss || rtt >= POOR.rtt) return 'poor';
  if (loss >= FAIR.loss || rtt >= FAIR.rtt) return 'fair';
  return 'good';
}

// Starts watching `pc`; writes the level into `element` (text from `texts`, `data-quality` for
// the style). Returns a function that stops watching.
export function watchQuality(pc, element, texts) {
  let last = new Map();  // report id -> { lost, received } at the last look
  const look = async () => {
    if (pc.connectionState === 'closed') return;
    const stats = await pc.getStats();
    let rtt = 0;
    const seen = new Map();
    stats.forEach((report) => {
      if (report.type === 'candidate-pair' && report.nominated && report.currentRoundTripTime !== undefined) {
        rtt = Math.max(rtt, report.currentRoundTripTime);
      }
      // What we receive, as counters since the last look. (The server's receiver reports,
      // remote-inbound-rtp, are left out: their loss and round trip come from the SFU's RTCP
      // and read high on a busy machine; the ICE round trip above is measured by the browser.)
      if (report.type === 'inbound-rtp' && report.packetsReceived !== undefined) {
        seen.set(report.id, { lost: report.packetsLost || 0, received: report.packetsReceived });
      }
    });
    let worst = 0;
    for (const [id, now] of seen) {
      const before = last.get(id) || { lost: 0, received: 0 };
      const newLost = Math.max(0, now.lost - before.lost);
      const newReceived = Math.max(0, now.received - before.received);
      if (newLost + newReceived > 0) worst = Math.max(worst, newLost / (newLost + newReceived));
    }
    last = seen;
    const quality = level(worst, rtt);
    if (element.dataset.quality !== quality) {
      element.dataset.quality = quality;
      element.textContent = texts[`quality${quality[0].toUpperCase()}${quality.slice(1)}`];
    }
  };
  const timer = setInterval(() => { look().catch(() => {}); }, 2000);
  look().catch(() => {});
  return () => clearInterval(timer);
}
