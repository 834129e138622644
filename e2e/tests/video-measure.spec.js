// A measurement, not a test: skipped unless E2E_MEASURE=1 (scripts/video-four.sh runs it).
// Four Chromium in one room, each camera a Y4M texture file (E2E_CAMERA_Y4M), on the server
// under test (a release build, RELAIS_BIN): once every page decodes the three others, it samples
// the server's CPU (/proc/PID/stat) and the bytes its SFU forwarded (/metrics) over
// E2E_MEASURE_SECONDS (30) and prints % of one core per forwarded Mbit/s (issue 6: ≤ 0.25 %).
import { expect, test } from '@playwright/test';

import { account } from '../support/accounts.js';
import {
  admit, browserFor, enterLobby, expectMediaFlowing, invite, openRoom, removeProfiles,
} from '../support/call.js';
import { measure, media } from '../support/measure.js';
import { signInStaff } from '../support/staff.js';

const seconds = Number(process.env.E2E_MEASURE_SECONDS || 30);
test.skip(!process.env.E2E_MEASURE, 'a measurement: E2E_MEASURE=1 (scripts/video-four.sh)');
test.setTimeout(240_000 + seconds * 1000);
// A trace records every page's screen as JPEG frames: it would take the CPU the browsers need
// to send and receive (the machine is the browsers' limit, see ../shared/docs/video.md).
test.use({ trace: 'off', screenshot: 'off' });

// The bytes the server's SFU forwarded so far.
async function forwarded(baseURL) {
  const metrics = await (await fetch(`${baseURL}/metrics`)).text();
  const line = metrics.split('\n').find((l) => l.startsWith('relais_video_forwarded_bytes_total'));
  return line ? Number(line.split(' ').pop()) : 0;
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
  const pid = process.env.RELAIS_E2E_SERVER_PID;
  await measure({ pages, pid, seconds, forwardedBytes: () => forwarded(baseURL) });
  await expectMediaFlowing(pages, 3);
});
