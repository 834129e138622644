// Home monitoring in the browser (issue 7): the nurse of Gérard Roy's care team enrols him in
// the heart-failure program and sets his own pulse limit; Gérard, on a 360 px phone, sends his
// pulse (an impossible value is refused next to the field, what he typed kept) and answers
// his symptom check — "very short of breath at rest" brings the call-911 advice at once, on the
// answer page; the administrator reads the programs in force and changes COPD's fast-breathing
// threshold (a limit without its operator refused next to the field, what he typed kept; then
// version 2 in force). Each page passes checkPage.
import { expect, test } from '@playwright/test';

import { PASSWORD, account } from '../support/accounts.js';
import { checkPage } from '../support/checks.js';
import { signInStaff } from '../support/staff.js';

test.describe.configure({ mode: 'serial' });

test('the nurse enrols her patient and sets his own limit', async ({ page }) => {
  const nurse = account('homecareNurse');
  await signInStaff(page, nurse);
  await page.goto('/patients?q=Roy');
  await page.getByRole('link', { name: /Gérard Roy/ }).click();
  await page.getByRole('link', { name: 'Télésurveillance : inscription et seuils' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Télésurveillance · Gérard Roy');
  await expect(page.locator('#not-enrolled')).toBeVisible();
  await checkPage(page, 'homecare-enrol-fr');
  await page.getByLabel('Programme', { exact: true }).selectOption({ label: 'Insuffisance cardiaque' });
  await page.getByLabel('Appareils', { exact: true }).fill('BALANCE-E2E-1\nTENSIO-E2E-2');
  await page.getByRole('button', { name: 'Inscrire' }).click();
  // Gérard's record has no email address: enrolled all the same, and the nurse is told so.
  await expect(page.locator('#homecare-notice')).toContainText('aucune invitation n’a pu lui être envoyée');
  await expect(page.locator('#enrolled-program')).toHaveText('Insuffisance cardiaque (v1)');
  await expect(page.locator('#enrolled-devices')).toContainText('BALANCE-E2E-1');

  // A limit without its operator is refused next to the field; the reason typed is kept.
  await page.getByLabel('Règle', { exact: true }).selectOption('hr-very-high');
  await page.getByLabel('Nouveau seuil', { exact: true }).fill('120');
  await page.getByLabel('Raison', { exact: true }).fill('Bêtabloquant suspendu par la cardiologue');
  await page.getByRole('button', { name: 'Fixer le seuil de ce patient' }).click();
  await expect(page.locator('#limit-error')).toHaveText('Écrivez un opérateur puis un nombre, par exemple « > 120 ».');
  await expect(page.getByLabel('Raison', { exact: true })).toHaveValue('Bêtabloquant suspendu par la cardiologue');
  await page.getByLabel('Nouveau seuil', { exact: true }).fill('> 120');
  await page.getByRole('button', { name: 'Fixer le seuil de ce patient' }).click();
  await expect(page.locator('#homecare-notice')).toContainText('Le seuil du patient est enregistré.');
  await expect(page.locator('#overrides')).toContainText('> 120');
  await expect(page.locator('#overrides')).toContainText('Lucie Gauthier');
  await checkPage(page, 'homecare-enrolled-fr');
});

test('on his phone, the patient sends his pulse and a red-flag answer shows the advice at once', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  const patient = account('homecarePatient');
  await page.goto('/sign-in');
  await page.getByLabel('Adresse courriel').fill(patient.email);
  await page.getByLabel('Mot de passe', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByRole('navigation').getByRole('link', { name: 'Mes relevés' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Mes relevés');
  const pulse = page.locator('#form-8867-4');
  await expect(pulse.locator('.standing')).toContainText('À faire aujourd’hui');
  await checkPage(page, 'my-readings-fr');

  await pulse.getByLabel('Fréquence cardiaque (/min)').fill('400');
  await pulse.getByRole('button', { name: 'Envoyer' }).click();
  await expect(page.locator('#m-8867-4-error')).toContainText('Cette valeur semble impossible : elle devrait être entre 20 et 250 /min.');
  await expect(page.locator('#m-8867-4')).toHaveValue('400');
  await checkPage(page, 'my-readings-refused-fr');
  await page.locator('#m-8867-4').fill('72');
  await page.locator('#form-8867-4').getByRole('button', { name: 'Envoyer' }).click();
  await expect(page.locator('#readings-notice')).toHaveText('Merci, c’est bien reçu. Votre équipe de soins le voit.');
  await expect(page.locator('#form-8867-4 .standing')).toContainText('Fait pour aujourd’hui');

  const check = page.locator('#form-q-hf-daily');
  for (const question of ['Êtes-vous plus essoufflé que d\'habitude ?', 'Devez-vous dormir plus assis pour respirer ?',
    'Vous êtes-vous réveillé essoufflé cette nuit ?', 'Vos chevilles ou vos jambes sont-elles plus enflées ?',
    'Avez-vous des étourdissements ?']) {
    await check.getByRole('group', { name: question }).getByLabel('Non').check();
  }
  await check.getByRole('group', { name: 'Êtes-vous très essoufflé au repos, même sans bouger ?' }).getByLabel('Oui').check();
  await check.getByRole('button', { name: 'Envoyer' }).click();
  await expect(page.locator('#advice')).toContainText('Appelez le 911 maintenant. N\'attendez pas l\'appel de l\'infirmière.');
  await checkPage(page, 'my-readings-advice-fr');
});

test('the administrator reads the programs in force', async ({ page }) => {
  await signInStaff(page, account('programsAdmin'));
  await page.getByRole('navigation').getByRole('link', { name: 'Programmes' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Programmes de télésurveillance');
  const hf = page.locator('#heart-failure');
  await expect(hf.getByRole('heading', { level: 2 })).toHaveText('Insuffisance cardiaque');
  await expect(hf.locator('.source')).toHaveText('fourni avec Relais');
  await expect(hf).toContainText('Prise de poids de plus de 2 kg en 3 jours');
  await expect(hf).toContainText('Call 911 now. Do not wait for the nurse to call you.');
  await checkPage(page, 'admin-programs-fr');

  // COPD, which no other test follows: its fast-breathing threshold goes from > 24 to > 26.
  const copd = 'Maladie pulmonaire obstructive chronique (MPOC)';
  await page.getByRole('link', { name: `Modifier « ${copd} »` }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Modifier le programme « ${copd} »`);
  const rule = page.getByRole('group', { name: /^Respiration rapide \(plus de 24\/min\)/ });
  const threshold = rule.getByLabel('Seuil (avec son opérateur, p. ex. > 160)');
  await expect(threshold).toHaveValue('> 24');
  await threshold.fill('26');
  await page.getByLabel('Raison de la modification').fill('Protocole révisé par la pneumologue');
  await page.getByRole('button', { name: 'Enregistrer une nouvelle version' }).click();
  await expect(rule.locator('.error')).toHaveText('Écrivez le seuil avec son opérateur puis un nombre, par exemple > 160, >= 135, < 4.0 ou <= 90.');
  await expect(page.locator('#form-error')).toContainText('Le programme n\'a pas été modifié.');
  await expect(page.getByLabel('Raison de la modification')).toHaveValue('Protocole révisé par la pneumologue');
  await expect(threshold).toHaveValue('26');
  await checkPage(page, 'admin-program-edit-refused-fr');
  // For the docs: the refused rule, as the administrator sees it.
  await rule.screenshot({ path: 'screenshots/admin-program-edit-rule-fr.png' });

  await threshold.fill('> 26');
  await rule.getByLabel('Texte en français').fill('Respiration rapide (plus de 26/min)');
  await rule.getByLabel('Texte en anglais').fill('Fast breathing (over 26/min)');
  await page.getByRole('button', { name: 'Enregistrer une nouvelle version' }).click();
  await expect(page.locator('#programs-notice')).toHaveText(`Programme « ${copd} » enregistré : version 2, en vigueur dès maintenant.`);
  await expect(page.locator('#version-copd')).toHaveText('2');
  await expect(page.locator('#copd')).toContainText('Respiration rapide (plus de 26/min)');
  await expect(page.locator('#copd .source')).toHaveText('fichier du dossier de données copd.toml');
  await page.screenshot({ path: 'screenshots/admin-programs-saved-fr.png' });
});
