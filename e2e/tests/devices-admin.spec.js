// The device tokens page: an administrator finds Léa's scale by its Device id, sees the
// token the setup issued, issues a new one (shown once, ready to copy) and revokes it; the page
// passes axe-core and fits a 360 px phone.
import { expect, test } from '@playwright/test';

import { account } from '../support/accounts.js';
import { checkPage } from '../support/checks.js';
import { signInStaff } from '../support/staff.js';

test('an administrator issues a device token, shown once, and revokes it', async ({ page }) => {
  await signInStaff(page, account('devicesAdmin'));
  await page.getByRole('navigation').getByRole('link', { name: 'Appareils' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Jetons des appareils à domicile');
  // The setup registered the scale without the serial identifier enrolment gives: by its id.
  const device = process.env.RELAIS_E2E_DEVICE_TOPIC.split('/').at(-2);
  await page.getByLabel('Identifiant ou numéro de série de l’appareil').fill(device);
  await page.getByRole('button', { name: 'Afficher ses jetons' }).click();
  await expect(page.getByRole('row').filter({ hasText: 'balance de Léa' })).toContainText('actif');

  await page.getByLabel('Libellé du nouveau jeton').fill('balance de rechange');
  await page.getByRole('button', { name: 'Émettre un jeton' }).click();
  await expect(page.locator('#devices-notice')).toHaveText('Le jeton est émis.');
  await expect(page.getByLabel('Jeton', { exact: true })).toHaveValue(/^[A-Za-z0-9_-]{43}$/);
  await checkPage(page, 'devices-admin-issued-fr');

  await page.getByRole('button', { name: 'Révoquer — balance de rechange' }).click();
  await expect(page.locator('#devices-notice')).toHaveText('Le jeton est révoqué : l’appareil est refusé dès maintenant.');
  await expect(page.getByRole('row').filter({ hasText: 'balance de rechange' })).toContainText('révoqué le');
  await expect(page.getByLabel('Jeton', { exact: true })).toHaveCount(0);
});
