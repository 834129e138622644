// The patient's portal: who accessed my record, and what another person cannot see.
import { expect, test } from '@playwright/test';

import { PASSWORD, account } from '../support/accounts.js';
import { checkPage } from '../support/checks.js';

test('a patient sees who accessed her record; a page that does not exist says so', async ({ page }) => {
  const patient = account('patient');
  await page.goto('/me/accesses');
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fme%2Faccesses$/);
  await page.getByLabel('Adresse courriel').fill(patient.email);
  await page.getByLabel('Mot de passe', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Se connecter' }).click();

  await expect(page).toHaveURL(/\/me\/accesses$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Qui a consulté mon dossier');
  const table = page.getByRole('table', { name: 'Consultations de votre dossier, les plus récentes d’abord' });
  // The setup's system read (the chart tests may have added the care team nurse's before it).
  const systemRead = table.getByRole('row').filter({ hasText: 'Consultation — Patient' }).filter({ hasText: 'Application « e2e-setup »' });
  await expect(systemRead.first()).toBeVisible();
  await expect(page.getByRole('link', { name: 'Qui a consulté mon dossier' })).toHaveAttribute('aria-current', 'page');
  await checkPage(page, 'my-accesses-fr');

  await page.goto('/nulle-part');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Page introuvable');
  await checkPage(page, 'not-found-fr');
});

test('another patient sees the accesses to her own record, not to Léa’s', async ({ page }) => {
  const newcomer = account('newcomer');
  await page.goto('/me/accesses');
  await page.getByLabel('Adresse courriel').fill(newcomer.email);
  await page.getByLabel('Mot de passe', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Qui a consulté mon dossier');
  await expect(page.getByRole('cell', { name: 'Ajout — Patient' })).toBeVisible();
  await expect(page.getByText('Consultation — Patient')).toHaveCount(0);
  await expect(page.getByText('Marc Tremblay')).toBeVisible();
});
