import { beforeAll, describe, expect, it } from 'vitest';
import { parseGroups } from '../groups';
import { initialAdapters, type GoldenCase } from '../parity';
import type { Batch, Task } from '../tasks/task';
import { loadGolden, loadTinyCheckpoint, useBackend } from '../test-support';
import { tf } from '../tf';
import { Trainer } from './trainer';

beforeAll(async () => {
  await useBackend('cpu');
});

/** A task whose every batch is the golden case's batch, so Trainer.step() trains on exactly what PyTorch did. */
function goldenTask(c: GoldenCase): Task {
  const batch: Batch = { x: Float32Array.from(c.x.data), y: Int32Array.from(c.y.data), batchSize: c.B };
  return {
    name: 'bit-xor',
    seqLen: c.T,
    input: { kind: 'vector', dim: c.din },
    outputTokens: c.n_out_tokens,
    labelsPerToken: 1,
    classes: c.dout,
    metric: 'accuracy',
    batch: () => batch,
  };
}

describe('Trainer.step() metrics', () => {
  // The cases train different groups; classify-all's norm (7.1) is far above the clipping threshold
  // of 1, so a norm read after clipping would be 1 there.
  for (const c of loadGolden().cases) {
    it(`${c.name}: the loss and the gradient norm before clipping equal PyTorch's float64 reference`, async () => {
      const { config, tensors } = await loadTinyCheckpoint();
      const trainer = new Trainer(
        goldenTask(c),
        config,
        'pretrained',
        { batchSize: c.B, evalBatches: 1, dropout: 0, groups: parseGroups(c.trainable_groups), fused: false },
        tensors,
      );
      for (const [name, t] of initialAdapters(c)) tf.tidy(() => trainer.model.assignParameter(name, tf.tensor(t.data, t.shape)));
      const metrics = await trainer.step();
      expect(Object.keys(metrics).sort()).toEqual(['gradNorm', 'loss']);
      expect(Math.abs(metrics.gradNorm - c.grad_global_norm)).toBeLessThan(1e-5 * Math.max(1, c.grad_global_norm));
      expect(Math.abs(metrics.loss - c.loss)).toBeLessThan(1e-5 * Math.max(1, c.loss));
      trainer.dispose();
    });
  }

  it('leaves no tensor behind', async () => {
    const { config, tensors } = await loadTinyCheckpoint();
    const c = loadGolden().cases[0];
    const trainer = new Trainer(goldenTask(c), config, 'pretrained', { batchSize: c.B, evalBatches: 1 }, tensors);
    await trainer.step();
    const held = tf.memory().numTensors;
    await trainer.step();
    expect(tf.memory().numTensors).toBe(held);
    trainer.dispose();
  });
});
