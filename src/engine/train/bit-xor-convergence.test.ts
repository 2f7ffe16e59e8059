import { expect, it } from 'vitest';
import { createTask } from '../tasks';
import { loadTinyCheckpoint, useBackend } from '../test-support';
import { Trainer } from './trainer';

const STEP_BUDGET = 400;

it(`a random tiny backbone (2 layers, 64 wide) learns Bit XOR to 100% per-bit test accuracy on cpu within ${STEP_BUDGET} steps`, async () => {
  await useBackend('cpu');
  const { config } = await loadTinyCheckpoint();
  expect([config.nLayer, config.nEmbd]).toEqual([2, 64]);
  const task = await createTask('bit-xor');
  const trainer = new Trainer(task, config, 'random', {
    groups: ['input', 'output', 'positions', 'layernorm', 'attention', 'feedforward'],
    batchSize: 16,
    lr: 3e-3,
    seed: 0,
    evalBatches: 8,
  });
  const start = await trainer.evaluate();
  expect(start.accuracy).toBeLessThan(0.75);
  let reachedAt = -1;
  for (let step = 1; step <= STEP_BUDGET && reachedAt < 0; step++) {
    await trainer.step();
    if (step % 25 === 0 && (await trainer.evaluate()).accuracy === 1) reachedAt = step;
  }
  console.log(`Bit XOR reached 100% per-bit accuracy at step ${reachedAt}`);
  expect(reachedAt).toBeGreaterThan(0);
  const final = await trainer.evaluate();
  expect(final.accuracy).toBe(1);
  expect(final.loss).toBeLessThan(start.loss / 5);
  trainer.dispose();
});
