// For the video specs: a browser of its own per person (a profile, the fake camera and
// microphone), what a page's connections receive (getStats, as ../shared/docs/video.md says a
// test proves media), and the profiles removed at the end.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium, expect } from '@playwright/test';

import { chromiumArgs } from '../playwright.config.js';
import { keepConnections } from './connections.js';

const profiles = [];

export async function browserFor(baseURL) {
  const dir = mkdtempSync(join(tmpdir(), 'relais-video-'));
  profiles.push(dir);
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    // E2E_CAMERA_Y4M: a camera file for realistic load (~1.7 Mbit/s), when measuring.
    args: process.env.E2E_CAMERA_Y4M
      ? [...chromiumArgs, `--use-file-for-fake-video-capture=${process.env.E2E_CAMERA_Y4M}`]
      : chromiumArgs,
    baseURL,
    locale: 'fr-CA',
  });
  await context.addInitScript(keepConnections);
  const page = context.pages()[0] || (await context.newPage());
  return { context, page };
}

// A signed-in clinician opens a new room from the rooms page; its path (/rooms/<uuid>).
export async function openRoom(page) {
  await page.goto('/rooms');
  await page.getByRole('button', { name: 'Ouvrir une salle' }).click();
  await expect(page).toHaveURL(/\/rooms\/[0-9a-f-]{36}$/);
  return new URL(page.url()).pathname;
}

// The host creates a guest's invitation link from the room page; the link.
export async function invite(host, name) {
  await host.getByLabel('Nom de la personne invitée').fill(name);
  await host.getByRole('button', { name: 'Créer le lien' }).click();
  const link = host.getByLabel('Lien à transmettre (une seule utilisation)');
  await expect(link).toHaveValue(/\/i\//);
  const value = await link.inputValue();
  await host.getByLabel('Nom de la personne invitée').fill('');
  return value;
}

// A guest opens the link, passes the device check and waits in the lobby.
export async function enterLobby(page, link) {
  // Opening the link spends nothing (mail previews open links too): the page asks first.
  await page.goto(link);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Votre visite vidéo');
  await page.getByRole('button', { name: 'Rejoindre la visite' }).click();
  await expect(page).toHaveURL(/\/rooms\/[^/]+$/);
  // Up to 20 s: four browsers starting at once on two cores (the measurement) are slow.
  await expect(page.locator('#check-network')).toHaveAttribute('data-state', 'ok', { timeout: 20_000 });
  await page.getByRole('button', { name: 'Entrer', exact: true }).click();
  await expect(page.getByRole('heading', { name: "Salle d'attente" })).toBeVisible({ timeout: 10_000 });
}

// The host lets `name` in from the lobby's list.
export async function admit(host, name) {
  await host.locator('#waiting').getByRole('listitem').filter({ hasText: name })
    .getByRole('button', { name: 'Faire entrer' }).click();
}

export function removeProfiles() {
  for (const dir of profiles.splice(0)) rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}

// What the page's live connections receive: per inbound stream, frames decoded (video) or
// samples received (audio) and bytes.
export async function inbound(page) {
  return page.evaluate(async () => {
    const out = { video: [], audio: [] };
    for (const pc of window.__pcs) {
      if (pc.connectionState === 'closed') continue;
      const stats = await pc.getStats();
      stats.forEach((r) => {
        if (r.type !== 'inbound-rtp') return;
        if (r.kind === 'video') out.video.push({ id: r.trackIdentifier || r.id, frames: r.framesDecoded || 0, bytes: r.bytesReceived || 0, height: r.frameHeight || 0 });
        if (r.kind === 'audio') out.audio.push({ id: r.trackIdentifier || r.id, samples: r.totalSamplesReceived || 0, bytes: r.bytesReceived || 0 });
      });
    }
    return out;
  });
}

// Every page decodes video and audio from each of the `others` other people, and a second later
// still more: media keeps flowing.
export async function expectMediaFlowing(pages, others) {
  for (const page of pages) {
    await expect
      .poll(async () => {
        const s = await inbound(page);
        return [s.video.filter((v) => v.frames > 0).length, s.audio.filter((a) => a.samples > 0).length];
      }, { timeout: 30_000, message: `decoding on ${page.url()}` })
      .toEqual([others, others]);
  }
  const before = await Promise.all(pages.map(inbound));
  await new Promise((done) => setTimeout(done, 2000));
  const after = await Promise.all(pages.map(inbound));
  pages.forEach((page, i) => {
    const total = (s, key) => s.reduce((sum, r) => sum + r[key], 0);
    expect(total(after[i].video, 'frames'), 'video frames keep being decoded').toBeGreaterThan(total(before[i].video, 'frames'));
    expect(total(after[i].audio, 'bytes'), 'audio keeps arriving').toBeGreaterThan(total(before[i].audio, 'bytes'));
  });
}

