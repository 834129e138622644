// Patient search and the chart: a nurse on Léa Gagné's care team finds her and opens her chart
// (identity header, allergies, trend charts drawn on the server, timeline) in French and in
// English; a nurse not on the care team is refused the same address, as if it did not exist.
// Every page is checked for accessibility and for a 360 px screen.
import { expect, test } from '@playwright/test';

import { PASSWORD, account } from '../support/accounts.js';
import { checkPage } from '../support/checks.js';
import { totp } from '../support/totp.js';

/** Signs a staff member in for the first time: password, then setting up the second factor. */
async function firstSignIn(page, person) {
  await page.getByLabel('Adresse courriel', { exact: true }).fill(person.email);
  await page.getByLabel('Mot de passe', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await expect(page).toHaveURL(/\/sign-in\/enrol/);
  const key = (await page.locator('#totp-secret').textContent()).trim();
  await page.getByLabel('Code à 6 chiffres').fill(totp(key));
  await page.getByRole('button', { name: 'Activer le deuxième facteur' }).click();
}

test('a nurse of the care team finds the patient and reads her chart, in French and English', async ({ page }) => {
  await page.goto('/sign-in');
  await firstSignIn(page, account('chartNurse'));
  await page.getByRole('navigation').getByRole('link', { name: 'Patients' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Rechercher un patient');
  await checkPage(page, 'patient-search-empty-fr');

  await page.getByLabel('Nom ou numéro d’assurance maladie').fill('GAGL 4853 1401');
  await page.getByRole('button', { name: 'Rechercher' }).click();
  const results = page.getByRole('table', { name: 'Patients trouvés' });
  await expect(results.getByRole('row')).toHaveCount(2);
  await expect(results).toContainText('1948-03-14');
  await checkPage(page, 'patient-search-fr');

  await results.getByRole('link', { name: 'Léa Gagné' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Léa Gagné');
  await expect(page.locator('#health-card')).toHaveText('GAGL48531401');
  await expect(page.locator('#allergies')).toContainText('Pénicilline — criticité élevée');
  await expect(page.locator('#flags')).toContainText('Risque de chute');
  const heartRate = page.getByRole('img', { name: /^Fréquence cardiaque \(\/min\), .* — nombre de mesures : 28$/ });
  await expect(heartRate).toBeVisible();
  await expect(heartRate.locator('circle')).toHaveCount(28);
  await expect(page.getByRole('img', { name: /^Pression artérielle \(mmHg\)/ }).locator('circle')).toHaveCount(28);
  await expect(page.getByRole('img', { name: /^Poids \(kg\)/ })).toBeVisible();
  // Newest first: the flag, recorded last, then the measurements of the last days.
  await expect(page.locator('#timeline li').first()).toContainText('Alerte');
  await expect(page.locator('#timeline li').nth(1)).toContainText('Mesure');
  await expect(page.locator('#timeline')).toContainText('Téléconsultation de suivi');
  await checkPage(page, 'chart-fr');
  await page.locator('.charts').screenshot({ path: 'screenshots/chart-trends-fr.png' });

  await page.getByRole('button', { name: 'English' }).click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByRole('img', { name: /^Heart rate \(\/min\), .* — number of measurements: 28$/ })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Timeline' })).toBeVisible();
  await checkPage(page, 'chart-en');

  await page.getByRole('navigation').getByRole('link', { name: 'Patients' }).click();
  await page.getByLabel('Name or health card number').fill('gagn');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByRole('table', { name: 'Patients found' }).getByRole('link', { name: 'Léa Gagné' })).toBeVisible();
  await checkPage(page, 'patient-search-en');
});

test('a nurse not on the care team is told the chart is not open, finds no one, and can open it in an emergency', async ({ page }) => {
  const chart = `/patients/${process.env.RELAIS_E2E_PATIENT_ID}`;
  await page.goto(chart);
  await expect(page).toHaveURL(/\/sign-in\?next=/);
  await firstSignIn(page, account('outsider'));
  await page.goto(chart);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Dossier non disponible');
  await expect(page.getByText('Gagné')).toHaveCount(0);
  await checkPage(page, 'chart-refused-fr');

  await page.goto('/patients?q=gagn');
  await expect(page.getByRole('status')).toHaveText('Aucun patient auquel vous avez accès ne correspond à cette recherche.');
  await expect(page.getByRole('link', { name: 'Léa Gagné' })).toHaveCount(0);

  // An emergency: he opens the chart by giving the reason.
  await page.goto(chart);
  await page.getByRole('button', { name: 'Ouvrir le dossier en urgence' }).click();
  await expect(page.locator('#reason-error')).toContainText('Indiquez la raison');
  await expect(page.getByLabel('Raison de l’accès d’urgence')).toBeFocused();
  await page.getByLabel('Raison de l’accès d’urgence').fill('Patiente inconsciente à l’urgence, allergies à vérifier');
  await page.getByLabel('Durée de l’accès').selectOption({ label: '30 minutes' });
  await page.getByRole('button', { name: 'Ouvrir le dossier en urgence' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Léa Gagné');
});
