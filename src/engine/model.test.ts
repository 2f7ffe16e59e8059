import { beforeAll, describe, expect, it } from 'vitest';
import { GPT2_PRESETS } from '../weights/gpt2-checkpoint';
import { parameterCounts } from './model';
import { createTask } from './tasks';
import { loadTinyCheckpoint, useBackend } from './test-support';
import { tf } from './tf';
import { trainableGradients } from './train/step';
import { Trainer } from './train/trainer';

beforeAll(async () => {
  await useBackend('cpu');
});

const snapshot = async (t: Trainer) => new Map(await Promise.all([...t.model.params].map(async ([n, v]) => [n, await v.data()] as const)));

describe('parameter counts', () => {
  it('GPT-2 small on a 16-dim, 10-class task at T=64 trains about 106K parameters (0.086% of GPT-2 small)', () => {
    const head = { input: { kind: 'vector' as const, dim: 16 }, seqLen: 64, outputTokens: 1, labelsPerToken: 1, classes: 10 };
    const counts = parameterCounts(GPT2_PRESETS.gpt2, head, ['input', 'output', 'positions', 'layernorm']);
    const byGroup = Object.fromEntries(counts.map((c) => [c.group, c.params]));
    expect(byGroup).toEqual({
      input: 16 * 768 + 768,
      output: 768 * 10 + 10,
      positions: 64 * 768,
      layernorm: (12 * 2 + 1) * 2 * 768,
      attention: 12 * (768 * 2304 + 2304 + 768 * 768 + 768),
      feedforward: 12 * (768 * 3072 + 3072 + 3072 * 768 + 768),
    });
    const trainable = counts.filter((c) => c.trainable).reduce((a, c) => a + c.params, 0);
    expect(trainable).toBe(108298);
    // The paper's percentage is of GPT-2 small's 124.4M parameters including the token table.
    expect((100 * trainable) / 124.44e6).toBeCloseTo(0.087, 3);
  });
});

describe('training step', () => {
  it('frozen groups get neither gradient nor optimizer state, and toggling applies to the next step', async () => {
    const { config, tensors } = await loadTinyCheckpoint();
    const task = await createTask('bit-xor');
    const trainer = new Trainer(task, config, 'pretrained', { batchSize: 4, evalBatches: 1, seed: 1 }, tensors);
    const x = tf.tensor3d(new Float32Array(4 * 10), [4, 10, 1]);
    const y = tf.tensor1d(new Int32Array(20), 'int32');
    const { grads } = trainableGradients(trainer.model, x, y, 0);
    expect([...grads.keys()].sort()).toEqual(trainer.model.trainableNames().sort());
    expect([...grads.keys()].some((n) => n.includes('.attn.') || n.includes('.mlp.'))).toBe(false);

    const before = await snapshot(trainer);
    await trainer.step();
    const after = await snapshot(trainer);
    const changed = [...before.keys()].filter((n) => before.get(n)!.some((v, i) => v !== after.get(n)![i]));
    expect(changed.sort()).toEqual(trainer.model.trainableNames().sort());
    const stateFloats = trainer.model.trainableNames().reduce((a, n) => a + trainer.model.params.get(n)!.size, 0);
    expect(trainer.adam.stateSize()).toBe(2 * stateFloats);

    trainer.setGroups(['output']);
    await trainer.step();
    const afterOutputOnly = await snapshot(trainer);
    const changed2 = [...after.keys()].filter((n) => after.get(n)!.some((v, i) => v !== afterOutputOnly.get(n)![i]));
    expect(changed2.sort()).toEqual(['out.bias', 'out.weight']);
    tf.dispose([x, y, ...grads.values()]);
    trainer.dispose();
  });

  it('snapshots every parameter ever trainable in the run, also groups frozen since, and a restored run keeps them', async () => {
    const { config, tensors } = await loadTinyCheckpoint();
    const task = await createTask('bit-xor');
    const trainer = new Trainer(task, config, 'pretrained', { batchSize: 4, evalBatches: 1, seed: 1, groups: ['output'] }, tensors);
    expect(Object.keys((await trainer.snapshot()).params).sort()).toEqual(['out.bias', 'out.weight']);
    trainer.setGroups(['output', 'layernorm']);
    const both = trainer.model.trainableNames().sort();
    await trainer.step();
    trainer.setGroups(['output']);
    await trainer.step();
    const snap = await trainer.snapshot();
    expect(snap.step).toBe(2);
    expect(Object.keys(snap.params).sort()).toEqual(both);

    // A new trainer (output only) resumed from it snapshots the layer norms it restored as well.
    const resumed = new Trainer(task, config, 'pretrained', { batchSize: 4, evalBatches: 1, seed: 1, groups: ['output'] }, tensors);
    resumed.restore(snap);
    const again = await resumed.snapshot();
    expect(Object.keys(again.params).sort()).toEqual(both);
    for (const name of both) expect(Array.from(again.params[name].data)).toEqual(Array.from(snap.params[name].data));
    trainer.dispose();
    resumed.dispose();
  });

  it('is seeded: the same seed gives the same losses, another seed different ones', async () => {
    const config = (await loadTinyCheckpoint()).config;
    const task = await createTask('bit-xor');
    const run = async (seed: number) => {
      const t = new Trainer(task, config, 'random', { batchSize: 4, evalBatches: 1, seed });
      const losses = [await t.step(), await t.step(), await t.step()];
      t.dispose();
      return losses;
    };
    const a = await run(5);
    expect(await run(5)).toEqual(a);
    expect(await run(6)).not.toEqual(a);
  });

  it('applies dropout in training only', async () => {
    const { config, tensors } = await loadTinyCheckpoint();
    const task = await createTask('bit-xor');
    const trainer = new Trainer(task, config, 'pretrained', { batchSize: 2, evalBatches: 1, dropout: 0.1 }, tensors);
    const x = tf.randomUniform([2, 10, 1]);
    const logits = async (training: boolean, seed: number) => trainer.model.forward(x, { training, dropoutSeed: seed }).logits.data();
    expect(await logits(false, 1)).toEqual(await logits(false, 2));
    expect(await logits(true, 1)).toEqual(await logits(true, 1));
    expect(await logits(true, 1)).not.toEqual(await logits(true, 2));
    expect(await logits(true, 1)).not.toEqual(await logits(false, 1));
    trainer.dispose();
  });
});

describe('attention capture', () => {
  it('returns causal per-head probability maps of the chosen layer for one example', async () => {
    const { config, tensors } = await loadTinyCheckpoint();
    const task = await createTask('bit-xor');
    const trainer = new Trainer(task, config, 'pretrained', { batchSize: 2, evalBatches: 1 }, tensors);
    for (const layer of [0, 1]) {
      const map = await trainer.attention(layer);
      expect(map.probs.length).toBe(4 * 10 * 10);
      for (let h = 0; h < 4; h++) {
        for (let q = 0; q < 10; q++) {
          const row = map.probs.subarray((h * 10 + q) * 10, (h * 10 + q + 1) * 10);
          expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
          for (let k = q + 1; k < 10; k++) expect(row[k]).toBe(0);
        }
      }
    }
    const l0 = await trainer.attention(0);
    const l1 = await trainer.attention(1);
    expect(l0.probs).not.toEqual(l1.probs);
    trainer.dispose();
  });
});
