// The page checks themselves must be able to fail: a page with an unlabelled field and
// low-contrast text, and one wider than a phone, are caught.
import { expect, test } from '@playwright/test';

import { expectAccessible, expectFitsAPhone } from '../support/checks.js';

test('the accessibility and phone-width checks catch a broken page', async ({ page }) => {
  await page.setContent(`<!doctype html><html><head><title>x</title></head><body><main>
    <p style="color:#bbb;background:#fff">pâle</p><input type="text"></main></body></html>`);
  await expect(expectAccessible(page)).rejects.toThrow(/label|color-contrast/);
  await page.setContent('<!doctype html><html lang="fr"><body><div style="width:600px">large</div></body></html>');
  await expect(expectFitsAPhone(page)).rejects.toThrow(/horizontal overflow/);
});
