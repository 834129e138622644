// Video visits (issue 6): a nurse books Léa Gagné into a free slot, sees it on the schedule,
// Léa sees it in her portal; starting the visit without her telehealth consent is refused with
// the reason, and once the consent is recorded the visit starts and the nurse goes to the room.
import { expect, test } from '@playwright/test';

import { create } from '../support/global-setup.js';
import { PASSWORD, account } from '../support/accounts.js';
import { checkPage } from '../support/checks.js';
import { signInStaff } from '../support/staff.js';

const url = () => process.env.RELAIS_E2E_URL;
const token = () => process.env.RELAIS_E2E_TOKEN;

test('book a slot, see it, the consent gate, then start the visit', async ({ page, browser }) => {
  const doctor = await create(url(), token(), {
    resourceType: 'Practitioner',
    name: [{ family: 'Gendron', given: ['Paul'], prefix: ['Dr'] }],
  });
  const schedule = await create(url(), token(), {
    resourceType: 'Schedule',
    active: true,
    actor: [{ reference: `Practitioner/${doctor}` }],
    comment: 'Visite vidéo — suivi infirmier',
  });
  const start = new Date(Date.now() + 2 * 86_400_000);
  start.setUTCHours(18, 0, 0, 0);
  for (const offset of [0, 30]) {
    const from = new Date(start.getTime() + offset * 60_000);
    await create(url(), token(), {
      resourceType: 'Slot',
      schedule: { reference: `Schedule/${schedule}` },
      status: 'free',
      start: from.toISOString(),
      end: new Date(from.getTime() + 30 * 60_000).toISOString(),
    });
  }

  await signInStaff(page, account('visitNurse'));
  await page.getByRole('link', { name: 'Rendez-vous vidéo' }).click();
  await page.getByLabel('Agenda', { exact: true }).selectOption(schedule);
  await page.getByRole('button', { name: 'Afficher' }).click();
  const slots = page.getByRole('table', { name: 'Plages à venir de cet agenda' });
  await expect(slots.getByRole('row').filter({ hasText: 'Libre' })).toHaveCount(2);
  await checkPage(page, 'visits-fr');

  // Booking without choosing the patient is refused next to the field.
  await page.getByRole('button', { name: 'Réserver et envoyer l’invitation' }).click();
  await expect(page.locator('#patient-error')).toHaveText('Choisissez un patient de la liste.');
  await page.getByLabel('Patient', { exact: true }).selectOption({ label: 'Léa Gagné' });
  await page.getByRole('button', { name: 'Réserver et envoyer l’invitation' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Visite vidéo');
  await expect(page.getByRole('status')).toContainText('Le rendez-vous est réservé');
  await expect(page.locator('#visit-status')).toHaveText('Confirmé');
  await expect(page.locator('#visit-consent')).toHaveText('Jamais donné');
  await expect(page.getByText('Dr Paul Gendron')).toBeVisible();
  const visit = page.url().match(/\/visits\/([^/?]+)/)[1];

  // The schedule shows the slot taken, by whom.
  await page.goto(`/visits?schedule=${schedule}`);
  const taken = slots.getByRole('row').filter({ hasText: 'Réservée' });
  await expect(taken).toHaveCount(1);
  await expect(taken.getByRole('link', { name: 'Léa Gagné' })).toHaveAttribute('href', `/visits/${visit}`);

  // Léa sees it in her portal.
  const context = await browser.newContext({ locale: 'fr-CA' });
  const patient = await context.newPage();
  await patient.goto('/sign-in');
  await patient.getByLabel('Adresse courriel').fill(account('patient').email);
  await patient.getByLabel('Mot de passe', { exact: true }).fill(PASSWORD);
  await patient.getByRole('button', { name: 'Se connecter' }).click();
  await expect(patient.getByText('Visite vidéo — suivi infirmier')).toBeVisible();
  await context.close();

  // The consent gate.
  await page.goto(`/visits/${visit}`);
  await page.getByRole('button', { name: 'Commencer la visite vidéo' }).click();
  await expect(page.getByRole('alert')).toHaveText(
    /^La visite ne peut pas commencer : ce service exige le consentement du patient aux soins à distance/,
  );
  await checkPage(page, 'visit-consent-refused-fr');
  await page.getByRole('button', { name: 'Le patient consent : enregistrer son consentement' }).click();
  await expect(page.getByRole('status')).toHaveText('Le consentement du patient aux soins à distance est enregistré.');
  await expect(page.locator('#visit-consent')).toHaveText('Donné');
  await page.getByRole('button', { name: 'Commencer la visite vidéo' }).click();
  await expect(page).toHaveURL(new RegExp(`/rooms/${visit}$`));

  await page.goto(`/visits/${visit}`);
  await expect(page.locator('#visit-status')).toHaveText('Arrivé');
  await expect(page.getByRole('link', { name: 'Retourner dans la salle' })).toHaveAttribute('href', `/rooms/${visit}`);
});
