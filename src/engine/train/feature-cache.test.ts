import { beforeAll, describe, expect, it } from 'vitest';
import { LSTM_EVAL_STATE_SEED } from '../lstm';
import { createTask } from '../tasks';
import { loadTinyCheckpoint, useBackend } from '../test-support';
import { tf } from '../tf';
import { buildFeatureCache, CachedHeadTrainer, drawDataset, headGradients, measureUncachedEpoch, sliceBatch } from './feature-cache';
import { trainableGradients } from './step';
import { batchTensors, Trainer } from './trainer';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('output-only training on cached features', () => {
  for (const body of ['pretrained', { kind: 'lstm' as const, width: 16 }] as const) {
    const name = typeof body === 'string' ? 'GPT-2' : 'LSTM';
    it(`${name}: head gradients from the cache equal the uncached path's (dropout off)`, async () => {
      const { config, tensors } = await loadTinyCheckpoint();
      const task = await createTask('bit-xor');
      const trainer = new Trainer(task, config, body, { batchSize: 6, evalBatches: 1, groups: ['output'], dropout: 0, seed: 4 }, tensors);
      const data = drawDataset(task, 6, 4);
      const cache = await buildFeatureCache(trainer.model, task, data, 4); // two chunks: 4 + 2
      expect(cache.features.shape).toEqual([6, 5, trainer.model.width]);
      expect(cache.labels.shape).toEqual([6, 5]);

      const { x, y } = batchTensors(task, data);
      // The LSTM starts each forward pass from a random state seeded by the pass's seed (fixed in evaluation): the
      // uncached pass gets the evaluation's seed so that both start from the same state.
      const uncached = trainableGradients(trainer.model, x, y, typeof body === 'string' ? 123 : LSTM_EVAL_STATE_SEED);
      const cached = headGradients(
        trainer.model,
        tf.reshape(cache.features, [-1, trainer.model.width]) as tf.Tensor2D,
        tf.reshape(cache.labels, [-1]) as tf.Tensor1D,
      );
      expect([...uncached.grads.keys()].sort()).toEqual(['out.bias', 'out.weight']);
      expect((await cached.loss.data())[0]).toBeCloseTo((await uncached.loss.data())[0], 5);
      for (const p of ['out.weight', 'out.bias']) {
        const a = await uncached.grads.get(p)!.data();
        const b = await cached.grads.get(p)!.data();
        expect(b.length).toBe(a.length);
        let maxErr = 0;
        let maxAbs = 0;
        a.forEach((v, i) => {
          maxErr = Math.max(maxErr, Math.abs(v - b[i]));
          maxAbs = Math.max(maxAbs, Math.abs(v));
        });
        expect(maxAbs).toBeGreaterThan(1e-4);
        expect(maxErr).toBeLessThan(1e-6 + 1e-5 * maxAbs);
      }
      tf.dispose([x, y, cache.features, cache.labels, uncached.loss, cached.loss, ...uncached.grads.values(), ...cached.grads.values()]);
      trainer.dispose();
    });
  }

  it('trains only the head over fixed-size epochs, and the uncached-epoch measurement leaves the run untouched', async () => {
    const { config, tensors } = await loadTinyCheckpoint();
    const task = await createTask('bit-xor');
    const trainer = new Trainer(task, config, 'pretrained', { batchSize: 4, evalBatches: 1, groups: ['output'], seed: 1 }, tensors);
    const twoGroups = new Trainer(task, config, 'random', { groups: ['output', 'input'], evalBatches: 1 });
    expect(() => new CachedHeadTrainer(twoGroups, 8)).toThrow(/output group alone/);
    twoGroups.dispose();
    const cached = new CachedHeadTrainer(trainer, 10);
    expect(cached.stepsPerEpoch).toBe(3);
    expect(sliceBatch(cached.data, [9, 0]).y).toEqual(Int32Array.from([...cached.data.y.subarray(45, 50), ...cached.data.y.subarray(0, 5)]));
    const snap = async () => new Map(await Promise.all([...trainer.model.params].map(async ([n, v]) => [n, await v.data()] as const)));
    const before = await snap();
    const speed = await measureUncachedEpoch(trainer, cached.data, 2);
    expect(speed.steps).toBe(2);
    expect(speed.secondsPerEpoch).toBeCloseTo(speed.secondsPerStep * 3, 9);
    expect(await snap()).toEqual(before);
    for (let i = 0; i < 7; i++) {
      const { loss, gradNorm } = await cached.step();
      expect([Number.isFinite(loss), gradNorm > 0 && Number.isFinite(gradNorm)]).toEqual([true, true]);
    }
    expect(cached.epochs).toBe(2); // 7 steps of 3 per epoch (4 + 4 + 2 examples)
    const after = await snap();
    const changed = [...before.keys()].filter((n) => before.get(n)!.some((v, i) => v !== after.get(n)![i]));
    expect(changed.sort()).toEqual(['out.bias', 'out.weight']);
    expect(trainer.adam.stateSize()).toBe(2 * (64 * 2 + 2));
    cached.dispose();
    trainer.dispose();
  });
});

describe('the cached dataset (paper §3.9: every training example once)', () => {
  it('holds distinct examples of a dataset task, and "all" is the whole training split exactly once', async () => {
    const { nodeTaskData } = await import('../tasks/node-data');
    const mnist = await createTask('mnist', { data: nodeTaskData() });
    expect(mnist.trainExamples).toBe(8000);
    const key = (b: { x: Float32Array | Int32Array }, i: number, per: number) => Array.from(b.x.subarray(i * per, (i + 1) * per)).join(',');
    const per = 49 * 16;
    const all = drawDataset(mnist, 'all', 1);
    expect(all.batchSize).toBe(8000);
    // Two seeds give two orders of the same 8,000 digits: the pass holds each training digit once (drawn with
    // replacement, the two would hold different sets and repeat some).
    const counts = new Array(10).fill(0);
    for (const y of all.y) counts[y]++;
    const split = new Array(10).fill(0);
    const again = drawDataset(mnist, 'all', 2);
    for (const y of again.y) split[y]++;
    expect(counts).toEqual(split);
    const distinct = new Set(Array.from({ length: 8000 }, (_, i) => key(all, i, per)));
    const distinctAgain = new Set(Array.from({ length: 8000 }, (_, i) => key(again, i, per)));
    expect(distinct).toEqual(distinctAgain);
    expect(drawDataset(mnist, 9000, 1).batchSize).toBe(8000);
    const bits = await createTask('bit-xor');
    expect(() => drawDataset(bits, 'all', 1)).toThrow(/no fixed training split/);
  });
});
