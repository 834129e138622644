// The patient's own account from the enrolment email (issue 7): Rose Pelletier, the nurse of
// Sophie Bélanger's care team, enrols her in the hypertension program; the email (read from the run's SMTP sink)
// carries her personal link; she opens it on her phone, a too-short password is refused next to
// the field, then she chooses one and lands on "Mes relevés", signed in. The link, used, then
// says so and creates nothing.
import { expect, test } from '@playwright/test';

import { account } from '../support/accounts.js';
import { checkPage } from '../support/checks.js';
import { create } from '../support/global-setup.js';
import { receivedMail } from '../support/smtp-sink.js';
import { signInStaff } from '../support/staff.js';

const url = () => process.env.RELAIS_E2E_URL;
const token = () => process.env.RELAIS_E2E_TOKEN;
const EMAIL = 'sophie.belanger@example.org';
const NEW_PASSWORD = 'tulipes rouges au printemps';

/** The id of the nurse's Practitioner (the setup made one per care-team member). */
async function practitioner(given) {
  const found = await fetch(`${url()}/fhir/Practitioner?given=${encodeURIComponent(given)}`, {
    headers: { authorization: `Bearer ${token()}` },
  });
  const bundle = await found.json();
  return bundle.entry[0].resource.id;
}

test('enrolled, the patient creates her account from the email and sends her readings', async ({ page, browser }) => {
  const nurse = account('welcomeNurse');
  const sophie = await create(url(), token(), {
    resourceType: 'Patient',
    name: [{ family: 'Bélanger', given: ['Sophie'] }],
    telecom: [{ system: 'email', value: EMAIL }],
  });
  await create(url(), token(), {
    resourceType: 'CareTeam',
    status: 'active',
    subject: { reference: `Patient/${sophie}` },
    participant: [{ member: { reference: `Practitioner/${await practitioner('Rose')}` } }],
  });

  await signInStaff(page, nurse);
  await page.goto(`/patients/${sophie}/monitoring`);
  await page.getByLabel('Programme', { exact: true }).selectOption({ label: 'Hypertension artérielle' });
  await page.getByRole('button', { name: 'Inscrire' }).click();
  await expect(page.locator('#homecare-notice')).toContainText('Il recevra un courriel');

  // Her email, as delivered to the sink.
  let mail;
  await expect.poll(() => {
    mail = receivedMail(process.env.RELAIS_E2E_MAIL_DIR).find((m) => m.to.includes(EMAIL));
    return Boolean(mail);
  }, { timeout: 15_000 }).toBe(true);
  expect(mail.text).toContain('Hypertension artérielle');
  const link = mail.text.match(/https?:\/\/\S+\/my\/welcome\?token=[A-Za-z0-9_-]+/)[0];

  const phone = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'fr-CA' });
  const her = await phone.newPage();
  await her.goto(link);
  await expect(her.getByRole('heading', { level: 1 })).toHaveText('Créer votre compte');
  await checkPage(her, 'welcome-fr');
  await her.getByLabel('Nouveau mot de passe', { exact: true }).fill('court');
  await her.getByLabel('Confirmer le nouveau mot de passe', { exact: true }).fill('court');
  await her.getByRole('button', { name: 'Créer mon compte' }).click();
  await expect(her.locator('#password-error')).toHaveText('Le mot de passe doit contenir au moins 12 caractères.');
  await her.getByLabel('Nouveau mot de passe', { exact: true }).fill(NEW_PASSWORD);
  await her.getByLabel('Confirmer le nouveau mot de passe', { exact: true }).fill(NEW_PASSWORD);
  await her.getByRole('button', { name: 'Créer mon compte' }).click();
  await expect(her).toHaveURL(/\/my\/readings$/);
  await expect(her.getByRole('heading', { level: 1 })).toHaveText('Mes relevés');
  await expect(her.locator('main')).toContainText('Pression systolique');

  // The link, used, says so and creates nothing.
  const stranger = await (await browser.newContext()).newPage();
  const again = await stranger.goto(link);
  expect(again.status()).toBe(404);
  await expect(stranger.locator('main')).toContainText('il a déjà servi, il a expiré ou il a été annulé');
  await phone.close();
});
