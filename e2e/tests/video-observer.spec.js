// A colleague observes a video visit: he opens the room with ?observe=1, waits in the lobby
// like anyone, and once the host lets him in his page decodes her video and audio and keeps
// decoding; he sends nothing (no camera, no microphone asked), so the host receives nothing
// from him. His page is the one kind that opens a data channel: with no track to send, its
// first offer needs one to get a transport (crates/relais-views/static/video.js).
import { expect, test } from '@playwright/test';

import { account } from '../support/accounts.js';
import { admit, browserFor, expectMediaFlowing, inbound, openRoom, removeProfiles } from '../support/call.js';
import { signInStaff } from '../support/staff.js';

test.setTimeout(120_000);
test.use({ trace: 'off' });

test.afterAll(removeProfiles);

// What the page sends (outbound RTP streams with bytes) and whether it opened a data channel.
async function sending(page) {
  return page.evaluate(async () => {
    let streams = 0;
    let channel = false;
    for (const pc of window.__pcs) {
      if (pc.connectionState === 'closed') continue;
      channel = channel || pc.sctp !== null;
      (await pc.getStats()).forEach((r) => {
        if (r.type === 'outbound-rtp' && r.bytesSent > 0) streams += 1;
      });
    }
    return { streams, channel };
  });
}

test('an observer, let in from the lobby, receives the call and sends nothing', async ({ baseURL }) => {
  const doctor = await browserFor(baseURL);
  const colleague = await browserFor(baseURL);
  const host = doctor.page;
  const observer = colleague.page;

  await signInStaff(host, account('observedHost'));
  const roomPath = await openRoom(host);
  await expect(host.locator('#check-network')).toHaveAttribute('data-state', 'ok', { timeout: 10_000 });
  await host.getByRole('button', { name: 'Entrer', exact: true }).click();
  await expect(host.getByText("Vous êtes dans l'appel.")).toBeVisible();

  const name = account('videoObserver').name;
  await signInStaff(observer, account('videoObserver'));
  await observer.goto(`${roomPath}?observe=1`);
  // No camera or microphone check for an observer: only the connection.
  await expect(observer.locator('#check-camera')).toHaveCount(0);
  await expect(observer.locator('#check-network')).toHaveAttribute('data-state', 'ok', { timeout: 10_000 });
  await observer.getByRole('button', { name: 'Entrer comme observateur' }).click();
  await expect(observer.getByRole('heading', { name: "Salle d'attente" })).toBeVisible();

  await admit(host, name);
  await expect(observer.getByText("Vous êtes dans l'appel.")).toBeVisible({ timeout: 15_000 });

  // The observer's page decodes the host's picture and sound, and keeps decoding.
  await expectMediaFlowing([observer], 1);
  const observed = await sending(observer);
  expect(observed.streams, 'the observer sends no media').toBe(0);
  expect(observed.channel, 'a page that sends nothing opens a data channel for its transport').toBe(true);
  // The host's page sends her camera and microphone without a data channel, and gets nothing
  // from the observer.
  const hosting = await sending(host);
  expect(hosting.streams).toBeGreaterThanOrEqual(2);
  expect(hosting.channel, 'a page that sends opens no data channel').toBe(false);
  const fromObserver = await inbound(host);
  expect(fromObserver.video.length + fromObserver.audio.length, 'nothing comes from the observer').toBe(0);
});
