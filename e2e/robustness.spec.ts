import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { openSafetensors } from '../src/weights/safetensors';
import { openPanel, openPlayground, stepCount, waitForRun } from './support';

// Issue 11, item 5 and the page parts of item 11: bad records never blank the page.

const LINK = '?bb=tiny-random&lr=0.01&backend=cpu';

/** Steps once and waits until the run and its snapshot at step 1 are autosaved. */
async function stepAndSave(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Step' }).click();
  await expect.poll(() => stepCount(page)).toBe(1);
  await expect(page.getByTestId('autosave-status')).toContainText('a reload resumes this run at step 1');
}

/** Changes the stored records of the live run in IndexedDB, as a damaged disk or another version would. */
async function damageLiveRun(page: Page, what: 'drop-points' | 'misfit-snapshot'): Promise<void> {
  await page.evaluate(async (what) => {
    const req = <T>(r: IDBRequest<T>) => new Promise<T>((resolve, reject) => ((r.onsuccess = () => resolve(r.result)), (r.onerror = () => reject(r.error))));
    const db = await req(indexedDB.open('fpt-playground-runs'));
    const tx = db.transaction(['runs', 'snapshots', 'meta'], 'readwrite');
    const id = (await req(tx.objectStore('meta').get('current'))) as string;
    if (what === 'drop-points') {
      const run = (await req(tx.objectStore('runs').get(id))) as Record<string, unknown>;
      delete run.points;
      run.name = 'half-written run';
      await req(tx.objectStore('runs').put(run));
    } else {
      // Values saved for another model: a head of another shape.
      const snapshot = (await req(tx.objectStore('snapshots').get(id))) as { step: number; params: Record<string, { shape: number[]; data: Float32Array }> };
      snapshot.params['out.weight'] = { shape: [3, 3], data: new Float32Array(9) };
      await req(tx.objectStore('snapshots').put(snapshot, id));
    }
    await new Promise((resolve) => (tx.oncomplete = resolve));
    db.close();
  }, what);
}

/** Opens the page, trains and autosaves a step, damages the saved live run, and reloads the page over it. */
async function reloadWithDamagedRun(page: Page, what: Parameters<typeof damageLiveRun>[1]): Promise<void> {
  await openPlayground(page, LINK);
  await stepAndSave(page);
  await damageLiveRun(page, what);
  await page.reload();
  await waitForRun(page);
}

test('a damaged results.json, or one with "mean": null, does not blank the page', async ({ page }) => {
  const cell = (acc: number | null) => ({
    id: 'bit-xor__pretrained-output__seed0__2steps',
    task: 'bit-xor',
    config: 'pretrained-output',
    label: 'pretrained, output only',
    body: 'GPT-2',
    groups: ['output'],
    seed: 0,
    settings: { preset: 'table19', model: 'tiny', backend: 'cpu', steps: 2, batchSize: 2, lr: 0.001, dropout: 0.1, evalEvery: 2, evalBatches: 0 },
    final: { step: 2, train_loss: 0.7, test_acc: acc, test_loss: null },
    curve: [{ step: 2, train_loss: 0.7, test_acc: acc, test_loss: null }],
    trainable_params: 130,
    total_params: 100000,
    seconds: 0.1,
    finished_at: '2026-11-29T17:00:00.000Z',
  });
  const unmeasured = {
    settings: cell(null).settings,
    summary: [
      { task: 'bit-xor', config: 'pretrained-output', label: 'pretrained, output only', mean: null, std: 0, seeds: 1, steps: 2, paper: 56, accuracies: [null] },
    ],
    cells: [cell(null)],
  };
  await page.route('**/sweeps/index.json', (route) =>
    route.fulfill({
      json: [
        { name: 'unmeasured', url: '/sweeps/unmeasured/results.json', modified: '2026-11-29T17:00:00.000Z' },
        { name: 'damaged', url: '/sweeps/damaged/results.json', modified: '2026-11-29T16:00:00.000Z' },
      ],
    }),
  );
  await page.route('**/sweeps/unmeasured/results.json', (route) => route.fulfill({ json: unmeasured }));
  await page.route('**/sweeps/damaged/results.json', (route) =>
    route.fulfill({ body: JSON.stringify(unmeasured).slice(0, 300), contentType: 'application/json' }),
  );
  await openPlayground(page, LINK);
  await openPanel(page, 'Sweeps');

  const sweeps = page.getByRole('region', { name: 'Sweep results' });
  const row = sweeps.getByRole('row', { name: /pretrained, output only/ });
  await expect(row.getByRole('cell').nth(2)).toHaveText('—');
  // Columns: task, configuration, last eval, held-out, paper (with its source).
  await expect(row.getByRole('cell').nth(4)).toContainText('56.0');
  const error = sweeps.getByTestId('sweep-error');
  await expect(error).toContainText(/Sweep damaged cannot be shown: \/(\S+\/)?sweeps\/damaged\/results\.json is not valid: not JSON/);
  await page.screenshot({ path: 'test-results/robustness-sweeps.png', fullPage: true });
  await error.getByRole('button', { name: 'Hide damaged' }).click();
  await expect(sweeps.getByTestId('sweep-error')).toHaveCount(0);
  // The rest of the page works: a step trains.
  await page.getByRole('button', { name: 'Step' }).click();
  await expect.poll(() => stepCount(page)).toBe(1);
});

test('a saved run without points is set aside and named, with Discard; a fresh run trains', async ({ page }) => {
  await reloadWithDamagedRun(page, 'drop-points');
  const rejected = page.getByTestId('rejected-runs');
  await expect(rejected).toContainText('A saved run could not be read, so it was not loaded');
  await expect(rejected).toContainText('"half-written run": points: Invalid input: expected array, received undefined');
  await expect(page.getByTestId('run-row')).toHaveCount(1);
  await page.screenshot({ path: 'test-results/robustness-rejected-run.png', fullPage: true });
  await rejected.getByRole('button', { name: 'Discard "half-written run"' }).click();
  await expect(rejected).toHaveCount(0);
  // Discarded for good: the next load lists nothing.
  await page.reload();
  await waitForRun(page);
  await expect(page.getByTestId('rejected-runs')).toHaveCount(0);
});

test('a saved snapshot that no longer fits the model is dropped once, with a notice', async ({ page }) => {
  await reloadWithDamagedRun(page, 'misfit-snapshot');
  await expect(page.getByTestId('runs-notice')).toContainText(
    'could not be resumed: its saved trainable values do not fit this model (snapshot parameter out.weight does not fit this model).',
  );
  await expect(page.locator('.notice.error')).toHaveCount(0);
  // The old run is kept with its curve; a new run is live at step 0.
  await expect(page.getByTestId('run-row')).toHaveCount(2);
  expect(await stepCount(page)).toBe(0);
  await page.waitForTimeout(1000);
  await page.reload();
  await waitForRun(page);
  await expect(page.getByTestId('runs-notice')).toHaveCount(0);
  await expect(page.locator('.notice.error')).toHaveCount(0);
});

test('a record that slips past the schemas takes down only its panel, which offers to discard it', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await openPlayground(page, `${LINK}&debug=1`);
  await openPanel(page, 'Runs');
  await page.evaluate(() => {
    const runs = (window as unknown as { fptDebug: { runs: { setState(f: (s: { runs: unknown[] }) => object): void } } }).fptDebug.runs;
    runs.setState((s) => ({
      runs: [{ id: 'bad', name: 'no points', renamed: false, settings: {}, metric: 'accuracy', createdAt: 0, updatedAt: 0 }, ...s.runs],
    }));
  });
  const failed = page.getByRole('alert', { name: 'Runs failed' });
  await expect(failed).toContainText('The Runs panel failed and is not shown:');
  // Everything else is still there and works.
  await expect(page.getByRole('heading', { name: 'FPT Playground' })).toBeVisible();
  await expect(page.getByTestId('accuracy-chart')).toBeVisible();
  await page.screenshot({ path: 'test-results/robustness-panel-boundary.png', fullPage: true });
  await page.getByRole('button', { name: 'Step' }).click();
  await expect.poll(() => stepCount(page)).toBe(1);
  await failed.getByRole('button', { name: 'Discard unreadable kept runs' }).click();
  await expect(failed).toHaveCount(0);
  await expect(page.getByTestId('run-row')).toHaveCount(1);
  expect(errors).toEqual([]);
});

/** Exports the run's adapters and returns the file's tensors by name. */
async function exportFile(page: Page, path: string): Promise<Map<string, Float32Array>> {
  await openPanel(page, 'Files');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export adapters' }).click();
  await (await download).saveAs(path);
  const file = openSafetensors(readFileSync(path), path);
  return new Map(file.names().map((name) => [name, file.read(name)]));
}

test('imported adapters of frozen groups survive a reload (issue 11, item 3)', async ({ page, browser }, testInfo) => {
  // A file with trained layer norms, from a run where they train.
  await openPlayground(page, LINK);
  await page.getByRole('button', { name: 'Step' }).click();
  await expect.poll(() => stepCount(page)).toBe(1);
  const source = await exportFile(page, testInfo.outputPath('with-layernorm.safetensors'));
  expect(source.has('h.0.ln_1.weight')).toBe(true);

  // Imported into a run (its own browser storage) where layer norms are frozen, then one step and a reload.
  const context = await browser.newContext({ baseURL: testInfo.project.use.baseURL });
  const target = await context.newPage();
  await openPlayground(target, `${LINK}&g=input,output,positions`);
  await openPanel(target, 'Files');
  await target.getByLabel('Import adapters').setInputFiles(testInfo.outputPath('with-layernorm.safetensors'));
  await expect(target.getByTestId('adapter-import-result')).toHaveText(/Imported \d+ tensors/);
  await target.getByRole('button', { name: 'Step' }).click();
  await expect.poll(() => stepCount(target)).toBe(1);
  await expect(target.getByTestId('autosave-status')).toContainText('a reload resumes this run at step 1');
  await target.reload();
  await waitForRun(target);
  expect(await stepCount(target)).toBe(1);

  // The layer norms after the reload are the imported ones, bit for bit.
  await target.getByRole('checkbox', { name: /Layer norms/ }).check();
  await expect(target.getByTestId('param-counts').locator('strong')).toHaveText('1,538');
  const after = await exportFile(target, testInfo.outputPath('after-reload.safetensors'));
  for (const name of ['h.0.ln_1.weight', 'h.1.ln_2.bias', 'ln_f.weight']) {
    const [got, want] = [after.get(name)!, source.get(name)!];
    expect(new Uint32Array(got.buffer, got.byteOffset, got.length), name).toEqual(new Uint32Array(want.buffer, want.byteOffset, want.length));
  }
  await context.close();
});
