import { expect, test } from '@playwright/test';
import { longestLongTask, openPlayground, stepCount, trainableCount, waitForRun } from './support';

test('Bit XOR on the tiny backbone reaches 100% test accuracy on WebGPU', async ({ page }) => {
  test.setTimeout(600_000);
  await openPlayground(page);
  await expect(page.getByTestId('status-backend')).toHaveText(/^WebGPU/);
  await page.getByLabel('Backbone').selectOption('tiny-random');
  await waitForRun(page);
  await expect(page.getByTestId('status-model')).toHaveText(/tiny-gpt2 · random/);
  await expect(page.getByTestId('status-engine')).toHaveText('fused kernels');
  for (const group of ['Attention', 'Feed-forward']) await page.getByRole('checkbox', { name: group }).check();
  await page.getByLabel('Learning rate').selectOption('0.003');
  await page.getByLabel('Steps per update').selectOption('25');
  await page.getByRole('button', { name: 'Play' }).click();
  await expect(page.getByRole('button', { name: 'Pause' })).toBeVisible();
  await expect(page.getByTestId('latest-accuracy')).toHaveText(/100\.0%/, { timeout: 540_000 });
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByRole('button', { name: 'Play' })).toBeVisible();
  await expect(page.getByText('paper: 100%')).toBeVisible();
  await expect(page.getByTestId('live-region')).toHaveText(/test per-bit accuracy 100\.0%/);
  // The held-out example shown is part of the test set: at 100% its every bit is predicted right.
  const target = await page.getByTestId('example-target').textContent();
  await expect
    .poll(async () => `${(await page.getByTestId('latest-accuracy').textContent())!.replace(/ on 128 held-out examples, step \d+/, '')}|${await page.getByTestId('example-prediction').textContent()}`)
    .toBe(` (latest 100.0%)|${target}`);
  const longTasks = await longestLongTask(page);
  console.log(`main-thread long tasks while training to 100% (${await stepCount(page)} steps): ${longTasks.count}, longest ${longTasks.longestMs.toFixed(0)} ms`);
  await page.screenshot({ path: 'screenshots/bit-xor-100-percent.png', fullPage: true });
});

test('toggling a group changes the counts and which tensors train', async ({ page }) => {
  await openPlayground(page);
  const fpt = await trainableCount(page);
  // The tiny model: input 1×64+64, output 64×2+2, positions 10×64, layer norms 5×2×64.
  expect(fpt).toBe(128 + 130 + 640 + 640);
  await expect(page.getByTestId('trainable-percent')).toHaveText('1.523%');

  await page.getByRole('checkbox', { name: 'Layer norms' }).uncheck();
  await expect.poll(() => trainableCount(page)).toBe(fpt - 640);
  await expect(page.getByTestId('count-layernorm')).toContainText('frozen');
  await page.getByRole('button', { name: 'Step' }).click();
  await expect.poll(() => stepCount(page)).toBe(1);
  await expect(page.getByTestId('last-updated-summary')).toHaveText('The last step updated 5 tensors');
  await expect(page.getByTestId('last-updated')).toHaveText('wpe.weight, in.weight, in.bias, out.weight, out.bias');

  await page.getByRole('checkbox', { name: 'Attention' }).check();
  await expect.poll(() => trainableCount(page)).toBe(fpt - 640 + 2 * (64 * 192 + 192 + 64 * 64 + 64));
  await page.getByRole('button', { name: 'Step' }).click();
  await expect.poll(() => stepCount(page)).toBe(2);
  await expect(page.getByTestId('last-updated')).toContainText('h.1.attn.c_proj.weight');
  await expect(page.getByTestId('last-updated')).not.toContainText('ln_');
  await page.screenshot({ path: 'screenshots/groups-toggled.png', fullPage: true });
});

test('the heatmap panel renders one map per head plus their mean, with values on hover and PNG export', async ({ page }) => {
  await openPlayground(page);
  const maps = page.getByTestId('heatmap');
  await expect(maps).toHaveCount(5);
  await expect(page.locator('.heatmap figcaption')).toHaveText(['mean of heads', 'head 1', 'head 2', 'head 3', 'head 4']);
  // Causal attention: the first query row puts all its weight on itself, so its first cell is bright and the rest dark.
  const pixels = await maps.nth(0).evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    return { first: Array.from(d.slice(0, 3)), second: Array.from(d.slice(4, 7)), width: c.width };
  });
  expect(pixels.width).toBe(10);
  expect(pixels.first).toEqual([253, 231, 37]);
  expect(pixels.second).toEqual([68, 1, 84]);
  await maps.nth(1).scrollIntoViewIfNeeded(); // the panels above may push it below the window
  const box = (await maps.nth(1).boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.05, box.y + box.height * 0.05);
  await expect(page.getByTestId('attention-hover')).toHaveText('head 1: a1 → a1 = 1.000');
  await page.getByLabel(/Compare with step/).check();
  await expect(maps).toHaveCount(10);
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export PNG' }).click();
  expect((await download).suggestedFilename()).toBe('attention-layer0-step0.png');
  await page.getByLabel('Layer', { exact: true }).selectOption('1');
  await expect(page.getByRole('heading', { name: /Attention, layer 1/ })).toBeVisible();
  await page.screenshot({ path: 'screenshots/heatmaps.png', fullPage: true });
});

test('Step and Reset from buttons and keyboard; Reset clears the curves', async ({ page }) => {
  await openPlayground(page);
  await page.getByRole('button', { name: 'Step' }).click();
  await expect.poll(() => stepCount(page)).toBe(1);
  await page.locator('body').press('ArrowRight');
  await expect.poll(() => stepCount(page)).toBe(2);
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-points', '2');
  // Space on a focused button presses that button; with nothing focused it plays and pauses.
  await page.getByRole('heading', { name: 'FPT Playground' }).click();
  await page.keyboard.press(' ');
  await expect(page.getByRole('button', { name: 'Pause' })).toBeVisible();
  await page.keyboard.press(' ');
  await expect(page.getByRole('button', { name: 'Play' })).toBeVisible();
  await page.screenshot({ path: 'screenshots/before-reset.png', fullPage: true });
  await page.getByRole('button', { name: 'Reset' }).click();
  await waitForRun(page);
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-points', '0');
  await expect(page.getByTestId('accuracy-chart')).toHaveAttribute('data-points', '1');
  expect(await stepCount(page)).toBe(0);
  await page.keyboard.press('r');
  await waitForRun(page);
  expect(await stepCount(page)).toBe(0);
});

test('a forced CPU backend trains and says so', async ({ page }) => {
  await openPlayground(page, '?backend=cpu');
  await expect(page.getByTestId('status-backend')).toHaveText('CPU');
  await expect(page.getByLabel('Compute')).toHaveValue('cpu');
  await page.getByRole('button', { name: 'Step' }).click();
  await expect.poll(() => stepCount(page)).toBe(1);
  await page.screenshot({ path: 'screenshots/forced-cpu.png', fullPage: true });
});

test('a lost GPU device stops training with a message and restarts from the last snapshot', async ({ page }) => {
  test.setTimeout(420_000);
  await openPlayground(page, '?debug=1');
  await page.getByLabel('Steps per update').selectOption('25');
  await page.getByRole('button', { name: 'Play' }).click();
  await expect.poll(() => stepCount(page), { timeout: 300_000 }).toBeGreaterThanOrEqual(25);
  await page.evaluate(() => (window as unknown as { fptDebug: { loseDevice(): void } }).fptDebug.loseDevice());
  await expect(page.getByRole('alert')).toContainText('The GPU device was lost');
  await expect(page.getByRole('button', { name: 'Play' })).toBeVisible();
  const lostAt = await stepCount(page);
  const points = Number(await page.getByTestId('loss-chart').getAttribute('data-points'));
  await page.screenshot({ path: 'screenshots/device-lost.png', fullPage: true });
  await page.getByRole('button', { name: /Restart from step \d+/ }).click();
  await waitForRun(page);
  await expect(page.getByRole('alert')).toHaveCount(0);
  // Curves are kept; training resumes at the snapshot's step.
  expect(Number(await page.getByTestId('loss-chart').getAttribute('data-points'))).toBe(points);
  await page.getByRole('button', { name: 'Step' }).click();
  await expect.poll(() => stepCount(page)).toBeGreaterThan(0);
  expect(await stepCount(page)).toBeLessThanOrEqual(lostAt + 1);
});

test('weights come from the shard cache on a second visit', async ({ page }) => {
  const shardRequests: string[] = [];
  page.on('request', (r) => {
    if (/\/models\/tiny-gpt2\/shard-\d+\.bin/.test(r.url())) shardRequests.push(r.url());
  });
  await openPlayground(page);
  expect(shardRequests.length).toBe(6);
  shardRequests.length = 0;
  await page.reload();
  await waitForRun(page);
  expect(shardRequests).toEqual([]);
  expect(await page.evaluate(() => caches.keys())).toContain('fpt-weights-v1');
});

test('pretrained GPT-2 that cannot be downloaded says what to do', async ({ page, baseURL }) => {
  await openPlayground(page);
  const requested: string[] = [];
  page.on('request', (r) => requested.push(r.url()));
  await page.getByLabel('Backbone').selectOption('gpt2');
  await expect(page.getByRole('alert')).toContainText('Pretrained gpt2 weights could not be loaded', { timeout: 60_000 });
  await expect(page.getByRole('alert')).toContainText('npm run models:gpt2');
  // The site's own shards come first (relative to its base), the hub after them.
  const own = requested.indexOf(`${baseURL}models/gpt2/manifest.json`);
  const hub = requested.findIndex((u) => u.startsWith('https://huggingface.co/'));
  expect([own >= 0, hub > own]).toEqual([true, true]);
  await expect(page.getByRole('button', { name: 'Play' })).toBeDisabled();
  await page.screenshot({ path: 'screenshots/gpt2-offline.png', fullPage: true });
});
