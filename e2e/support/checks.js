// Checks every page of the suite goes through: no serious or critical accessibility violation
// (axe-core), nothing wider than a 360 px phone, and a screenshot kept for the docs.
import AxeBuilder from '@axe-core/playwright';
import { expect } from '@playwright/test';

/** Fails with the list of serious and critical axe-core violations on the page, if any. */
export async function expectAccessible(page) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const blocking = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(blocking, `axe-core on ${page.url()}`).toEqual([]);
}

/** Fails if the page scrolls sideways on a 360 px wide screen. */
export async function expectFitsAPhone(page) {
  const before = page.viewportSize();
  await page.setViewportSize({ width: 360, height: 740 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `horizontal overflow at 360 px on ${page.url()}`).toBeLessThanOrEqual(0);
  if (before) await page.setViewportSize(before);
}

/** Both checks, then a screenshot named `name` (screenshots/). */
export async function checkPage(page, name) {
  await expectAccessible(page);
  await expectFitsAPhone(page);
  await page.screenshot({ path: `screenshots/${name}.png`, fullPage: true });
}
