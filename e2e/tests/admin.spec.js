// Account administration in the browser: the list of users, creating an account with a form
// that keeps what was typed and puts the reason next to the field.
import { expect, test } from '@playwright/test';

import { account } from '../support/accounts.js';
import { checkPage } from '../support/checks.js';
import { signInStaff } from '../support/staff.js';

test('an administrator lists the users and creates a nurse’s account', async ({ page }) => {
  await signInStaff(page, account('admin'));
  await page.getByRole('navigation').getByRole('link', { name: 'Utilisateurs' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Utilisateurs');
  await expect(page.getByRole('table')).toContainText('Julie Fortin');
  await checkPage(page, 'admin-users-fr');

  await page.getByRole('link', { name: 'Créer un compte' }).click();
  await page.getByLabel('Nom affiché').fill('Nadia Benali');
  await page.getByLabel('Adresse courriel').fill('nadia@cisss.example');
  await page.getByLabel('Mot de passe initial').fill('Une-phrase-de-passe-solide');
  await page.getByRole('button', { name: 'Créer le compte' }).click();
  await expect(page.locator('#roles-error')).toHaveText('Cochez au moins un rôle.');
  await expect(page.getByLabel('Nom affiché')).toHaveValue('Nadia Benali');
  await checkPage(page, 'admin-new-refused-fr');

  await page.getByLabel('Mot de passe initial').fill('Une-phrase-de-passe-solide');
  await page.getByRole('checkbox', { name: 'Infirmière ou infirmier' }).check();
  await page.getByRole('button', { name: 'Créer le compte' }).click();
  await expect(page.getByRole('status')).toHaveText('Le compte a été créé.');
  await expect(page.getByRole('row').filter({ hasText: 'Nadia Benali' })).toContainText('Infirmière ou infirmier');
});
