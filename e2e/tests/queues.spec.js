// Live work queues in two browsers: a task written by another system appears on both nurses'
// screens within a second, and when one claims it, it moves on the other's screen too — no
// reload. Keyboard focus stays where it was while the queue updates.
import { expect, test } from '@playwright/test';

import { account } from '../support/accounts.js';
import { checkPage } from '../support/checks.js';
import { create } from '../support/global-setup.js';
import { signInStaff } from '../support/staff.js';

function task(description, priority) {
  return {
    resourceType: 'Task',
    status: 'requested',
    intent: 'order',
    priority,
    description,
    for: { reference: `Patient/${process.env.RELAIS_E2E_PATIENT_ID}` },
    authoredOn: new Date().toISOString(),
    restriction: { period: { end: new Date(Date.now() + 2 * 3600_000).toISOString() } },
  };
}

test('a new task appears live on two nurses’ screens, and a claim moves it on both', async ({ browser, baseURL }) => {
  const ines = await (await browser.newContext({ locale: 'fr-CA' })).newPage();
  const samuel = await (await browser.newContext({ locale: 'fr-CA' })).newPage();
  await signInStaff(ines, account('queue-nurse-a'));
  await signInStaff(samuel, account('queue-nurse-b'));
  const toClaim = (page) => page.locator('tbody[data-queue="unclaimed"]');
  const mine = (page) => page.locator('tbody[data-queue="mine"]');
  await expect(toClaim(ines)).toContainText('Aucune tâche dans cette file.');
  await checkPage(ines, 'queues-empty-fr');

  // Samuel is using the filter form with the keyboard while the queue updates.
  await samuel.getByLabel('Trier par').focus();

  await create(baseURL, process.env.RELAIS_E2E_TOKEN, task('Rappeler : poids +2 kg en 3 jours', 'urgent'));
  for (const page of [ines, samuel]) {
    const row = toClaim(page).getByRole('row').filter({ hasText: 'Rappeler : poids +2 kg en 3 jours' });
    await expect(row).toBeVisible({ timeout: 1_000 });
    await expect(row).toContainText('Urgente');
    await expect(row).toContainText('Léa Gagné');
    await expect(row).toContainText(/dans 1 h 5\d min|dans 2 h 0 min/);
  }
  await expect(samuel.getByLabel('Trier par')).toBeFocused();
  await expect(ines.getByRole('heading', { name: /À prendre \(1\)/ })).toBeVisible();
  await checkPage(ines, 'queues-fr');

  await ines.getByRole('button', { name: 'Prendre — Rappeler : poids +2 kg en 3 jours' }).click();
  await expect(mine(ines)).toContainText('Rappeler : poids +2 kg en 3 jours');
  await expect(mine(ines)).toContainText('Acceptée');
  // On Samuel's screen, without a reload: gone from the queue to claim.
  await expect(toClaim(samuel)).toContainText('Aucune tâche dans cette file.', { timeout: 1_000 });
  await expect(samuel.getByRole('heading', { name: /À prendre \(0\)/ })).toBeVisible();

  // Inès hands it to Samuel: it appears in his own tasks.
  const row = mine(ines).getByRole('row').filter({ hasText: 'Rappeler : poids' });
  await row.getByLabel('Assigner « Rappeler : poids +2 kg en 3 jours » à').selectOption({ label: 'Samuel Côté' });
  await row.getByRole('button', { name: 'Assigner' }).click();
  await expect(mine(samuel)).toContainText('Rappeler : poids +2 kg en 3 jours', { timeout: 1_000 });
  await expect(mine(ines)).not.toContainText('Rappeler : poids');
});
