import { beforeAll, describe, expect, it } from 'vitest';
import { FPT_DEFAULT_GROUPS } from '../src/engine/groups';
import { createTask } from '../src/engine/tasks';
import { loadTinyCheckpoint, useBackend } from '../src/engine/test-support';
import type { EvaluatedPoint } from '../src/engine/train/metrics';
import { runTrainingLoop } from '../src/engine/train/training-loop';
import { Trainer } from '../src/engine/train/trainer';
import { firstReaching, summarise, summaryTable, trainUntil, type RunRow } from './transfer-lib';

async function tinyTrainer(): Promise<Trainer> {
  const { config, tensors } = await loadTinyCheckpoint();
  const task = await createTask('bit-xor');
  return new Trainer(task, config, 'pretrained', { batchSize: 4, lr: 3e-3, seed: 3, evalBatches: 2, groups: FPT_DEFAULT_GROUPS }, tensors);
}

describe('trainUntil', () => {
  let reference: EvaluatedPoint[];
  beforeAll(async () => {
    await useBackend('cpu');
    const trainer = await tinyTrainer();
    reference = await runTrainingLoop(trainer, { steps: 7, evalEvery: 3 });
    trainer.dispose();
  });

  it('gives runTrainingLoop’s curve when no evaluation reaches the stop (evaluations at 3, 6 and the last step, 7)', async () => {
    expect(reference.map((p) => p.step)).toEqual([3, 6, 7]);
    expect(Math.max(...reference.map((p) => p.testAccuracy))).toBeLessThan(1);
    const trainer = await tinyTrainer();
    const curve = await trainUntil(trainer, { steps: 7, evalEvery: 3, stopAt: 1 });
    expect(curve).toEqual(reference);
    expect(trainer.stepCount).toBe(7);
    trainer.dispose();
  });

  it('stops after the first evaluation at or above stopAt, having trained only up to it', async () => {
    const trainer = await tinyTrainer();
    const curve = await trainUntil(trainer, { steps: 7, evalEvery: 3, stopAt: reference[0].testAccuracy });
    expect(curve).toEqual(reference.slice(0, 1));
    expect(trainer.stepCount).toBe(3);
    trainer.dispose();
  });

  it('refuses a step cap or interval that is not a whole number ≥ 1, naming the flag', async () => {
    const trainer = await tinyTrainer();
    await expect(trainUntil(trainer, { steps: 0, evalEvery: 3 })).rejects.toThrow('--steps must be a whole number ≥ 1, got 0');
    await expect(trainUntil(trainer, { steps: 5, evalEvery: 2.5 })).rejects.toThrow('--eval-every must be a whole number ≥ 1, got 2.5');
    expect(trainer.stepCount).toBe(0);
    trainer.dispose();
  });
});

const point = (step: number, testAccuracy: number): EvaluatedPoint => ({ step, testAccuracy, testLoss: 0, trainLoss: 0, gradNorm: 0 });

describe('firstReaching', () => {
  const curve = [point(20, 0.7), point(40, 0.91), point(60, 0.89), point(80, 1)];
  it('is the first evaluated step at or above the level, not the last', () => {
    expect(firstReaching(curve, 0.9)).toBe(40);
    expect(firstReaching(curve, 1)).toBe(80);
    expect(firstReaching(curve, 0.7)).toBe(20);
  });
  it('is null when no evaluation reaches it', () => {
    expect(firstReaching(curve.slice(0, 3), 1)).toBeNull();
  });
});

describe('summarise', () => {
  const row = (init: string, seed: number, acc: number, to90: number | null, to100: number | null): RunRow => ({
    init,
    seed,
    final_acc: acc,
    steps_to_90: to90,
    steps_to_100: to100,
    steps_run: to100 ?? 400,
  });
  const rows = [
    row('pretrained', 0, 1, 120, 200),
    row('pretrained', 1, 0.9, 300, null),
    row('pretrained', 2, 0.8, null, null),
    row('random', 0, 0.6, null, null),
  ];

  it('gives each body, in first-seen order, the mean and sample sd of its final accuracies and which seeds reached 90% / 100%', () => {
    const [pretrained, random] = summarise(rows);
    expect(pretrained.init).toBe('pretrained');
    expect(pretrained.seeds).toBe(3);
    expect(pretrained.meanAcc).toBeCloseTo(0.9, 12);
    expect(pretrained.sdAcc).toBeCloseTo(0.1, 12);
    expect([pretrained.reached90, pretrained.reached100]).toEqual([2, 1]);
    expect([pretrained.stepsTo90, pretrained.stepsTo100]).toEqual([[120, 300], [200]]);
    expect(random).toMatchObject({ init: 'random', seeds: 1, meanAcc: 0.6, sdAcc: 0, reached90: 0, reached100: 0 });
  });

  it('prints one markdown line per body', () => {
    expect(summaryTable(rows, '4×128, frozen').split('\n')).toEqual([
      '| body (4×128, frozen) | seeds | final test acc, mean ± sd | steps to 90% | steps to 100% |',
      '|---|---:|---:|---|---|',
      '| pretrained | 3 | 90.0 ± 10.0% | 120, 300 (2 of 3) | 200 (1 of 3) |',
      '| random | 1 | 60.0 ± 0.0% | — (0 of 1) | — (0 of 1) |',
    ]);
  });
});
