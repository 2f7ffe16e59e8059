import { expect, test, type Page } from '@playwright/test';
import { openPanel, openPlayground, stepCount, waitForRun } from './support';

/** Presses Step and waits for the step and the fingerprint of the trainable values taken after it. */
async function stepTo(page: Page, n: number): Promise<string> {
  await page.getByRole('button', { name: 'Step' }).click();
  await expect.poll(() => stepCount(page)).toBe(n);
  await expect(page.getByTestId('param-checksum').locator('..')).toHaveAttribute('title', new RegExp(`at step ${n}$`));
  return (await page.getByTestId('param-checksum').textContent())!;
}

/** The latest test accuracy the chart's caption shows, in percent. */
async function latestAccuracy(page: Page): Promise<number> {
  return Number((await page.getByTestId('latest-accuracy').textContent())!.match(/([\d.]+)%/)![1]);
}

const seedInput = (page: Page) => page.getByRole('spinbutton', { name: 'Seed', exact: true });

// The tiny random backbone on the CPU backend: a few fast steps at a high learning rate.
/** The random tiny body frozen under the paper's groups (the page's own default trains every group). */
const LINK = '?bb=tiny-random&g=input,output,positions,layernorm&lr=0.01&backend=cpu';
const name = (seed: number) => `Bit XOR 5 · tiny random · in+out+pos+ln · lr 0.01 · seed ${seed}`;

test('two runs are kept, overlaid on the charts, and compared with a pinned baseline', async ({ page }) => {
  await openPlayground(page, `${LINK}&seed=0`);
  const rows = page.getByTestId('run-row');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-live', 'true');
  await stepTo(page, 1);
  await stepTo(page, 2);
  const first = await latestAccuracy(page);

  // A new seed starts a new run; the first one stays in the list with its settings and curve.
  await seedInput(page).fill('1');
  await waitForRun(page);
  await expect(seedInput(page)).toHaveValue('1');
  await stepTo(page, 1);
  await stepTo(page, 2);
  await stepTo(page, 3);
  const second = await latestAccuracy(page);
  await expect(rows).toHaveCount(2);
  const [kept, live] = [rows.nth(0), rows.nth(1)];
  await expect(kept.getByTestId('run-name')).toHaveText(name(0));
  await expect(live.getByTestId('run-name')).toHaveText(name(1));
  await expect(live).toHaveAttribute('data-live', 'true');
  await expect(kept.getByTestId('run-steps')).toHaveText('2');
  await expect(live.getByTestId('run-steps')).toHaveText('3');
  await expect(kept.getByTestId('run-final')).toHaveText(`${first.toFixed(1)}%`);
  await expect(live.getByTestId('run-final')).toHaveText(`${second.toFixed(1)}%`);
  // Three steps are far from 90%: never reached.
  await expect(kept.getByTestId('run-to90')).toHaveText('—');
  await expect(live.getByTestId('run-to100')).toHaveText('—');

  // Rename it, then overlay it: one more curve on each chart, named in the legends.
  await openPanel(page, 'Runs');
  await kept.getByRole('button', { name: 'Rename run' }).click();
  await kept.getByRole('textbox', { name: 'Run name' }).fill('seed 0, two steps');
  await kept.getByRole('textbox', { name: 'Run name' }).press('Enter');
  await expect(kept.getByTestId('run-name')).toHaveText('seed 0, two steps');
  const accuracyChart = page.getByTestId('accuracy-chart');
  await expect(accuracyChart).toHaveAttribute('data-run-overlays', '0');
  await kept.getByRole('checkbox', { name: 'Show on the charts' }).check();
  await expect(accuracyChart).toHaveAttribute('data-run-overlays', '1');
  await expect(accuracyChart.locator('.recharts-legend-wrapper')).toContainText('seed 0, two steps');
  await expect(page.getByTestId('loss-chart').locator('.recharts-legend-wrapper')).toContainText('seed 0, two steps');
  await expect(accuracyChart.locator('.recharts-legend-wrapper')).toContainText('(live run)');

  // Pin it as the baseline: drawn black and dashed, and the live run's row shows its differences.
  await kept.getByRole('button', { name: 'Pin as the baseline' }).click();
  await expect(kept.getByRole('button', { name: 'Pin as the baseline' })).toHaveAttribute('aria-pressed', 'true');
  await expect(accuracyChart.locator('path.recharts-curve[stroke="#000000"][stroke-dasharray="8 4"]')).toHaveCount(1);
  const delta = (await live.getByTestId('run-final').getByTestId('run-delta').textContent())!;
  const shown = Number(
    delta
      .replace('−', '-')
      .replace('±', '')
      .match(/\(([-+]?[\d.]+) pp\)/)![1],
  );
  expect(Math.abs(shown - (second - first))).toBeLessThanOrEqual(0.11);
  await expect(kept.getByTestId('run-delta')).toHaveCount(0);
  await page.locator('section.runs').scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'screenshots/runs-compare.png', fullPage: true });
  await page.locator('section.charts').screenshot({ path: 'screenshots/runs-charts.png' });
  await page.locator('section.runs').screenshot({ path: 'screenshots/runs-panel.png' });

  // Clear saved runs: only the live run is left, and a reload starts afresh.
  await page.getByRole('button', { name: 'Clear saved runs' }).click();
  await page.getByRole('group', { name: 'Confirm clearing saved runs' }).getByRole('button', { name: 'Clear' }).click();
  await expect(rows).toHaveCount(1);
  await expect(accuracyChart).toHaveAttribute('data-run-overlays', '0');
  await expect(page.getByTestId('autosave-status')).toContainText('once it has taken a step');
  await page.reload();
  await waitForRun(page);
  expect(await stepCount(page)).toBe(0);
  await expect(rows).toHaveCount(1);
});

test('a reload resumes the run: curves, settings and trainable values, paused, and training continues', async ({ page }) => {
  await openPlayground(page, `${LINK}&seed=3`);
  await stepTo(page, 1);
  await stepTo(page, 2);
  const atStep3 = await stepTo(page, 3);
  const accuracy = (await page.getByTestId('latest-accuracy').textContent())!;
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-points', '3');
  await expect(page.getByTestId('accuracy-chart')).toHaveAttribute('data-points', '4');
  await expect(page.getByTestId('autosave-status')).toContainText('a reload resumes this run at step 3');

  await page.reload();
  await waitForRun(page);
  await expect(page.getByRole('button', { name: 'Play' })).toBeVisible();
  expect(await stepCount(page)).toBe(3);
  await expect(page.getByTestId('param-checksum').locator('..')).toHaveAttribute('title', /at step 3$/);
  await expect(page.getByTestId('param-checksum')).toHaveText(atStep3);
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-points', '3');
  await expect(page.getByTestId('accuracy-chart')).toHaveAttribute('data-points', '4');
  await expect(page.getByTestId('latest-accuracy')).toHaveText(accuracy);
  await expect(page.getByRole('combobox', { name: /^Backbone/ })).toHaveValue('tiny-random');
  await expect(page.getByRole('combobox', { name: /^Learning rate/ })).toHaveValue('0.01');
  await expect(seedInput(page)).toHaveValue('3');
  await expect(page.getByTestId('run-row')).toHaveCount(1);

  // Training continues from step 3, not from the start.
  const atStep4 = await stepTo(page, 4);
  expect(atStep4).not.toBe(atStep3);
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-points', '4');
  await expect(page.getByTestId('autosave-status')).toContainText('a reload resumes this run at step 4');

  // A bare link resumes the same run with its own settings, not the defaults.
  await page.goto('./');
  await waitForRun(page);
  expect(await stepCount(page)).toBe(4);
  await expect(page.getByTestId('param-checksum')).toHaveText(atStep4);
  await expect(page.getByRole('combobox', { name: /^Learning rate/ })).toHaveValue('0.01');
  await expect(page.getByRole('combobox', { name: /^Compute/ })).toHaveValue('cpu');
  await expect(page).toHaveURL(/[?&]seed=3(&|$)/);

  // A link asking for another run wins: a fresh run, and the saved one stays in the list.
  await page.goto(`./${LINK}&seed=5`);
  await waitForRun(page);
  expect(await stepCount(page)).toBe(0);
  await expect(page.getByTestId('run-row')).toHaveCount(2);
  await expect(page.getByTestId('run-row').first().getByTestId('run-steps')).toHaveText('4');
  await expect(page.getByTestId('run-row').nth(1).getByTestId('run-name')).toHaveText(name(5));
});

test('a full storage quota is reported, not fatal: training goes on', async ({ page }) => {
  // Every write of a run or a snapshot fails as a full quota does.
  await page.addInitScript(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (this.name === 'runs' || this.name === 'snapshots') throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return put.apply(this, args);
    };
  });
  await openPlayground(page, LINK);
  await stepTo(page, 1);
  const notice = page.getByTestId('runs-notice');
  await expect(notice).toContainText('Browser storage is full');
  await expect(notice).toContainText('training goes on');
  await expect(page.getByTestId('autosave-status')).toHaveText('Autosave stopped: browser storage is full. Training goes on.');
  await page.screenshot({ path: 'screenshots/runs-storage-full.png', fullPage: true });
  await stepTo(page, 2);
  await stepTo(page, 3);
  await expect(page.getByTestId('run-row').first().getByTestId('run-steps')).toHaveText('3');
  await notice.getByRole('button', { name: 'Dismiss' }).click();
  await expect(notice).toHaveCount(0);
});
