// A measurement, not a test: skipped unless E2E_BARE_BIN names the bare str0m loop
// (crates/relais-video/benches/bare_loop.rs; scripts/video-bare.sh builds and runs it). The same
// four Chromium, camera file and window as video-measure.spec.js, on the loop issue 6's 0.25 %
// was set from: its process's CPU per Mbit/s the pages received, to be compared with Relais's
// on the same day (docs/video.md).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

import { expect, test } from '@playwright/test';

import { browserFor, expectMediaFlowing, removeProfiles } from '../support/call.js';
import { measure, media } from '../support/measure.js';

const seconds = Number(process.env.E2E_MEASURE_SECONDS || 30);
test.skip(!process.env.E2E_BARE_BIN, 'a measurement: E2E_BARE_BIN=<bare_loop binary> (scripts/video-bare.sh)');
test.setTimeout(240_000 + seconds * 1000);
test.use({ trace: 'off', screenshot: 'off' });

// What Relais's room page does with media, without the room: the camera and microphone sent
// on one connection (one stream per camera, as RELAIS_VIDEO_SIMULCAST=false), three others
// received, each in a playing <video> with its sound. The test clicks the page first (a user
// gesture, so the received sound may play as in a room) and calls start().
const PAGE = `<!doctype html><meta charset="utf-8"><title>bare</title>
<video id="preview" autoplay muted playsinline></video><button id="start">gesture</button>
<script>
window.start = async () => {
  const local = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 360 } });
  document.getElementById('preview').srcObject = local;
  const pc = new RTCPeerConnection();
  for (const track of local.getTracks()) pc.addTransceiver(track, { direction: 'sendonly', streams: [local] });
  const slots = [];
  for (let i = 0; i < 3; i++) {
    const video = document.createElement('video');
    video.autoplay = true;
    video.playsInline = true;
    document.body.append(video);
    const stream = new MediaStream();
    slots.push({ stream, video });
    for (const kind of ['video', 'audio']) pc.addTransceiver(kind, { direction: 'recvonly' }).slot = i;
  }
  pc.ontrack = (e) => {
    const slot = slots[e.transceiver.slot];
    slot.stream.addTrack(e.track);
    slot.video.srcObject = slot.stream;
  };
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((done) => {
    pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && done());
    setTimeout(done, 2000);
  });
  window.bare = pc;
  return pc.localDescription.sdp;
};
</script>`;

// The loop's process: its UDP address, then one answer per offer, a JSON object a line. If it
// ends (or never starts), whatever waits on it fails at once.
function startLoop() {
  const child = spawn(process.env.E2E_BARE_BIN, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting = [];
  let ended = null;
  const end = (why) => {
    ended = new Error(`the bare loop ended: ${why}`);
    for (const { fail } of waiting.splice(0)) fail(ended);
  };
  child.on('error', (e) => end(e.message));
  child.on('exit', (code, signal) => end(`exit ${code ?? signal}`));
  createInterface({ input: child.stdout }).on('line', (line) => waiting.shift()?.done(JSON.parse(line)));
  const next = () => new Promise((done, fail) => (ended ? fail(ended) : waiting.push({ done, fail })));
  return {
    child,
    first: next(),
    async answer(offer) {
      const reply = next();
      child.stdin.write(`${JSON.stringify({ offer })}\n`);
      const { answer, error } = await reply;
      if (error) throw new Error(`the loop refused the offer: ${error}`);
      return answer;
    },
  };
}

let loop;
test.afterAll(() => {
  loop?.child.removeAllListeners('exit');
  loop?.child.kill();
  removeProfiles();
});

test('four Chromium on a bare str0m loop: its CPU per received Mbit/s', async ({ baseURL }) => {
  loop = startLoop();
  console.log(`bare loop on ${(await loop.first).udp} (pid ${loop.child.pid})`);
  const pages = [];
  for (let i = 0; i < 4; i++) {
    const { page } = await browserFor(baseURL);
    await page.route('**/bare-loop', (route) => route.fulfill({ contentType: 'text/html', body: PAGE }));
    await page.goto('/bare-loop');
    await page.locator('#start').click();
    const offer = await page.evaluate(() => window.start());
    const answer = await loop.answer(offer);
    await page.evaluate((sdp) => window.bare.setRemoteDescription({ type: 'answer', sdp }), answer);
    pages.push(page);
  }
  for (const page of pages) {
    await expect.poll(async () => (await media(page)).decoding, { timeout: 60_000 }).toBe(3);
  }
  // Encoders ramp up over the first seconds.
  await new Promise((done) => setTimeout(done, 10_000));
  await measure({ pages, pid: loop.child.pid, seconds });
  // Still forwarding at the end: a loop that stopped would have measured cheap.
  expect(loop.child.exitCode).toBeNull();
  await expectMediaFlowing(pages, 3);
});
