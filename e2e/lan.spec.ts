import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import config from '../playwright.config';
import { waitForRun } from './support';

/**
 * A workshop on a LAN, on this machine only: Chromium maps the made-up host workshop.test to
 * 127.0.0.1, so the page is not on localhost. Over plain http it is not a secure context (no WebGPU:
 * the page says why and trains on the fallback); over `npm run serve:lan`'s HTTPS it has WebGPU.
 */
const HOST = 'workshop.test';
const launch = config.use!.launchOptions!;
test.use({ launchOptions: { ...launch, args: [...launch.args!, `--host-resolver-rules=MAP ${HOST} 127.0.0.1`] }, ignoreHTTPSErrors: true });

const httpPort = Number(process.env.E2E_PORT ?? 4173);
const httpsPort = httpPort + 1;
const base = new URL(config.use!.baseURL!).pathname;
let lan: ChildProcess | undefined;
let certDir: string;
let printed = '';

test.beforeAll(async () => {
  certDir = mkdtempSync(join(tmpdir(), 'fpt-lan-cert-'));
  // Node itself (with tsx's loader), not npx, so that killing it stops the server.
  lan = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/serve-lan.ts',
      '--port',
      String(httpsPort),
      '--host',
      '127.0.0.1',
      '--dir',
      process.env.E2E_DIST ?? 'dist',
      '--cert-dir',
      certDir,
      '--name',
      HOST,
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  lan.stdout!.on('data', (d: Buffer) => (printed += d.toString()));
  lan.stderr!.on('data', (d: Buffer) => (printed += d.toString()));
  await expect.poll(() => printed, { timeout: 60_000 }).toContain('Ctrl+C stops the server.');
});

test.afterAll(() => {
  lan?.kill('SIGTERM');
  rmSync(certDir, { recursive: true, force: true });
});

test('over plain http from another host the page says why WebGPU is off, and still trains', async ({ page }) => {
  await page.goto(`http://${HOST}:${httpPort}${base}`);
  await waitForRun(page);
  expect(await page.evaluate(() => window.isSecureContext)).toBe(false);
  await expect(page.getByTestId('insecure-context')).toHaveText(
    `WebGPU is off: browsers allow it only on secure pages, and http://${HOST}:${httpPort} is not one. For WebGPU open this site's https:// address (a workshop's \`npm run serve:lan\` prints it) or localhost; until then training runs on the slower fallback.`,
  );
  await expect(page.getByTestId('status-backend')).toHaveText(/^(WebGL|CPU)/);
  await expect(page.getByTestId('status-fallback')).toContainText('webgpu: WebGPU exists only on secure pages (https, or localhost) and this one is not');
  await page.getByRole('button', { name: 'Step' }).click();
  await expect(page.getByTestId('status-step')).toHaveText('step 1');
  await page.screenshot({ path: 'screenshots/lan-http-no-webgpu.png', fullPage: true });
});

test("over the LAN server's https (self-signed) the same page has WebGPU and trains", async ({ page }) => {
  expect(printed).toContain(`https://127.0.0.1:${httpsPort}${base}`);
  await page.goto(`https://${HOST}:${httpsPort}/`);
  await expect(page).toHaveURL(new RegExp(`^https://${HOST}:${httpsPort}${base}`));
  await waitForRun(page);
  expect(await page.evaluate(() => window.isSecureContext)).toBe(true);
  await expect(page.getByTestId('insecure-context')).toHaveCount(0);
  await expect(page.getByTestId('status-backend')).toHaveText(/^WebGPU/);
  await page.getByRole('button', { name: 'Step' }).click();
  await expect(page.getByTestId('status-step')).toHaveText('step 1');
});
