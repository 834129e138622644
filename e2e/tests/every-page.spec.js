// Every page of the application, per role, with the setup's data: no serious or critical
// accessibility violation (axe-core) and no sideways scrolling at 360 px. The routes are those
// of crates/relais-web/src (pages, not the FHIR API); the video room, the guest's lobby and the
// forms' refusals are checked by their own specs (video, visits, sign-in, admin...).
import { expect, test } from '@playwright/test';

import { PASSWORD, account } from '../support/accounts.js';
import { expectAccessible, expectFitsAPhone } from '../support/checks.js';
import { signInStaff } from '../support/staff.js';

const patientId = () => process.env.RELAIS_E2E_PATIENT_ID;

/** Opens each path and checks it; `status` is what the page answers (403, 404 pages too). */
async function walk(page, paths) {
  for (const [path, status] of paths) {
    const response = await page.goto(path);
    expect(response.status(), path).toBe(status);
    await expect(page.locator('h1')).toBeVisible();
    await expectAccessible(page);
    await expectFitsAPhone(page);
  }
}

test('the pages of someone not signed in', async ({ page }) => {
  await walk(page, [
    ['/sign-in', 200],
    ['/password-reset', 200],
    ['/password-reset?token=expired-or-made-up', 200],
    ['/i/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 404],
    ['/my/welcome?token=expired-or-made-up', 404],
    ['/nulle-part', 404],
  ]);
});

test('the patient’s pages', async ({ page }) => {
  const patient = account('patient');
  await page.goto('/sign-in');
  await page.getByLabel('Adresse courriel').fill(patient.email);
  await page.getByLabel('Mot de passe', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Bonjour, ${patient.name}`);
  await walk(page, [
    ['/', 200],
    ['/me/measurements', 200],
    ['/me/accesses', 200],
    ['/my/readings', 200],
    ['/admin/programs', 403],
  ]);
});

test('the nurse’s pages', async ({ page }) => {
  await signInStaff(page, account('tourNurse'));
  await walk(page, [
    ['/', 200],
    ['/patients', 200],
    ['/patients?q=gagn', 200],
    [`/patients/${patientId()}`, 200],
    [`/patients/${patientId()}/monitoring`, 200],
    ['/triage', 200],
    ['/visits', 200],
    ['/rooms', 200],
    ['/admin/programs', 200],
    ['/admin/users', 403],
  ]);
});

test('the administrator’s pages', async ({ page }) => {
  await signInStaff(page, account('tourAdmin'));
  await walk(page, [
    ['/', 200],
    ['/admin/users', 200],
    ['/admin/users/new', 200],
    ['/admin/organisations', 200],
    ['/admin/programs', 200],
    ['/admin/programs/heart-failure/edit', 200],
  ]);
  await page.goto('/admin/users');
  await page.getByRole('link', { name: /Rôles|rôles/ }).first().click();
  await expect(page.locator('h1')).toBeVisible();
  await expectAccessible(page);
  await expectFitsAPhone(page);
});
