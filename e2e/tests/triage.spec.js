// The nurse's triage dashboard, live: a reading Léa's scale publishes over MQTT (a pulse of 120)
// becomes a high alert on two nurses' screens within two seconds, without a reload; when one
// acknowledges it, the other's screen shows who has it; resolving it without an outcome says
// why next to the field, and resolving it takes it off the other screen.
import { execFileSync } from 'node:child_process';

import { expect, test } from '@playwright/test';

import { account } from '../support/accounts.js';
import { checkPage } from '../support/checks.js';
import { signInStaff } from '../support/staff.js';

/** Publishes `reading` to the device's topic as the device does (its token in the message). */
function publish(reading) {
  const message = JSON.stringify({ token: process.env.RELAIS_E2E_DEVICE_TOKEN, ...reading });
  execFileSync('mosquitto_pub', [
    '-h', process.env.RELAIS_E2E_MQTT_HOST, '-p', process.env.RELAIS_E2E_MQTT_PORT, '-q', '1',
    '-t', process.env.RELAIS_E2E_DEVICE_TOPIC, '-m', message,
  ]);
}

test('an MQTT reading raises an alert two nurses see live, and an acknowledgement shows on the other screen', async ({ browser }) => {
  const chloe = await (await browser.newContext({ locale: 'fr-CA' })).newPage();
  const olivier = await (await browser.newContext({ locale: 'fr-CA' })).newPage();
  await signInStaff(chloe, account('triage-nurse-a'));
  await signInStaff(olivier, account('triage-nurse-b'));
  for (const page of [chloe, olivier]) {
    await page.getByRole('link', { name: 'Triage' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Triage des alertes');
    await expect(page.locator('tbody[data-queue="triage"]')).toContainText('Aucune alerte ouverte.');
  }
  await checkPage(chloe, 'triage-empty-fr');
  // The event streams are open once the pages have loaded their script.
  await chloe.waitForLoadState('networkidle');
  await olivier.waitForLoadState('networkidle');

  const sent = Date.now();
  publish({ message_id: `e2e-pulse-${sent}`, code: '8867-4', value: 120, unit: '/min', at: new Date(sent - 60_000).toISOString() });
  const alert = (page) => page.locator('tbody[data-queue="triage"] tr').filter({ hasText: 'Pouls au-dessus de 110' });
  await expect(alert(chloe)).toBeVisible({ timeout: 2_000 });
  console.log(`MQTT publish → alert visible in the first nurse's browser: ${Date.now() - sent} ms`);
  await expect(alert(olivier)).toBeVisible({ timeout: 2_000 });
  console.log(`MQTT publish → alert visible in both browsers: ${Date.now() - sent} ms`);
  await expect(alert(chloe)).toContainText('Élevée');
  await expect(alert(chloe)).toContainText('Léa Gagné');
  // Her other measurements (four weeks of them) may hold other alerts of the program: the count
  // says how many, whatever they are.
  await expect(chloe.getByRole('heading', { name: /Alertes ouvertes \([1-9]\d*\)/ })).toBeVisible();
  await checkPage(chloe, 'triage-fr');

  // Chloé acknowledges: Olivier's screen shows that she has it, without a reload.
  await chloe.getByRole('button', { name: 'Prendre en charge — Pouls au-dessus de 110' }).click();
  await expect(chloe.getByRole('alert')).toHaveText('Alerte prise en charge.');
  const acknowledged = Date.now();
  await expect(alert(olivier)).toContainText('Chloé Gauthier', { timeout: 2_000 });
  console.log(`acknowledgement → colleague's screen: ${Date.now() - acknowledged} ms`);
  await expect(alert(olivier).getByRole('button', { name: /Prendre en charge/ })).toHaveCount(0);

  // A call, then resolving: without an outcome, the reason next to the field.
  await alert(chloe).locator('summary', { hasText: 'Appel' }).click();
  await alert(chloe).getByLabel('Note d’appel').fill('Patiente rappelée : pouls à 96 au repos.');
  await alert(chloe).getByRole('button', { name: 'Enregistrer l’appel' }).click();
  await expect(chloe.getByRole('alert')).toHaveText('Appel enregistré.');
  await alert(chloe).locator('summary', { hasText: 'Clore' }).click();
  await alert(chloe).getByLabel('Note', { exact: true }).fill('Conseils donnés, rappel demain.');
  await alert(chloe).getByRole('button', { name: 'Clore l’alerte' }).click();
  await expect(alert(chloe).getByLabel('Issue')).toHaveAttribute('aria-invalid', 'true');
  await expect(alert(chloe).locator('p.error')).toHaveText('Choisissez l’issue.');
  await expect(alert(chloe).getByLabel('Note', { exact: true })).toHaveValue('Conseils donnés, rappel demain.');
  await checkPage(chloe, 'triage-resolve-error-fr');
  await alert(chloe).getByLabel('Issue').selectOption({ label: 'Conseils donnés' });
  await alert(chloe).getByRole('button', { name: 'Clore l’alerte' }).click();
  await expect(chloe.getByRole('alert')).toHaveText('Alerte close.');
  await expect(alert(olivier)).toHaveCount(0, { timeout: 2_000 });
});
