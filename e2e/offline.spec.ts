import { expect, test } from '@playwright/test';
import { openPlayground, waitForRun } from './support';

test('after one visit the site opens and trains offline: app shell, embedded models and MNIST digits are precached', async ({ page, context }) => {
  test.setTimeout(400_000);
  // The CPU backend: what is tested is where the files come from, and it starts fastest here.
  await openPlayground(page, '?backend=cpu');
  // The service worker has installed (precached everything) and controls the page after a reload.
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  await page.reload();
  await waitForRun(page);
  expect(await page.evaluate(() => navigator.serviceWorker.controller?.state)).toBe('activated');

  await context.setOffline(true);
  expect(await page.evaluate(() => navigator.onLine)).toBe(false);
  await page.reload();
  await waitForRun(page);
  await expect(page.getByTestId('status-model')).toHaveText(/^tiny-gpt2 · random test weights/);
  await page.getByRole('button', { name: 'Step' }).click();
  await expect(page.getByTestId('status-step')).toHaveText('step 1');

  // MNIST's digits come from the precache too (a link never opened online).
  await page.goto('./?v=1&task=mnist&bb=tiny&backend=cpu');
  await waitForRun(page);
  await expect(page.getByLabel('Task')).toHaveValue('mnist');
  await page.getByRole('button', { name: 'Step' }).click();
  await expect(page.getByTestId('status-step')).toHaveText('step 1');
  await page.screenshot({ path: 'screenshots/offline-mnist.png', fullPage: true });
  await context.setOffline(false);
});
