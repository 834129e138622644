// The nurse's cohort: Léa Gagné follows the heart-failure program, her home devices sent four
// weeks of measurements; a nurse of her care team finds her in the cohort (from the menu) with
// her program, her adherence and one small trend chart per measurement, each said in words;
// the page passes axe-core and fits a 360 px phone.
import { expect, test } from '@playwright/test';

import { account } from '../support/accounts.js';
import { checkPage } from '../support/checks.js';
import { signInStaff } from '../support/staff.js';

test('the cohort shows the nurse’s enrolled patient with her adherence and trend charts', async ({ page }) => {
  await signInStaff(page, account('cohort-nurse'));
  await page.getByRole('link', { name: 'Cohorte', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Cohorte en télésurveillance');
  await expect(page.getByRole('link', { name: 'Cohorte', exact: true })).toHaveAttribute('aria-current', 'page');
  const lea = page.locator('li.cohort-patient').filter({ hasText: 'Léa Gagné' });
  await expect(lea).toHaveCount(1);
  await expect(lea).toContainText('Insuffisance cardiaque');
  await expect(lea).toContainText(/\d+ sur \d+ attendues \(\d+ %\)/);
  // Weight, blood pressure, pulse and saturation: each drawn, named, and said in words.
  await expect(lea.locator('figure.trend-chart')).toHaveCount(4);
  await expect(lea.getByRole('img', { name: /^Fréquence cardiaque \(\/min\)/ })).toBeVisible();
  await expect(lea.getByRole('img', { name: /^Pression systolique \/ Pression diastolique \(mmHg\)/ })).toBeVisible();
  await expect(lea.locator('.cohort-chart').filter({ hasText: 'Fréquence cardiaque' })).toContainText(/Dernière valeur : \d+ \/min/);
  // Her chart is one link away; the keyboard reaches it.
  await expect(lea.getByRole('link', { name: 'Léa Gagné', exact: true })).toHaveAttribute('href', `/patients/${process.env.RELAIS_E2E_PATIENT_ID}`);
  await checkPage(page, 'cohort-fr');
});
