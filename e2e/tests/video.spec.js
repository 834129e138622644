// A video visit in three browsers, each with its own profile and fake camera and microphone: a
// physician opens a room and invites a patient and a caregiver from the room page; they wait in
// the lobby until she lets them in; every page then decodes video AND audio from each other
// person, and keeps decoding (getStats, as docs/video.md describes); chat reaches everyone; the
// host sends the patient and the caregiver to a side room, where they see, hear and read only
// each other while the host gets nothing of theirs, then brings them back; the patient shares
// her screen and the two others decode it in the large tile until she stops; the caregiver,
// removed by the host, loses the call; a revoked or unknown invitation gets nobody in; the host
// ends the visit for everyone.
import { expect, test } from '@playwright/test';

import { account } from '../support/accounts.js';
import { checkPage } from '../support/checks.js';
import {
  admit, browserFor, enterLobby, expectMediaFlowing, inbound, invite, openRoom, removeProfiles,
} from '../support/call.js';
import { signInStaff } from '../support/staff.js';

// scripts/test.sh runs this file twice: with simulcast (the default), and with one stream per
// camera (RELAIS_VIDEO_SIMULCAST=false), whose sessions the SFU does not pace: it then sends a
// video frame's packets together once its last one came (crates/relais-video/src/peer/hold.rs).
const simulcast = process.env.RELAIS_VIDEO_SIMULCAST !== 'false';

// Three browsers and the server on two cores: give the call time to settle.
test.setTimeout(180_000);
// A trace records every page's screen as JPEG frames for the whole test: measured, that took
// about a third of the machine from the browsers that must encode and decode the call (the
// quality indicator then read "moyenne" under load). A failure still leaves its screenshot and
// the server's log.
test.use({ trace: 'off' });

// The simulcast layers (rids) the page's camera is sending (bytes sent), sorted.
async function sentLayers(page) {
  return page.evaluate(async () => {
    const rids = new Set();
    for (const pc of window.__pcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((r) => {
        if (r.type === 'outbound-rtp' && r.kind === 'video' && r.rid && r.bytesSent > 0) rids.add(r.rid);
      });
    }
    return [...rids].sort();
  });
}

// Frames decoded of the screen shown in the large tile (-1: none shown).
async function screenFrames(page) {
  return page.evaluate(async () => {
    const video = document.querySelector('#stage video');
    const track = video && video.srcObject && video.srcObject.getVideoTracks()[0];
    if (!track) return -1;
    for (const pc of window.__pcs) {
      if (pc.connectionState === 'closed' || !pc.getReceivers().some((r) => r.track === track)) continue;
      let frames = 0;
      (await pc.getStats(track)).forEach((r) => {
        if (r.type === 'inbound-rtp' && r.kind === 'video') frames = r.framesDecoded || 0;
      });
      return frames;
    }
    return -1;
  });
}

// "Save data": the page receives the others' low layers (half the height), still decoding
// across the switch; unticked, the full pictures again. Each switch splices another layer's
// packets into the same stream (sequence numbers, times, VP8 picture ids).
async function saveData(page) {
  const heights = async () => (await inbound(page)).video.map((v) => v.height);
  // Every page's camera is the same fake device: the others' full height is this one's.
  const camera = await page.evaluate(() => window.__pcs.flatMap((pc) => pc.getSenders())
    .find((sender) => sender.track && sender.track.kind === 'video').track.getSettings().height);
  expect(camera, 'the camera has a height').toBeGreaterThan(0);
  await expect.poll(heights, { timeout: 15_000, message: 'full pictures first' }).toEqual([camera, camera]);
  await page.getByLabel('Économiser les données').check();
  await expect.poll(heights, { timeout: 15_000, message: 'the low layers' }).toEqual([camera / 2, camera / 2]);
  await expectMediaFlowing([page], 2);
  await page.getByLabel('Économiser les données').uncheck();
  await expect.poll(heights, { timeout: 15_000, message: 'full pictures again' }).toEqual([camera, camera]);
  await expectMediaFlowing([page], 2);
}

test.afterAll(removeProfiles);

test('a physician, a patient and a caregiver in one room: lobby, media both ways, chat, side room, shared screen, removal, refusals, end', async ({ baseURL }) => {
  const doctor = await browserFor(baseURL);
  const patient = await browserFor(baseURL);
  const caregiver = await browserFor(baseURL);
  const stranger = await browserFor(baseURL);
  const host = doctor.page;

  await signInStaff(host, account('videoHost'));
  const roomPath = await openRoom(host);
  // The device check: the fake camera and microphone work, the server answers.
  for (const check of ['#check-camera', '#check-mic', '#check-network']) {
    await expect(host.locator(check)).toHaveAttribute('data-state', 'ok', { timeout: 10_000 });
  }
  await checkPage(host, 'video-check-fr');
  await host.getByRole('button', { name: 'Entrer', exact: true }).click();
  await expect(host.getByText("Vous êtes dans l'appel.")).toBeVisible();

  // Somebody without an invitation gets nowhere: not the room page, not its WebSocket.
  const refused = await stranger.page.goto(roomPath);
  expect(refused.status()).toBe(403);
  await expect(stranger.page.getByRole('heading', { level: 1 })).toHaveText('Accès refusé');
  const wsRefused = await stranger.page.evaluate(
    (path) => new Promise((done) => {
      const ws = new WebSocket(`ws://${location.host}${path}/ws`);
      ws.onopen = () => done('open');
      ws.onerror = () => done('refused');
    }),
    roomPath,
  );
  expect(wsRefused).toBe('refused');
  // An unknown link, and a revoked one.
  const unknown = await stranger.page.goto('/i/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
  expect(unknown.status()).toBe(404);
  await expect(stranger.page.getByRole('heading', { level: 1 })).toHaveText('Lien non valide');
  const revokedLink = await host.evaluate(async (room) => {
    const made = await (await fetch('/api/invitations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ purpose: 'room', target: `Room/${room}`, invitee: 'Révoqué' }),
    })).json();
    await fetch(`/api/invitations/${made.id}`, { method: 'DELETE' });
    return made.link;
  }, roomPath.split('/').pop());
  const revoked = await stranger.page.goto(revokedLink);
  expect(revoked.status()).toBe(404);
  await expect(stranger.page.getByRole('heading', { level: 1 })).toHaveText('Lien non valide');
  await stranger.context.close();

  // The host invites from the room page; the two wait in the lobby until she lets them in.
  const patientLink = await invite(host, 'Léa Gagné');
  const caregiverLink = await invite(host, 'Paul Gagné');
  await enterLobby(patient.page, patientLink);
  await checkPage(patient.page, 'video-lobby-fr');
  await enterLobby(caregiver.page, caregiverLink);
  const waiting = host.locator('#waiting');
  await expect(waiting).toContainText('Léa Gagné');
  await expect(waiting).toContainText('Paul Gagné');

  for (const name of ['Léa Gagné', 'Paul Gagné']) await admit(host, name);
  for (const page of [patient.page, caregiver.page]) {
    await expect(page.locator('#call')).toBeVisible();
  }
  const pages = [host, patient.page, caregiver.page];
  for (const page of pages) {
    await expect(page.locator('#tiles > li')).toHaveCount(3, { timeout: 10_000 });
  }
  // Host controls are the host's: the others do not see them.
  await expect(host.getByRole('button', { name: 'Faire sortir' })).toHaveCount(2);
  for (const page of [patient.page, caregiver.page]) {
    await expect(page.getByRole('button', { name: 'Faire sortir' })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Terminer pour tous' })).toHaveCount(0);
  }
  await expectMediaFlowing(pages, 2);
  // Each camera goes out as two simulcast layers (the pages above decode the one the server
  // chose for them), or as one stream.
  for (const page of pages) {
    await expect.poll(() => sentLayers(page), { timeout: 15_000, message: `simulcast from ${page.url()}` })
      .toEqual(simulcast ? ['h', 'l'] : []);
  }
  if (simulcast) await saveData(patient.page);
  // On loopback nothing is lost and the round trip is short: the quality says so, in words.
  for (const page of pages) {
    await expect(page.locator('#quality')).toHaveText('bonne', { timeout: 10_000 });
    await expect(page.locator('#quality')).toHaveAttribute('role', 'status');
  }
  await checkPage(host, 'video-call-fr');

  // Chat reaches everyone.
  await patient.page.getByLabel('Message', { exact: true }).fill('Bonjour docteure, je vous entends bien.');
  await patient.page.getByRole('button', { name: 'Envoyer' }).click();
  for (const page of pages) {
    await expect(page.locator('#chat-log')).toContainText('Léa Gagné : Bonjour docteure, je vous entends bien.');
  }

  // A side room: the host sends the patient and the caregiver apart. They see and hear only each
  // other, their messages stay between them, and the host receives nothing of theirs.
  for (const name of ['Léa Gagné', 'Paul Gagné']) {
    await host.locator('#tiles > li').filter({ hasText: name }).getByLabel('Choisir pour un aparté').check();
  }
  await host.getByRole('button', { name: 'Envoyer en aparté' }).click();
  await expect(host.locator('#side-list')).toContainText('Aparté 1 : Léa Gagné, Paul Gagné');
  for (const page of [patient.page, caregiver.page]) {
    await expect(page.locator('#side-banner')).toBeVisible();
  }
  await expect(patient.page.locator('#side-banner')).toContainText('Paul Gagné');
  await expect(host.locator('#tiles > li').filter({ hasText: 'Léa Gagné' })).toContainText('en aparté');
  await expect.poll(async () => (await inbound(host)).video.length, { timeout: 10_000, message: 'the host gets nothing of the side room' }).toBe(0);
  await expectMediaFlowing([patient.page, caregiver.page], 1);
  await checkPage(patient.page, 'video-side-room-fr');
  await caregiver.page.getByLabel('Message', { exact: true }).fill('Juste entre nous.');
  await caregiver.page.getByRole('button', { name: 'Envoyer' }).click();
  await expect(patient.page.locator('#chat-log')).toContainText('Paul Gagné : Juste entre nous.');
  await host.waitForTimeout(1000);
  await expect(host.locator('#chat-log')).not.toContainText('Juste entre nous.');
  // The host brings them back: everyone sees and hears everyone again.
  await host.locator('#side-list').getByRole('button', { name: 'Faire revenir' }).click();
  for (const page of [patient.page, caregiver.page]) {
    await expect(page.locator('#side-banner')).toBeHidden();
  }
  await expectMediaFlowing(pages, 2);

  // The patient shares her screen (her offer now carries the m-lines the side room stopped): the
  // two others receive it, decode it and keep decoding it, in the large tile that says whose it
  // is; one screen at a time.
  await patient.page.getByRole('button', { name: "Partager l'écran" }).click();
  await expect(patient.page.getByRole('button', { name: "Arrêter le partage d'écran" })).toHaveAttribute('aria-pressed', 'true');
  await expect(patient.page.locator('#stage figcaption')).toHaveText('Vous partagez votre écran.');
  for (const page of [host, caregiver.page]) {
    await expect(page.locator('#stage figcaption')).toHaveText('Écran partagé par Léa Gagné', { timeout: 15_000 });
    await expect.poll(() => screenFrames(page), { timeout: 20_000, message: 'the screen is decoded' }).toBeGreaterThan(0);
    const before = await screenFrames(page);
    await expect.poll(() => screenFrames(page), { timeout: 10_000, message: 'and keeps being decoded' }).toBeGreaterThan(before);
    // The large tile plays it (Chromium's fake screen is a dark picture; a busy encoder may
    // send it smaller than its 1280x720).
    await expect.poll(() => page.evaluate(() => document.querySelector('#stage video').videoWidth)).toBeGreaterThan(0);
  }
  await checkPage(host, 'video-screen-fr');
  await caregiver.page.getByRole('button', { name: "Partager l'écran" }).click();
  await expect(caregiver.page.getByText('Un seul écran partagé à la fois : Léa Gagné partage déjà le sien.')).toBeVisible();
  // She stops: the large tile goes, and with it the screen's track (two videos again).
  await patient.page.getByRole('button', { name: "Arrêter le partage d'écran" }).click();
  for (const page of [host, caregiver.page]) {
    await expect(page.locator('#stage')).toBeHidden();
    await expect.poll(async () => (await inbound(page)).video.length, { timeout: 10_000 }).toBe(2);
  }

  // The host removes the caregiver: he is told, his call stops, and the others no longer get him.
  const caregiverTile = host.locator('#tiles > li').filter({ hasText: 'Paul Gagné' });
  await caregiverTile.getByRole('button', { name: 'Faire sortir' }).click();
  await expect(caregiver.page.getByText("L'hôte vous a fait sortir de la salle.")).toBeVisible();
  expect(await caregiver.page.evaluate(() => window.__pcs.every((pc) => pc.connectionState === 'closed'))).toBe(true);
  for (const page of [host, patient.page]) {
    await expect(page.locator('#tiles > li')).toHaveCount(2);
  }
  // The two left still see and hear each other, and only each other.
  await expectMediaFlowing([host, patient.page], 1);

  // The host ends the visit: the patient is told, and the room is closed to everyone.
  await host.getByRole('button', { name: 'Terminer pour tous' }).click();
  await expect(patient.page.getByText("L'hôte a terminé la visite.")).toBeVisible();
  const after = await caregiver.page.goto(roomPath);
  expect(after.status()).toBe(410);

  for (const browser of [doctor, patient, caregiver]) await browser.context.close();
});
