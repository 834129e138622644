// Signing a staff member in from the pages, setting up the second factor on the way (their
// first sign-in), as the sign-in tests do step by step.
import { expect } from '@playwright/test';

import { PASSWORD } from './accounts.js';
import { totp } from './totp.js';

export async function signInStaff(page, account) {
  await page.goto('/sign-in');
  await page.getByLabel('Adresse courriel').fill(account.email);
  await page.getByLabel('Mot de passe', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await expect(page).toHaveURL(/\/sign-in\/enrol$/);
  const key = (await page.locator('#totp-secret').textContent()).trim();
  await page.getByLabel('Code à 6 chiffres').fill(totp(key));
  await page.getByRole('button', { name: 'Activer le deuxième facteur' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Bonjour, ${account.name}`);
  return key;
}
