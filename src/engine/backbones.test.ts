import { beforeAll, describe, expect, it } from 'vitest';
import type { BodySpec } from './backbone';
import { createTask } from './tasks';
import { loadTinyCheckpoint, useBackend } from './test-support';
import { tf } from './tf';
import { trainableGradients } from './train/step';
import { Trainer } from './train/trainer';

beforeAll(async () => {
  await useBackend('cpu');
});

const BODIES: [string, BodySpec][] = [
  ['pretrained GPT-2', 'pretrained'],
  ['random GPT-2', 'random'],
  ['statistics-only GPT-2', 'statistics'],
  ['LSTM (3 layers × 16)', { kind: 'lstm', width: 16, layers: 3 }],
];

const l2 = (a: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((s, v) => s + v * v, 0));

describe('backbones under the same adapters', () => {
  for (const [name, body] of BODIES) {
    it(`${name}: forward shapes, and with the body frozen gradients reach the input adapter while frozen weights get none`, async () => {
      const { config, tensors } = await loadTinyCheckpoint();
      const task = await createTask('bit-xor');
      const trainer = new Trainer(task, config, body, { batchSize: 3, evalBatches: 1, seed: 2, dropout: 0 }, tensors);
      const model = trainer.model;
      const width = typeof body === 'string' ? 64 : 16;
      expect(model.width).toBe(width);
      expect(model.kind).toBe(typeof body === 'string' ? 'gpt2' : 'lstm');
      const batch = task.batch(3, 'train', new (await import('./rng')).Rng(9));
      const x = tf.tensor3d(batch.x as Float32Array, [3, 10, 1]);
      const y = tf.tensor1d(batch.y, 'int32');
      const { logits, lastHidden } = model.forward(x, { training: false });
      expect(logits.shape).toEqual([3 * 5, 2]);
      expect(lastHidden.shape).toEqual([3, 10, width]);
      expect(model.features(x, { training: false }).shape).toEqual([15, width]);
      // GPT-2's ln_f at the end of the body: each token's features have mean ≈ 0 (gains 1, biases 0 at random init).
      // (The LSTM, as the reference's, ends with its last cell's output, no LayerNorm.)
      const firstRow = Array.from((await lastHidden.data()).subarray(0, width));
      if (body === 'random') expect(Math.abs(firstRow.reduce((a, b) => a + b, 0) / width)).toBeLessThan(1e-4);

      const { grads } = trainableGradients(model, x, y, 0);
      const names = [...grads.keys()].sort();
      expect(names).toEqual(model.trainableNames().sort());
      expect(names).toContain('in.weight');
      expect(names.some((n) => n.includes('.attn.') || n.includes('.mlp.') || /weight_(ih|hh)|bias_(ih|hh)/.test(n))).toBe(false);
      expect(l2(await grads.get('in.weight')!.data())).toBeGreaterThan(1e-6);
      expect(l2(await grads.get('out.weight')!.data())).toBeGreaterThan(1e-6);
      const frozen = [...model.params.keys()].filter((n) => !model.trainableNames().includes(n));
      expect(frozen.length).toBeGreaterThan(0);

      // Everything trainable: the body's own weights now get gradients too.
      model.setTrainableGroups(['input', 'output', 'positions', 'layernorm', 'attention', 'feedforward']);
      const all = trainableGradients(model, x, y, 0);
      const bodyWeight = typeof body === 'string' ? 'h.0.mlp.c_fc.weight' : 'lstm.0.weight_hh';
      expect(l2(await all.grads.get(bodyWeight)!.data())).toBeGreaterThan(1e-8);
      expect(all.grads.size).toBe(model.params.size);
      tf.dispose([x, y, logits, lastHidden, ...grads.values(), ...all.grads.values()]);
      trainer.dispose();
    });
  }

  it('an LSTM training step changes exactly the trainable parameters; attention maps are refused for it', async () => {
    const { config } = await loadTinyCheckpoint();
    const task = await createTask('bit-xor');
    const trainer = new Trainer(task, config, { kind: 'lstm', width: 8 }, { batchSize: 2, evalBatches: 1 });
    const before = new Map(await Promise.all([...trainer.model.params].map(async ([n, v]) => [n, await v.data()] as const)));
    await trainer.step();
    const changed = [];
    for (const [n, v] of trainer.model.params) if ((await v.data()).some((val, i) => val !== before.get(n)![i])) changed.push(n);
    expect(changed.sort()).toEqual(trainer.model.trainableNames().sort());
    expect(changed).toContain('lstm.2.ln_cell.weight');
    await expect(trainer.attention(0)).rejects.toThrow(/only for the GPT-2 backbone/);
    trainer.dispose();
  });
});
