import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import config from '../playwright.config';
import { waitForRun } from './support';

/**
 * A new deploy while a tab is open: the tab keeps running the version it loaded and says "A new
 * version is ready: reload"; reloading through it switches to the new one. The deploy is simulated
 * on a copy of the built site by changing its service worker's bytes, served by sirv in dev mode
 * (which reads files per request, as a host serving a fresh upload does).
 */
const port = Number(process.env.E2E_PORT ?? 4173) + 2;
const base = new URL(config.use!.baseURL!).pathname;
let root: string;
let server: ChildProcess | undefined;

test.beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fpt-deploy-'));
  cpSync(process.env.E2E_DIST ?? 'dist', join(root, base), { recursive: true });
  // Node itself, not npx, so that killing it stops the server.
  server = spawn(process.execPath, ['node_modules/sirv-cli/bin.js', root, '--dev', '--host', '127.0.0.1', '--port', String(port), '--quiet'], {
    stdio: 'ignore',
  });
  await expect
    .poll(
      () =>
        fetch(`http://127.0.0.1:${port}${base}`).then(
          (r) => r.status,
          () => 0,
        ),
      { timeout: 30_000 },
    )
    .toBe(200);
});

test.afterAll(() => {
  server?.kill('SIGTERM');
  rmSync(root, { recursive: true, force: true });
});

test('a new deploy is announced, not mixed in: "A new version is ready: reload"', async ({ page }) => {
  await page.goto(`http://127.0.0.1:${port}${base}`);
  await waitForRun(page);
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  await expect(page.getByTestId('update-ready')).toHaveCount(0);

  appendFileSync(join(root, base, 'sw.js'), '\n// the next deploy\n');
  await page.reload();
  await waitForRun(page);
  const notice = page.getByTestId('update-ready');
  await expect(notice).toHaveText('A new version is ready: reload');
  expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting?.state)).toBe('installed');

  await notice.getByRole('button', { name: 'reload' }).click();
  await page.waitForEvent('load');
  await waitForRun(page);
  await expect(page.getByTestId('update-ready')).toHaveCount(0);
  expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting ?? null)).toBeNull();
  expect(await page.evaluate(() => navigator.serviceWorker.controller?.state)).toBe('activated');
});
