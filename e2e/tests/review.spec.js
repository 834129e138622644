// The nurse's review queue: Léa's device publishes a pulse of 260 over MQTT, which the program
// keeps for review as implausible; a nurse of her care team sees it counted on the triage page,
// finds it on /triage/review, is told next to the field that a note is needed to mark it
// entered in error, then accepts it as measured, and the high-pulse alert it warrants shows on
// /triage. She closes the alerts so the live triage test starts from an empty dashboard.
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

test('an implausible device pulse is accepted from the review queue and its alert shows on triage', async ({ page }) => {
  await signInStaff(page, account('review-nurse'));
  const sent = Date.now();
  publish({ message_id: `e2e-review-${sent}`, code: '8867-4', value: 260, unit: '/min', at: new Date(sent - 600_000).toISOString() });

  // The triage page counts it (the reading is stored asynchronously: reload until it is).
  await expect(async () => {
    await page.goto('/triage');
    await expect(page.locator('#review-badge')).toHaveText(/\d+ relevés? à vérifier/, { timeout: 500 });
  }).toPass({ timeout: 10_000 });
  await page.locator('#review-badge').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Relevés à vérifier');
  const reading = page.locator('tbody tr').filter({ hasText: 'Fréquence cardiaque : 260 /min' });
  await expect(reading).toHaveCount(1);
  await expect(reading).toContainText('Valeur invraisemblable');
  await expect(reading).toContainText('Léa Gagné');
  await expect(reading).toContainText('Appareil : HF-SCALE-0007');

  // Entered in error without a note: the reason next to the field.
  await reading.locator('summary', { hasText: 'Saisi par erreur' }).click();
  await reading.getByRole('button', { name: 'Marquer comme saisi par erreur' }).click();
  const refused = page.locator('tbody tr').filter({ hasText: 'Fréquence cardiaque : 260 /min' });
  await expect(refused.getByLabel('Note (obligatoire)')).toHaveAttribute('aria-invalid', 'true');
  await expect(refused.locator('p.error')).toHaveText('Expliquez en une note pourquoi ce relevé est erroné.');
  await checkPage(page, 'review-note-error-fr');

  // Accepted as measured: it leaves the queue and the alert it warrants is on the dashboard.
  await refused.getByRole('button', { name: /^Accepter comme mesuré/ }).click();
  await expect(page.getByRole('status')).toHaveText('Relevé accepté : il compte désormais et le patient a été réévalué.');
  await expect(page.locator('tbody tr').filter({ hasText: '260 /min' })).toHaveCount(0);
  await checkPage(page, 'review-fr');
  await page.getByRole('link', { name: 'Aller aux alertes ouvertes' }).click();
  const alert = page.locator('tbody[data-queue="triage"] tr').filter({ hasText: 'Pouls au-dessus de 110' });
  await expect(alert).toContainText('Léa Gagné');

  // Every alert this evaluation raised (her seeded saturations warrant one too) is closed again,
  // so the live triage test starts from an empty dashboard.
  const open = page.locator('tbody[data-queue="triage"] tr').filter({ has: page.locator('summary', { hasText: 'Clore' }) });
  while (await open.count() > 0) {
    const row = open.first();
    await row.locator('summary', { hasText: 'Clore' }).click();
    await row.getByLabel('Issue').selectOption({ label: 'Aucune action requise' });
    await row.getByLabel('Note', { exact: true }).fill('Vérifié, rien à faire.');
    await row.getByRole('button', { name: 'Clore l’alerte' }).click();
    await expect(page.getByRole('alert')).toHaveText('Alerte close.');
  }
  await expect(page.locator('tbody[data-queue="triage"]')).toContainText('Aucune alerte ouverte.');
});
