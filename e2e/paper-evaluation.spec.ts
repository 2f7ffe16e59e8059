import { expect, test } from '@playwright/test';
import { openPlayground, waitForRun } from './support';

test('accuracies say what they were measured on, and the whole held-out set is evaluated on request', async ({ page }) => {
  test.setTimeout(300_000);
  await openPlayground(page, '?bb=tiny&g=input,output,positions,layernorm');
  await waitForRun(page);
  await page.getByRole('button', { name: 'Step' }).click();
  // The live accuracy: the page's 8 held-out batches of 16, at its step.
  await expect(page.getByTestId('latest-accuracy')).toHaveText(/^ \(latest \d+\.\d% on 128 held-out examples, step \d+\)$/);
  // Far from the paper's ~500 steps for pretrained GPT-2 on Bit XOR (Table 6), and the line names its model.
  await expect(page.getByTestId('reference-source')).toContainText('Table 2, FPT, Bit XOR; GPT-2 small (12 layers × 768), converged');
  await expect(page.getByTestId('reference-steps')).toContainText('took about 500 steps to converge (Table 6)');
  // The paper's evaluation: Bit XOR is generated, so a fixed sample of 2,000 examples.
  await page.getByRole('button', { name: 'Evaluate on the whole held-out set' }).click();
  await expect(page.getByTestId('held-out-result')).toHaveText(/^ \d+\.\d% on a fixed sample of 2,000 generated examples, at step \d+ \(loss \d+\.\d{4}\)\.$/, {
    timeout: 240_000,
  });
  await page.getByTestId('accuracy-chart').screenshot({ path: 'screenshots/held-out-evaluation.png' });
});
