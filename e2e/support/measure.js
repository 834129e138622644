// For the measurements of issue 6 (video-measure.spec.js: Relais; video-bare.spec.js: a bare
// str0m loop): four pages decoding each other, a server process's CPU over a window, what the
// cameras sent and what the pages received, printed the same way for both.
import { readdirSync, readFileSync } from 'node:fs';

// Video streams the page decodes, the bitrate its camera sends (all layers) and what it
// received (RTP payload, every kind), from getStats.
export async function media(page) {
  return page.evaluate(async () => {
    let decoding = 0;
    let sent = 0;
    let received = 0;
    const layers = [];
    const estimates = [];
    for (const pc of window.__pcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((r) => {
        if (r.type === 'inbound-rtp') received += r.bytesReceived || 0;
        if (r.type === 'inbound-rtp' && r.kind === 'video' && r.framesDecoded > 0) decoding += 1;
        if (r.type === 'candidate-pair' && r.nominated && r.availableOutgoingBitrate) {
          estimates.push(Math.round(r.availableOutgoingBitrate / 1000));
        }
        if (r.type === 'outbound-rtp' && r.kind === 'video') {
          sent += r.bytesSent || 0;
          // Why an encoder sends less than its file allows: cpu, bandwidth or none.
          layers.push(`${r.rid || '-'} ${r.frameWidth || 0}x${r.frameHeight || 0} ${r.qualityLimitationReason || ''}`);
        }
      });
    }
    return { decoding, sent, received, layers, estimates };
  });
}

// UDP counters of the namespace (loopback only): datagrams dropped for full buffers show here.
function udpCounters() {
  const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
  const names = lines[0].split(/\s+/);
  const values = lines[1].split(/\s+/).map(Number);
  return Object.fromEntries(names.map((n, i) => [n, values[i]]));
}

// CPU ticks (1/100 s, user + system) in a /proc stat file.
function ticksIn(statFile) {
  const stat = readFileSync(statFile, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

// A process's ticks by thread name (Relais's SFU thread is relais-sfu): where its CPU goes.
function threadTicks(pid) {
  const byName = {};
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${task}/comm`, 'utf8').trim();
      byName[name] = (byName[name] || 0) + ticksIn(`/proc/${pid}/task/${task}/stat`);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return byName;
}

async function sample(pid, forwardedBytes) {
  const bytes = await forwardedBytes();
  return { at: Date.now(), ticks: ticksIn(`/proc/${pid}/stat`), threads: threadTicks(pid), bytes };
}

// The pages' getStats, with the time halfway through reading them (four pages take a while).
async function pagesNow(pages) {
  const start = Date.now();
  const stats = await Promise.all(pages.map(media));
  return { at: (start + Date.now()) / 2, stats };
}

// Samples the server `pid` and the pages over `seconds` and prints the figures; the server's
// own count of bytes forwarded (`forwardedBytes`, null for a server that keeps none) is the
// denominator when there is one, else what the pages received.
export async function measure({ pages, pid, seconds, forwardedBytes }) {
  const count = forwardedBytes || (async () => 0);
  const pagesBefore = await pagesNow(pages);
  const before = await sample(pid, count);
  const udpBefore = udpCounters();
  await new Promise((done) => setTimeout(done, seconds * 1000));
  const after = await sample(pid, count);
  const udpAfter = udpCounters();
  const pagesAfter = await pagesNow(pages);
  const elapsed = (after.at - before.at) / 1000;
  // The pages' own window: a little longer than the server's, around it.
  const pageElapsed = (pagesAfter.at - pagesBefore.at) / 1000;
  const [sentBefore, sentAfter] = [pagesBefore.stats, pagesAfter.stats];
  const core = (after.ticks - before.ticks) / 100 / elapsed * 100;
  const sending = sentAfter.map((s, i) => ((s.sent - sentBefore[i].sent) * 8 / pageElapsed / 1e6).toFixed(2));
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`4 Chromium, ${elapsed.toFixed(1)} s: each camera sends ${sending.join(', ')} Mbit/s (all layers)`);
  console.log(`layers (rid, size, limited by): ${sentAfter.map((s) => s.layers.join(' / ')).join(' | ')}`);
  const udp = ['InDatagrams', 'InErrors', 'RcvbufErrors', 'SndbufErrors']
    .map((n) => `${n} ${udpAfter[n] - udpBefore[n]}`).join(', ');
  console.log(`send estimates (kbit/s): ${sentAfter.map((s) => s.estimates.join('/')).join(', ')}; UDP: ${udp}`);
  const threads = Object.entries(after.threads)
    .map(([name, ticks]) => [name, (ticks - (before.threads[name] || 0)) / elapsed])
    .filter(([, percent]) => percent > 0)
    .sort((a, b) => b[1] - a[1]);
  // What the pages received (RTP payload, every kind): the denominator a server without our
  // metrics is measured by (docs/video.md, bare str0m in the same session).
  const received = sentAfter.reduce((sum, s, i) => sum + s.received - sentBefore[i].received, 0) * 8 / pageElapsed / 1e6;
  console.log(`server threads (% of one core): ${threads.map(([n, p]) => `${n} ${p.toFixed(2)}`).join(', ')}`);
  if (forwardedBytes) {
    const mbits = (after.bytes - before.bytes) * 8 / elapsed / 1e6;
    console.log(`server: ${core.toFixed(2)} % of one core, forwarded ${mbits.toFixed(2)} Mbit/s`);
    console.log(`browsers received ${received.toFixed(2)} Mbit/s => ${(core / received).toFixed(3)} % per received Mbit/s`);
    console.log(`=> ${(core / mbits).toFixed(3)} % of one core per forwarded Mbit/s (load average ${load})`);
  } else {
    console.log(`server: ${core.toFixed(2)} % of one core (it counts nothing it forwards)`);
    console.log(`=> browsers received ${received.toFixed(2)} Mbit/s: ${(core / received).toFixed(3)} % per received Mbit/s (load average ${load})`);
  }
}
