// The patient's own measurements, organisations and sites, and editing an account's roles, in
// the browser: each new page passes checkPage (axe-core, 360 px, screenshot).
import { expect, test } from '@playwright/test';

import { PASSWORD, account } from '../support/accounts.js';
import { checkPage } from '../support/checks.js';
import { signInStaff } from '../support/staff.js';

async function signInPatient(page, who, labels = { email: 'Adresse courriel', password: 'Mot de passe', submit: 'Se connecter' }) {
  await page.goto('/sign-in');
  await page.getByLabel(labels.email).fill(who.email);
  await page.getByLabel(labels.password, { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: labels.submit }).click();
}

test('a patient reads her own measurements: latest values and trend charts', async ({ page }) => {
  await signInPatient(page, account('patient'));
  await page.getByRole('navigation').getByRole('link', { name: 'Mes mesures' }).click();
  await expect(page).toHaveURL(/\/me\/measurements$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Mes mesures');
  const latest = page.locator('#latest');
  await expect(latest).toContainText('Fréquence cardiaque');
  await expect(page.locator('figure.trend-chart').first()).toBeVisible();
  await expect(page.locator('#vital-heart-rate circle').first()).toBeAttached();
  await checkPage(page, 'my-measurements-fr');
});

test.describe('with an English browser', () => {
  test.use({ locale: 'en-CA' });

  test('a patient with nothing measured sees the empty state, never Léa’s values', async ({ page }) => {
    await signInPatient(page, account('newcomer'), { email: 'Email address', password: 'Password', submit: 'Sign in' });
    await page.getByRole('navigation').getByRole('link', { name: 'My measurements' }).click();
    await expect(page.locator('#measurements-none')).toHaveText('No measurement has been recorded in your record yet.');
    await expect(page.locator('figure.trend-chart')).toHaveCount(0);
    await checkPage(page, 'my-measurements-empty-en');
  });
});

test('an administrator creates an organisation and a site, and changes an account’s roles', async ({ page }) => {
  await signInStaff(page, account('siteAdmin'));
  await page.getByRole('navigation').getByRole('link', { name: 'Organisations' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Organisations et sites');

  // No name: the reason next to the field, the identifier kept.
  await page.getByLabel('Identifiant').fill('11045782');
  await page.getByRole('button', { name: 'Créer l’organisation' }).click();
  await expect(page.locator('#org_name-error')).toHaveText('Ce champ est obligatoire.');
  await expect(page.getByLabel('Identifiant')).toHaveValue('11045782');
  await page.getByLabel('Nom de l’organisation').fill('CISSS de Laval');
  await page.getByRole('button', { name: 'Créer l’organisation' }).click();
  await expect(page.getByRole('status')).toHaveText('L’organisation a été créée.');

  await page.getByLabel('Nom du site').fill('Hôpital de la Cité-de-la-Santé');
  await page.getByLabel('Adresse', { exact: true }).fill('1755 boul. René-Laennec');
  await page.getByLabel('Ville').fill('Laval');
  await page.getByLabel('Organisation', { exact: true }).selectOption({ label: 'CISSS de Laval' });
  await page.getByRole('button', { name: 'Créer le site' }).click();
  await expect(page.getByRole('status')).toHaveText('Le site a été créé.');
  const laval = page.locator('#organisations > li').filter({ hasText: 'CISSS de Laval' });
  await expect(laval).toContainText('Hôpital de la Cité-de-la-Santé — 1755 boul. René-Laennec, Laval');
  await checkPage(page, 'admin-organisations-fr');

  await page.getByRole('navigation').getByRole('link', { name: 'Utilisateurs' }).click();
  await page.getByRole('link', { name: 'Modifier les rôles — Théo Martin' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Rôles du compte');
  await expect(page.getByRole('checkbox', { name: 'Infirmière ou infirmier' })).toBeChecked();
  await page.getByLabel('Spécialité').fill('dermatologie');
  await page.getByRole('button', { name: 'Enregistrer les rôles' }).click();
  await expect(page.locator('#roles-error')).toHaveText('La spécialité ne s’applique qu’au rôle de médecin spécialiste.');
  await expect(page.getByLabel('Spécialité')).toHaveValue('dermatologie');
  await checkPage(page, 'admin-roles-refused-fr');
  await page.getByRole('checkbox', { name: 'Infirmière ou infirmier' }).uncheck();
  await page.getByRole('checkbox', { name: 'Médecin spécialiste' }).check();
  await page.getByRole('button', { name: 'Enregistrer les rôles' }).click();
  await expect(page.getByRole('status')).toHaveText('Les rôles ont été enregistrés.');
  await expect(page.getByRole('row').filter({ hasText: 'Théo Martin' })).toContainText('Médecin spécialiste (dermatologie)');
});
