// A measurement, not a test: skipped unless E2E_MEASURE=1 (scripts/video-four.sh runs it).
// Four Chromium in one room, each camera a Y4M texture file (E2E_CAMERA_Y4M), on the server
// under test (a release build, RELAIS_BIN): once every page decodes the three others, it samples
// the server's CPU (/proc/PID/stat) and the bytes its SFU forwarded (/metrics) over
// E2E_MEASURE_SECONDS (30) and prints % of one core per forwarded Mbit/s (issue 6: ≤ 0.25 %).
import { readdirSync, readFileSync } from 'node:fs';

import { expect, test } from '@playwright/test';

import { account } from '../support/accounts.js';
import { admit, browserFor, enterLobby, invite, openRoom, removeProfiles } from '../support/call.js';
import { signInStaff } from '../support/staff.js';

const seconds = Number(process.env.E2E_MEASURE_SECONDS || 30);
test.skip(!process.env.E2E_MEASURE, 'a measurement: E2E_MEASURE=1 (scripts/video-four.sh)');
test.setTimeout(240_000 + seconds * 1000);
// A trace records every page's screen as JPEG frames: it would take the CPU the browsers need
// to send and receive (the machine is the browsers' limit, see ../shared/docs/video.md).
test.use({ trace: 'off', screenshot: 'off' });

// Video streams the page decodes, and the bitrate its camera sends (all layers), from getStats.
async function media(page) {
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

// The server's ticks by thread name (the SFU's thread is relais-sfu): where its CPU goes.
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

// The server's CPU ticks and the bytes its SFU forwarded so far.
async function sample(baseURL) {
  const pid = process.env.RELAIS_E2E_SERVER_PID;
  const ticks = ticksIn(`/proc/${pid}/stat`);
  const threads = threadTicks(pid);
  const metrics = await (await fetch(`${baseURL}/metrics`)).text();
  const line = metrics.split('\n').find((l) => l.startsWith('relais_video_forwarded_bytes_total'));
  return { at: Date.now(), ticks, threads, bytes: line ? Number(line.split(' ').pop()) : 0 };
}

test.afterAll(removeProfiles);

test('four Chromium in one room: server CPU per forwarded Mbit/s', async ({ baseURL }) => {
  const browsers = [];
  for (let i = 0; i < 4; i++) browsers.push(await browserFor(baseURL));
  const host = browsers[0].page;
  await signInStaff(host, account('videoHost'));
  await openRoom(host);
  await expect(host.locator('#check-network')).toHaveAttribute('data-state', 'ok', { timeout: 20_000 });
  await host.getByRole('button', { name: 'Entrer', exact: true }).click();
  const names = ['Léa Gagné', 'Paul Gagné', 'Zoé Gagné'];
  for (const [i, name] of names.entries()) await enterLobby(browsers[i + 1].page, await invite(host, name));
  for (const name of names) await admit(host, name);
  const pages = browsers.map((b) => b.page);
  for (const page of pages) {
    await expect.poll(async () => (await media(page)).decoding, { timeout: 60_000 }).toBe(3);
  }
  // Encoders ramp up over the first seconds.
  await new Promise((done) => setTimeout(done, 10_000));
  const sentBefore = await Promise.all(pages.map(media));
  const before = await sample(baseURL);
  const udpBefore = udpCounters();
  await new Promise((done) => setTimeout(done, seconds * 1000));
  const after = await sample(baseURL);
  const udpAfter = udpCounters();
  const sentAfter = await Promise.all(pages.map(media));
  const elapsed = (after.at - before.at) / 1000;
  const core = (after.ticks - before.ticks) / 100 / elapsed * 100;
  const mbits = (after.bytes - before.bytes) * 8 / elapsed / 1e6;
  const sending = sentAfter.map((s, i) => ((s.sent - sentBefore[i].sent) * 8 / elapsed / 1e6).toFixed(2));
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`4 Chromium, ${elapsed.toFixed(1)} s: each camera sends ${sending.join(', ')} Mbit/s (all layers)`);
  console.log(`layers (rid, size, limited by): ${sentAfter.map((s) => s.layers.join(' / ')).join(' | ')}`);
  const udp = ['InDatagrams', 'InErrors', 'RcvbufErrors', 'SndbufErrors']
    .map((n) => `${n} ${udpAfter[n] - udpBefore[n]}`).join(', ');
  console.log(`send estimates (kbit/s): ${sentAfter.map((s) => s.estimates.join('/')).join(', ')}; UDP: ${udp}`);
  console.log(`server: ${core.toFixed(2)} % of one core, forwarded ${mbits.toFixed(2)} Mbit/s`);
  const threads = Object.entries(after.threads)
    .map(([name, ticks]) => [name, (ticks - (before.threads[name] || 0)) / elapsed])
    .filter(([, percent]) => percent > 0)
    .sort((a, b) => b[1] - a[1]);
  console.log(`server threads (% of one core): ${threads.map(([n, p]) => `${n} ${p.toFixed(2)}`).join(', ')}`);
  // What the pages received (RTP payload, every kind): the denominator a server without our
  // metrics can be measured by too (docs/video.md, bare str0m in the same session).
  const received = sentAfter.reduce((sum, s, i) => sum + s.received - sentBefore[i].received, 0) * 8 / elapsed / 1e6;
  console.log(`browsers received ${received.toFixed(2)} Mbit/s => ${(core / received).toFixed(3)} % per received Mbit/s`);
  console.log(`=> ${(core / mbits).toFixed(3)} % of one core per forwarded Mbit/s (load average ${load})`);
  for (const page of pages) expect((await media(page)).decoding).toBe(3);
});
