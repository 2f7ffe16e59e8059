import { chromium, expect, test } from '@playwright/test';
import { waitForRun } from './support';

test('without WebGPU the page falls back to WebGL and says why', async ({ baseURL }) => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    // No --enable-unsafe-webgpu: Chromium on Linux then offers no WebGPU adapter.
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
  });
  const page = await browser.newPage();
  await page.goto(baseURL!);
  await waitForRun(page);
  await expect(page.getByTestId('status-backend')).toHaveText('WebGL');
  await expect(page.getByTestId('status-fallback')).toHaveText('fell back: webgpu: WebGPU is present but no GPU adapter was offered');
  await page.getByRole('button', { name: 'Step' }).click();
  await expect(page.getByTestId('status-step')).toHaveText('step 1');
  await page.screenshot({ path: 'screenshots/fallback-webgl.png', fullPage: true });
  await browser.close();
});
