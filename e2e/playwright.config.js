// Playwright drives Debian's Chromium (/usr/bin/chromium, never a downloaded browser) against a
// Relais server that support/global-setup.js starts on a free loopback port with a fresh
// database, and stops afterwards.
import { defineConfig } from '@playwright/test';

export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // A fake camera and microphone; with the fake UI, getDisplayMedia also answers at once with
  // a fake 1280x720 "monitor" (screen sharing needs no other flag on Chromium 156).
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
];

export default defineConfig({
  testDir: './tests',
  globalSetup: './support/global-setup.js',
  // Two cores: the server and one browser at a time.
  workers: 1,
  timeout: 30_000,
  expect: { timeout: 5_000 },
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    // Set by the global setup before the workers start.
    baseURL: process.env.RELAIS_E2E_URL,
    browserName: 'chromium',
    // Most people here use a French-Canadian browser; tests of English set their own.
    locale: 'fr-CA',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: chromiumArgs,
    },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
});
