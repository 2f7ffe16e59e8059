import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { copySiteFiles } from '../src/site/site-files';
import { fptArgs } from '../src/cli/test-support';
import { openPanel, openPlayground, stepCount, waitForRun } from './support';

const SWEEP_DIR = 'sweeps/e2e-table19';
/** The built site the static server serves; a build copies finished sweeps into it (site-files.ts). */
const SITE = process.env.E2E_DIST ?? 'dist';

test.describe('the paper comparisons in the page', () => {
  test.beforeAll(() => {
    test.setTimeout(360_000);
    // A real (tiny) sweep, headless, as a user would run it, then copied into the built site with its
    // static index, as `npm run build` does. A held-out sample of 64 (not the default 2,000) keeps this
    // at ~15 s on two CPU cores instead of ~2.5 min.
    rmSync(SWEEP_DIR, { recursive: true, force: true });
    execFileSync(
      'npx',
      [
        'tsx',
        'src/cli/fpt.ts',
        ...fptArgs('sweep', {
          preset: 'table19',
          tasks: 'bit-xor',
          steps: 10,
          seeds: 1,
          model: 'tiny',
          batch: 4,
          'eval-every': 5,
          'eval-batches': 2,
          'held-out': 64,
          out: SWEEP_DIR,
        }),
      ],
      { stdio: 'pipe', timeout: 300_000 },
    );
    copySiteFiles('.', SITE, []);
  });
  test.afterAll(() => {
    rmSync(SWEEP_DIR, { recursive: true, force: true });
    rmSync(`${SITE}/${SWEEP_DIR}`, { recursive: true, force: true });
    copySiteFiles('.', SITE, []);
  });

  test('finished sweep results are listed beside the paper and a run loads onto the accuracy chart', async ({ page }) => {
    await openPlayground(page);
    await openPanel(page, 'Sweeps');
    const table = page.locator('.sweeps figure', { hasText: 'e2e-table19' });
    await expect(table).toContainText('table19 on tiny (cpu), 10 steps, batch 4');
    await expect(table.locator('tbody tr')).toHaveCount(4);
    await expect(table.locator('tbody tr').first()).toContainText('pretrained: output only');
    // Columns: task, configuration, last eval, held-out, paper (with its source).
    await expect(table.locator('tbody tr').first().locator('td').nth(4)).toContainText('56.0');
    await page.getByRole('button', { name: 'Show curve: pretrained: + positions, bit-xor, seed 0' }).click();
    await expect(page.getByTestId('accuracy-chart')).toHaveAttribute('data-overlays', '1');
    await expect(page.getByTestId('accuracy-chart')).toContainText('pretrained: + positions · bit-xor · seed 0');
    await page.screenshot({ path: 'screenshots/sweep-overlay.png', fullPage: true });
    await page.getByRole('button', { name: 'Remove curves' }).click();
    await expect(page.getByTestId('accuracy-chart')).toHaveAttribute('data-overlays', '0');
  });

  test('output-only training on cached features runs and shows the speed-up it measured', async ({ page }) => {
    test.setTimeout(300_000);
    await openPlayground(page, '?bb=tiny&g=input,output,positions,layernorm');
    const cacheToggle = page.getByRole('checkbox', { name: 'Train the output head on cached features' });
    await expect(cacheToggle).toBeDisabled();
    for (const group of ['Input layer', 'Positional embeddings', 'Layer norms']) await page.getByRole('checkbox', { name: group }).uncheck();
    await cacheToggle.check();
    await expect(page.getByTestId('feature-cache-report')).toContainText('256 examples cached', { timeout: 120_000 });
    await waitForRun(page);
    await page.getByLabel('Steps per update').selectOption('10');
    await page.getByRole('button', { name: 'Play' }).click();
    await expect.poll(() => stepCount(page), { timeout: 120_000 }).toBeGreaterThanOrEqual(10);
    await page.getByRole('button', { name: 'Pause' }).click();
    const speedup = Number((await page.getByTestId('feature-cache-speedup').textContent())!.replace('× faster', ''));
    console.log(`cached-features speed-up per epoch measured in the page: ${speedup}×`);
    expect(speedup).toBeGreaterThan(1);
    await expect(page.getByTestId('last-updated')).toHaveText('out.weight, out.bias');
    // Training anything below the head invalidates the cache: it is switched off.
    await page.getByRole('checkbox', { name: 'Layer norms' }).check();
    await expect(cacheToggle).not.toBeChecked();
    await expect(page.getByTestId('feature-cache-report')).toHaveCount(0);
  });
});
