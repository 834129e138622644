// Signing in as people do it: a patient in French then English, a nurse setting up her
// authenticator app on her first sign-in and then using it, a physician whose browser speaks
// English, and a forgotten password. Every page passed through is checked for accessibility
// and for a 360 px screen.
import { expect, test } from '@playwright/test';

import { PASSWORD, account } from '../support/accounts.js';
import { checkPage } from '../support/checks.js';
import { totp } from '../support/totp.js';

async function signIn(page, email, password, labels = { email: 'Adresse courriel', password: 'Mot de passe', submit: 'Se connecter' }) {
  await page.getByLabel(labels.email, { exact: true }).fill(email);
  await page.getByLabel(labels.password, { exact: true }).fill(password);
  await page.getByRole('button', { name: labels.submit }).click();
}

test('a patient signs in in French, sees her home page, switches to English and signs out', async ({ page }) => {
  const patient = account('patient');
  await page.goto('/');
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Connexion');
  await checkPage(page, 'sign-in-fr');

  await signIn(page, patient.email, 'pas le bon mot de passe');
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('L’adresse courriel ou le mot de passe est incorrect');
  await expect(alert).toBeFocused();
  await expect(page.getByLabel('Adresse courriel')).toHaveValue(patient.email);
  await expect(page.getByLabel('Mot de passe', { exact: true })).toHaveValue('');
  await checkPage(page, 'sign-in-refused-fr');

  await page.getByLabel('Mot de passe', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Bonjour, Léa Gagné');
  await expect(page.getByRole('navigation')).toContainText('Qui a consulté mon dossier');
  // Her portal: the coming video visit and the message from her nurse.
  await expect(page.getByRole('region', { name: 'Mes prochains rendez-vous' })).toContainText('Suivi en oncologie (vidéo)');
  await expect(page.getByRole('region', { name: 'Mes prochains rendez-vous' })).toContainText('Avec Inès Morin');
  await expect(page.getByRole('region', { name: 'Mes messages' })).toContainText('N’oubliez pas votre pesée du matin.');
  await checkPage(page, 'home-patient-fr');

  await page.getByRole('button', { name: 'English' }).click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Hello, Léa Gagné');
  await checkPage(page, 'home-patient-en');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/sign-in\?notice=signed-out$/);
  await expect(page.getByRole('status')).toHaveText('You are signed out.');
  await page.goto('/');
  await expect(page).toHaveURL(/\/sign-in$/, { timeout: 2_000 });
});

test('a nurse sets up her authenticator app on her first sign-in, then signs in with its codes', async ({ page }) => {
  const nurse = account('nurse');
  await page.goto('/sign-in');
  await signIn(page, nurse.email, PASSWORD);
  await expect(page).toHaveURL(/\/sign-in\/enrol$/);
  await expect(page.getByRole('img', { name: 'Code QR de configuration de l’application d’authentification' })).toBeVisible();
  const key = (await page.locator('#totp-secret').textContent()).trim();
  await checkPage(page, 'enrol-fr');

  await page.getByLabel('Code à 6 chiffres').fill('000000');
  await page.getByRole('button', { name: 'Activer le deuxième facteur' }).click();
  const code = page.getByLabel('Code à 6 chiffres');
  await expect(code).toHaveAttribute('aria-invalid', 'true');
  await expect(code).toBeFocused();
  await expect(page.locator('#code-error')).toContainText('Ce code n’est pas valide');
  await expect(page.locator('#totp-secret')).toHaveText(key);
  await checkPage(page, 'enrol-refused-fr');

  await code.fill(totp(key));
  await page.getByRole('button', { name: 'Activer le deuxième facteur' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Bonjour, Camille Roy');
  await expect(page.getByText('Vos rôles : Infirmière ou infirmier')).toBeVisible();
  await page.getByRole('button', { name: 'Se déconnecter' }).click();

  await signIn(page, nurse.email, PASSWORD);
  await expect(page).toHaveURL(/\/sign-in\/code$/);
  await checkPage(page, 'second-factor-fr');
  // The enrolment used the current code: the app's next one.
  await page.getByLabel('Code à 6 chiffres').fill(totp(key, Date.now() + 30_000));
  await page.getByRole('button', { name: 'Vérifier' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Bonjour, Camille Roy');
});

test.describe('with an English browser', () => {
  test.use({ locale: 'en-CA' });

  test('a physician is greeted in English without choosing it', async ({ page }) => {
    const physician = account('physician');
    await page.goto('/sign-in');
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await checkPage(page, 'sign-in-en');
    await signIn(page, physician.email, PASSWORD, { email: 'Email address', password: 'Password', submit: 'Sign in' });
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Protect your account');
    const key = (await page.locator('#totp-secret').textContent()).trim();
    await page.getByLabel('6-digit code').fill(totp(key));
    await page.getByRole('button', { name: 'Turn on the second factor' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Hello, Dre Amina Haddad');
    await expect(page.getByText('Your roles: Physician')).toBeVisible();
  });
});

test.describe('with a browser in a language Relais does not speak', () => {
  test.use({ locale: 'es-ES' });

  test('the pages are in French', async ({ page }) => {
    await page.goto('/sign-in');
    await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Connexion');
  });
});

test('a forgotten password: the form, its errors, and the answer that says the same for everyone', async ({ page }) => {
  await page.goto('/sign-in');
  await page.getByRole('link', { name: 'Mot de passe oublié?' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Mot de passe oublié');
  await checkPage(page, 'reset-request-fr');
  await page.getByLabel('Adresse courriel').fill('pas-une-adresse');
  await page.getByRole('button', { name: 'Envoyer le lien' }).click();
  await expect(page.locator('#email-error')).toHaveText('Entrez une adresse courriel valide, par exemple nom@exemple.ca.');
  await expect(page.getByLabel('Adresse courriel')).toHaveValue('pas-une-adresse');
  await checkPage(page, 'reset-request-refused-fr');
  await page.getByLabel('Adresse courriel').fill('personne@example.org');
  await page.getByRole('button', { name: 'Envoyer le lien' }).click();
  await expect(page.getByRole('status')).toContainText('Si un compte existe pour cette adresse');

  // A link that is no longer valid says so, next to nothing the person could fix but the link.
  await page.goto('/password-reset?token=expired-or-made-up');
  await checkPage(page, 'reset-complete-fr');
  await page.getByLabel('Nouveau mot de passe', { exact: true }).fill('Une-phrase-de-passe-solide');
  await page.getByLabel('Confirmer le nouveau mot de passe').fill('Une-phrase-de-passe-solide');
  await page.getByRole('button', { name: 'Changer le mot de passe' }).click();
  await expect(page.getByRole('alert')).toContainText('Ce lien de réinitialisation n’est plus valide');
});
