import { expect, test } from '@playwright/test';

test('the engine trains Bit XOR in the page on WebGPU', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'FPT Playground' })).toBeVisible();
  await expect(page.getByTestId('backend')).toHaveText(/^webgpu/);
  await expect(page.getByTestId('accuracy')).toHaveText(/%$/);
  expect(Number(await page.getByTestId('step').textContent())).toBe(20);
  const loss = Number(await page.getByTestId('loss').textContent());
  expect(loss).toBeGreaterThan(0);
  expect(loss).toBeLessThan(2);
  await page.screenshot({ path: 'test-results/engine-smoke.png' });
});
