import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../errors';
import { createTask } from '../tasks';
import { loadTinyCheckpoint, useBackend } from '../test-support';
import { DEFAULT_TRAIN_SETTINGS, type TrainSettings } from './settings';
import { runTrainingLoop } from './training-loop';
import { checkTrainSettings, Trainer } from './trainer';

beforeAll(async () => {
  await useBackend('cpu');
});

/** Each out-of-range setting, and the words the error must contain (the setting's name and its range). */
const REJECTED: [Partial<Record<keyof TrainSettings, unknown>>, string][] = [
  [{ batchSize: 0 }, 'Trainer setting batchSize: must be an integer in 1..1024, not 0'],
  [{ batchSize: 2.5 }, 'Trainer setting batchSize: must be an integer in 1..1024, not 2.5'],
  [{ batchSize: 5000 }, 'Trainer setting batchSize: must be an integer in 1..1024, not 5000'],
  [{ lr: -1e-3 }, 'Trainer setting lr: must be a number > 0 and <= 1, not -0.001'],
  [{ lr: 0 }, 'Trainer setting lr: must be a number > 0 and <= 1, not 0'],
  [{ lr: NaN }, 'Trainer setting lr: must be a number > 0 and <= 1, not NaN'],
  [{ lr: '0.001' }, 'Trainer setting lr: must be a number > 0 and <= 1, not 0.001'],
  [{ seed: -1 }, 'Trainer setting seed: must be an integer in 0..4294967295, not -1'],
  [{ seed: 2 ** 32 }, 'Trainer setting seed: must be an integer in 0..4294967295, not 4294967296'],
  [{ dropout: 1 }, 'Trainer setting dropout: must be a number >= 0 and < 1, not 1'],
  [{ dropout: -0.1 }, 'Trainer setting dropout: must be a number >= 0 and < 1, not -0.1'],
  [{ maxGradNorm: 0 }, 'Trainer setting maxGradNorm: must be a number > 0 and <= 1000000000, not 0'],
  [{ maxGradNorm: Infinity }, 'Trainer setting maxGradNorm: must be a number > 0 and <= 1000000000, not Infinity'],
  [{ evalBatches: 0 }, 'Trainer setting evalBatches: must be an integer in 1..1000, not 0'],
  [{ heldOutSample: 0 }, 'Trainer setting heldOutSample: must be an integer in 1..1000000, not 0'],
  [{ groups: ['input', 'everything'] }, 'Trainer setting groups: unknown parameter group "everything"'],
  [{ groups: undefined }, 'Trainer setting groups: must be a list of parameter groups'],
  [{ groups: 'input' }, 'Trainer setting groups: must be a list of parameter groups'],
  [{ fused: 'yes' }, 'Trainer setting fused: must be true, false or "auto", not yes'],
  [{ randomInit: 'xavier' }, 'Trainer setting randomInit: must be paper or hf-scaled, not xavier'],
];

describe('the Trainer checks its settings against LIMITS (limits.ts)', () => {
  it.each(REJECTED)('refuses %o with a message naming the setting', async (bad, message) => {
    const { config, tensors } = await loadTinyCheckpoint();
    const task = await createTask('bit-xor', { bits: 5 });
    const settings = { ...DEFAULT_TRAIN_SETTINGS, ...bad } as TrainSettings;
    expect(() => checkTrainSettings(settings)).toThrow(InputError);
    expect(() => new Trainer(task, config, 'pretrained', settings, tensors)).toThrow(message);
  });

  it('accepts the defaults and the bounds themselves, and trains with them', async () => {
    expect(checkTrainSettings(DEFAULT_TRAIN_SETTINGS)).toEqual(DEFAULT_TRAIN_SETTINGS);
    for (const edge of [
      { batchSize: 1, lr: 1, seed: 2 ** 32 - 1, dropout: 0 },
      { batchSize: 1024, maxGradNorm: 1e9, evalBatches: 1000, groups: [] },
    ] as Partial<TrainSettings>[])
      expect(checkTrainSettings({ ...DEFAULT_TRAIN_SETTINGS, ...edge })).toMatchObject(edge);
    const { config, tensors } = await loadTinyCheckpoint();
    const trainer = new Trainer(await createTask('bit-xor', { bits: 5 }), config, 'pretrained', { evalBatches: 1 }, tensors);
    expect(trainer.settings).toEqual({ ...DEFAULT_TRAIN_SETTINGS, evalBatches: 1 });
    const curve = await runTrainingLoop(trainer, { steps: 2, evalEvery: 1 });
    expect(curve.map((p) => p.step)).toEqual([1, 2]);
    expect(curve.every((p) => Number.isFinite(p.trainLoss))).toBe(true);
    trainer.dispose();
  });

  it('refuses a learning rate out of range later on, and the loop refuses a steps or evalEvery of 0, keeping the run as it was', async () => {
    const { config, tensors } = await loadTinyCheckpoint();
    const trainer = new Trainer(await createTask('bit-xor', { bits: 5 }), config, 'pretrained', { evalBatches: 1 }, tensors);
    expect(() => trainer.setLearningRate(-1)).toThrow('Trainer setting lr: must be a number > 0 and <= 1, not -1');
    expect(() => trainer.setLearningRate(NaN)).toThrow('not NaN');
    expect(trainer.adam.options.lr).toBe(DEFAULT_TRAIN_SETTINGS.lr);
    await expect(runTrainingLoop(trainer, { steps: 0, evalEvery: 1 })).rejects.toThrow('training loop steps: must be an integer in 1..10000000, not 0');
    await expect(runTrainingLoop(trainer, { steps: 3, evalEvery: 0 })).rejects.toThrow('training loop evalEvery: must be an integer in 1..10000000, not 0');
    expect(trainer.stepCount).toBe(0);
    trainer.dispose();
  });

  it('refuses a task longer than the model has positions, saying both lengths', async () => {
    const { config, tensors } = await loadTinyCheckpoint(); // 128 positions
    const task = await createTask('bit-xor', { bits: 65 }); // two strings of 65 bits: 130 tokens
    expect(() => new Trainer(task, config, 'pretrained', {}, tensors)).toThrow('the task needs 130 tokens but the model has only 128 positions');
  });
});
