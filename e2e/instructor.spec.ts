import { expect, test } from '@playwright/test';
import { openPanel, openPlayground, openWithLinkNotice, stepCount, waitForRun } from './support';

const LOCKED: [label: string, control: string][] = [
  ['Task', 'task'],
  ['Backbone', 'backbone'],
  ['Learning rate', 'lr'],
  ['Batch size', 'batch'],
  ['Seed', 'seed'],
  ['Steps per update', 'speed'],
];

test('an instructor link hides and locks controls, says why, and drops unknown names with a notice', async ({ page }) => {
  await openWithLinkNotice(
    page,
    '?v=1&bb=tiny-random&g=input,output,positions,layernorm&hide=backend,adapters,presets,sliders&lock=task,backbone,lr,batch,seed,speed,colour&lesson=quantum',
    [
      'cannot hide unknown control "sliders": ignored',
      'cannot lock unknown control "colour": ignored',
      'lesson "quantum" is not known: no lesson opened (known: bit-xor-attention, pretrained-vs-random)',
    ],
  );
  await expect(page.getByTestId('lesson-panel')).toHaveCount(0);

  // Hidden: absent from the page.
  await expect(page.getByLabel('Compute')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Export adapters' })).toHaveCount(0);
  await expect(page.getByRole('heading', { name: 'Paper experiments' })).toHaveCount(0);
  // Locked: shown, disabled, with the reason beside it and as its description.
  for (const [label, control] of LOCKED) {
    const input = page.getByLabel(label, { exact: true });
    await expect(input).toBeDisabled();
    await expect(input).toHaveAccessibleDescription('locked by your instructor');
    if (!['batch', 'lr', 'seed'].includes(control)) await expect(page.getByTestId(`lock-note-${control}`)).toHaveText('locked by your instructor');
  }
  // The three narrow inputs share one visible reason.
  await expect(page.getByTestId('lock-note-row')).toHaveText('batch size, learning rate, seed: locked by your instructor');
  // A student link offers no link builder.
  await expect(page.getByText('Instructor link')).toHaveCount(0);
  await page.screenshot({ path: 'screenshots/instructor-locked-controls.png', fullPage: true });

  // The parameter groups stay free: students can still run the experiment the lesson is about.
  await page.getByRole('checkbox', { name: 'Layer norms' }).uncheck();
  await expect(page.getByTestId('count-layernorm')).toContainText('frozen');
  await page.getByRole('button', { name: 'Step' }).click();
  await expect.poll(() => stepCount(page)).toBe(1);
  await expect(page).toHaveURL(/[?&]g=input,output,positions&.*&hide=backend,presets,adapters&lock=task,backbone,lr,batch,seed,speed(&|$)/);
  await expect(page).not.toHaveURL(/sliders|colour|lesson=/);
});

test('a guided lesson ticks off each step as the student does it', async ({ page }) => {
  test.setTimeout(240_000);
  await openPlayground(page, '?v=1&bb=tiny-random&speed=5&lesson=bit-xor-attention');
  const panel = page.getByTestId('lesson-panel');
  await expect(panel.getByRole('heading', { name: 'Bit XOR: how does frozen attention learn to XOR?' })).toBeVisible();
  const step = (id: string) => page.getByTestId(`lesson-step-${id}`);
  const ids = ['output-only', 'add-layernorm', 'fpt-setting', 'layer0-compare', 'deeper-layer'];
  await expect(step('output-only')).toHaveAttribute('aria-current', 'step');
  for (const [i, id] of ids.entries()) await expect(step(id)).toHaveAttribute('data-status', i === 0 ? 'current' : 'todo');
  await expect(step('output-only')).toContainText('56% on Bit XOR this way (Table 19, “output only” column, GPT-2 small, converged)');

  // Step 1: only the output head (the page opens with every group trainable), then 10 steps.
  for (const group of ['Input layer', 'Positional embeddings', 'Layer norms', 'Attention', 'Feed-forward'])
    await page.getByRole('checkbox', { name: group, exact: true }).uncheck();
  await expect(panel.getByTestId('lesson-counter')).toHaveText('0 of 10 steps trained.');
  await page.getByRole('button', { name: 'Play' }).click();
  await expect(step('output-only')).toHaveAttribute('data-status', 'done', { timeout: 90_000 });
  await expect(step('add-layernorm')).toHaveAttribute('aria-current', 'step');
  await expect(panel).toContainText('1 of 5 done');
  await page.screenshot({ path: 'screenshots/lesson-panel-step1-done.png', fullPage: false });

  // Steps 2 and 3: add the layer norms, then the input layer and positions, training on.
  await page.getByRole('checkbox', { name: 'Layer norms' }).check();
  await expect(step('add-layernorm')).toHaveAttribute('data-status', 'done', { timeout: 90_000 });
  for (const group of ['Input layer', 'Positional embeddings']) await page.getByRole('checkbox', { name: group, exact: true }).check();
  await expect(step('fpt-setting')).toHaveAttribute('data-status', 'done', { timeout: 90_000 });
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByRole('button', { name: 'Play' })).toBeVisible();

  // Steps 4 and 5: layer 0 beside step 0, then a deeper layer.
  await expect(step('layer0-compare')).toHaveAttribute('data-status', 'current');
  await page.getByLabel(/Compare with step/).check();
  await expect(step('layer0-compare')).toHaveAttribute('data-status', 'done');
  await page.getByLabel('Layer', { exact: true }).selectOption('1');
  await expect(step('deeper-layer')).toHaveAttribute('data-status', 'done');
  await expect(panel.getByRole('status')).toHaveText(/Lesson complete/);
  await expect(panel).toContainText('5 of 5 done');
  await page.screenshot({ path: 'screenshots/lesson-panel-complete.png', fullPage: false });

  // Collapsed to a small button, and back; the lesson is in the link until it is ended.
  await panel.getByRole('button', { name: 'Hide' }).click();
  await expect(panel).toHaveCount(0);
  await page.getByRole('button', { name: 'Show lesson (5 of 5 done)' }).click();
  await expect(panel).toBeVisible();
  await expect(page).toHaveURL(/[?&]lesson=bit-xor-attention(&|$)/);
  await panel.getByRole('button', { name: 'End' }).click();
  await expect(panel).toHaveCount(0);
  await expect(page).not.toHaveURL(/lesson=/);
});

test("a paper experiment sets everything at once and the chart draws that row's number", async ({ page }) => {
  test.setTimeout(240_000);
  await openPlayground(page, '?bb=tiny&g=input,output,positions,layernorm');
  const chart = page.getByTestId('accuracy-chart');
  // The random test model with the FPT groups on Bit XOR already matches Table 2's FPT row.
  await expect(chart).toHaveAttribute('data-reference-source', 'Table 2, FPT, Bit XOR; GPT-2 small (12 layers × 768), converged');

  await openPanel(page, 'Paper experiments');
  // The rows follow the task chosen in Experiment; one picked here holds until that task changes.
  const rowsFor = page.getByLabel('Rows for');
  await expect(rowsFor).toHaveValue('bit-xor');
  await rowsFor.selectOption('listops');
  await expect(rowsFor).toHaveValue('listops');
  await page.getByLabel('Task').selectOption('bit-memory');
  await expect(rowsFor).toHaveValue('bit-memory');
  await page.getByLabel('Task').selectOption('bit-xor');
  await expect(rowsFor).toHaveValue('bit-xor');
  await page.getByLabel('Run on').selectOption('tiny');
  await page.getByRole('button', { name: 'Table 19, Bit XOR, + layernorm: paper 98%' }).click();
  await waitForRun(page);
  await expect(chart).toHaveAttribute('data-reference', '98');
  await expect(chart).toHaveAttribute('data-reference-label', 'paper: 98%');
  await expect(chart).toHaveAttribute('data-reference-source', 'Table 19, Bit XOR, + layernorm; GPT-2 small (12 layers × 768), converged');
  await expect(chart.getByText('paper: 98%', { exact: true })).toBeVisible();
  await expect(page.getByTestId('reference-source')).toContainText(
    'Dashed line: the paper’s 98% (Table 19, Bit XOR, + layernorm; GPT-2 small (12 layers × 768), converged); the paper used GPT-2 small, on its whole test set.',
  );
  // A run this short is far from the paper's step count (Table 6: about 500 steps for pretrained GPT-2 on Bit XOR).
  await expect(page.getByTestId('reference-steps')).toContainText('took about 500 steps to converge (Table 6)');
  // Everything it set, at once.
  await expect(page.getByLabel('Task')).toHaveValue('bit-xor');
  await expect(page.getByLabel('Backbone')).toHaveValue('tiny');
  await expect(page.getByLabel('Learning rate')).toHaveValue('0.001');
  await expect(page.getByLabel('Batch size')).toHaveValue('16');
  for (const group of ['Output head', 'Layer norms']) await expect(page.getByRole('checkbox', { name: group, exact: true })).toBeChecked();
  for (const group of ['Input layer', 'Positional embeddings', 'Attention', 'Feed-forward'])
    await expect(page.getByRole('checkbox', { name: group, exact: true })).not.toBeChecked();
  await expect(page.getByTestId('preset-loaded')).toContainText(
    'Loaded Table 19, Bit XOR, + layernorm (in the paper: pretrained GPT-2 small, frozen): task Bit XOR, backbone Random test model (2 layers, 64 wide)',
  );
  await expect(page.getByTestId('preset-loaded')).toContainText('trains output head, layer norms, learning rate 0.001, batch 16');
  await expect(page.getByRole('button', { name: 'Table 19, Bit XOR, + layernorm: paper 98%' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page).toHaveURL(/[?&]g=output,layernorm&.*&preset=table19-bit-xor-layernorm(&|$)/);
  await page.screenshot({ path: 'screenshots/preset-reference-line.png', fullPage: false });

  // Ticking the input layer moves to the next column of the same table; the link drops the preset.
  await page.getByRole('checkbox', { name: 'Input layer', exact: true }).check();
  await expect(chart).toHaveAttribute('data-reference-source', 'Table 19, Bit XOR, + input; GPT-2 small (12 layers × 768), converged');
  await expect(page).not.toHaveURL(/preset=/);

  // Table 21 (random GPT-2): a random backbone, output head only.
  await page.getByRole('button', { name: 'Table 21, Bit XOR, output only: paper 50%' }).click();
  await waitForRun(page);
  await expect(page.getByLabel('Backbone')).toHaveValue('tiny-random');
  await expect(chart).toHaveAttribute('data-reference-label', 'paper: 50%');
  await expect(chart.getByText('paper: 50%', { exact: true })).toBeVisible();

  // On GPT-2 small (the default) with no network: the page says so, and the line is the paper's all the same.
  await page.getByLabel('Run on').selectOption('gpt2');
  await page.getByRole('button', { name: 'Bit XOR attention (Figure 3): paper 100%' }).click();
  await expect(page.getByRole('alert')).toContainText('Pretrained gpt2 weights could not be loaded', { timeout: 60_000 });
  await expect(chart).toHaveAttribute('data-reference-label', 'paper: 100%');
  await expect(page).toHaveURL(/[?&]bb=gpt2&.*&layer=0&.*&preset=bit-xor-attention(&|$)/);
});

test('the instructor link builder writes a link that opens the lesson with the chosen controls locked and hidden', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openPlayground(page, '?v=1&bb=tiny-random&seed=3');
  await openPanel(page, 'Instructor');
  await page.getByText('Instructor link').click();
  await page.getByRole('button', { name: 'Students toggle groups only' }).click();
  await page.getByLabel('Lesson to open').selectOption('bit-xor-attention');
  const linkBox = page.getByTestId('instructor-link');
  await expect(linkBox).toHaveValue(
    /\?v=1&task=bit-xor&bits=5&bb=tiny-random&g=input,output,positions,layernorm,attention,feedforward&lr=0.003&seed=3&.*&hide=backend,presets,adapters&lock=task,backbone,lr,batch,seed&lesson=bit-xor-attention$/,
  );
  // A lesson that needs a control the link takes away says so.
  await page.getByLabel('Attention layer: hidden').check();
  await expect(page.getByRole('note').filter({ hasText: 'The lesson asks students to use Attention layer, which this link hides.' })).toBeVisible();
  await page.screenshot({ path: 'screenshots/instructor-link-builder.png', fullPage: true });
  await page.getByLabel('Attention layer: shown').check();
  await expect(page.getByRole('note').filter({ hasText: 'The lesson asks' })).toHaveCount(0);

  await page.getByRole('button', { name: 'Copy link' }).click();
  await expect(page.getByText('Copied to the clipboard.')).toBeVisible();
  const link = await linkBox.inputValue();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);

  await page.goto(link);
  await waitForRun(page);
  await expect(page.getByTestId('lesson-panel')).toBeVisible();
  await expect(page.getByLabel('Seed')).toHaveValue('3');
  await expect(page.getByLabel('Seed')).toBeDisabled();
  await expect(page.getByLabel('Task')).toBeDisabled();
  await expect(page.getByLabel('Compute')).toHaveCount(0);
  await expect(page.getByRole('checkbox', { name: 'Output head', exact: true })).toBeEnabled();
  await expect(page.getByText('Instructor link')).toHaveCount(0);
  await page.screenshot({ path: 'screenshots/instructor-student-view.png', fullPage: false });
});
