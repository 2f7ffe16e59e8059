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

test('the WebAssembly backend (?backend=wasm) loads its binaries from the built site and trains', async ({ page }) => {
  const wasmFetched: string[] = [];
  page.on('response', (r) => r.url().endsWith('.wasm') && r.ok() && wasmFetched.push(new URL(r.url()).pathname));
  await page.goto('./?backend=wasm');
  await waitForRun(page);
  await expect(page.getByTestId('status-backend')).toContainText('WebAssembly');
  await page.getByRole('button', { name: 'Step' }).click();
  await expect(page.getByTestId('status-step')).toHaveText('step 1');
  expect(wasmFetched.length).toBeGreaterThan(0);
  expect(wasmFetched[0]).toMatch(/\/assets\/tfjs-backend-wasm.*\.wasm$/);
  await page.screenshot({ path: 'screenshots/backend-wasm.png', fullPage: true });
});
