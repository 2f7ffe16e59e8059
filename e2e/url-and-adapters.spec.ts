import { readFileSync, writeFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { openSafetensors, writeSafetensors } from '../src/weights/safetensors';
import { openPanel, openPlayground, openWithLinkNotice, stepCount } from './support';

test('a link with settings opens exactly those settings, and the address follows changes', async ({ page }) => {
  await openPlayground(page, '?v=1&task=bit-xor&bb=tiny-random&g=input,output&lr=0.003&seed=7&batch=8&speed=5&layer=1&backend=cpu&debug=1');
  await expect(page.getByLabel('Task')).toHaveValue('bit-xor');
  await expect(page.getByLabel('Backbone')).toHaveValue('tiny-random');
  await expect(page.getByLabel('Batch size')).toHaveValue('8');
  await expect(page.getByLabel('Learning rate')).toHaveValue('0.003');
  await expect(page.getByLabel('Seed')).toHaveValue('7');
  await expect(page.getByLabel('Compute')).toHaveValue('cpu');
  await expect(page.getByLabel('Steps per update')).toHaveValue('5');
  await expect(page.getByLabel('Layer', { exact: true })).toHaveValue('1');
  for (const group of ['Input layer', 'Output head']) await expect(page.getByRole('checkbox', { name: group, exact: true })).toBeChecked();
  for (const group of ['Positional embeddings', 'Layer norms', 'Attention', 'Feed-forward'])
    await expect(page.getByRole('checkbox', { name: group, exact: true })).not.toBeChecked();
  await expect(page.getByRole('status', { name: 'Link settings changed' })).toHaveCount(0);

  await page.getByRole('checkbox', { name: 'Layer norms' }).check();
  await expect(page).toHaveURL(/[?&]g=input,output,layernorm(&|$)/);
  await expect(page).toHaveURL(/[?&]debug=1(&|$)/);
});

test('a tampered link is clamped, with a notice saying what changed', async ({ page }) => {
  const notice = await openWithLinkNotice(page, '?v=1&seed=-3&lr=banana&task=nope&backend=cpu', [
    'seed -3 is below 0: using 0',
    'learning rate "banana" is not a number: using 0.003',
    'task "nope" is not one of',
  ]);
  await expect(page.getByLabel('Seed')).toHaveValue('0');
  await expect(page.getByLabel('Learning rate')).toHaveValue('0.003');
  await expect(page.getByLabel('Task')).toHaveValue('bit-xor');
  await expect(page).toHaveURL(/[?&]seed=0&/);
  await notice.getByRole('button', { name: 'Dismiss' }).click();
  await expect(notice).toHaveCount(0);
});

async function stepTo(page: Page, n: number): Promise<string> {
  await page.getByRole('button', { name: 'Step' }).click();
  await expect.poll(() => stepCount(page)).toBe(n);
  await expect(page.getByTestId('param-checksum').locator('..')).toHaveAttribute('title', new RegExp(`at step ${n}$`));
  return (await page.getByTestId('param-checksum').textContent())!;
}

test('exported adapters import back bit-exactly; a file with a wrong shape is refused', async ({ page }, testInfo) => {
  await openPlayground(page, '?bb=tiny&g=input,output,positions,layernorm&backend=cpu');
  await stepTo(page, 1);
  const atStep2 = await stepTo(page, 2);

  await openPanel(page, 'Files');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export adapters' }).click();
  expect((await download).suggestedFilename()).toBe('fpt-adapters-bit-xor-step2.safetensors');
  const exported = testInfo.outputPath('exported.safetensors');
  await (await download).saveAs(exported);

  expect(await stepTo(page, 3)).not.toBe(atStep2);
  await page.getByLabel('Import adapters').setInputFiles(exported);
  await expect(page.getByTestId('adapter-import-result')).toHaveText(/Imported \d+ tensors/);
  await expect(page.getByTestId('param-checksum')).toHaveText(atStep2);
  await page.screenshot({ path: 'screenshots/url-and-adapters.png', fullPage: true });

  const file = openSafetensors(readFileSync(exported), 'exported');
  const wrongShape = writeSafetensors(
    file
      .names()
      .map((name) =>
        name === 'output.bias'
          ? { name, dtype: 'F32' as const, shape: [3], data: [0, 0, 0] }
          : { name, dtype: 'F32' as const, shape: file.info(name).shape, data: file.read(name) },
      ),
    file.header.metadata,
  );
  const mismatched = testInfo.outputPath('wrong-shape.safetensors');
  writeFileSync(mismatched, wrongShape);
  await page.getByLabel('Import adapters').setInputFiles(mismatched);
  await expect(page.getByRole('alert')).toContainText(
    'wrong-shape.safetensors was not imported. Wrong shape for output.bias: the file has [3], this model needs [2].',
  );
  await expect(page.getByTestId('param-checksum')).toHaveText(atStep2);
  expect(await stepCount(page)).toBe(3);
});
