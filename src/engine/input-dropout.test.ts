import { beforeAll, describe, expect, it } from 'vitest';
import { initAdapters } from './init';
import { FptModel } from './model';
import { Rng } from './rng';
import { loadTinyCheckpoint, useBackend } from './test-support';
import { tf } from './tf';

beforeAll(async () => {
  await useBackend('cpu');
});

/**
 * The reference (universal_computation/fpt.py) ends a Linear input layer with nn.Dropout and then
 * GPT-2 drops the embeddings again; an Embedding input (ListOps) has no dropout of its own, so its
 * tokens are dropped once. Seen through a body with no blocks and zero positions: the last hidden
 * state is ln_f(dropout(embedding)), in which every dropped value becomes the row's one shared
 * value (-mean/std). At rate 0.5 that is about half of the values after one dropout, three
 * quarters after two.
 */
describe('input dropout', () => {
  it('is applied twice to a Linear input adapter and once to an Embedding (ListOps)', async () => {
    const { config, tensors } = await loadTinyCheckpoint();
    const blockless = { ...config, nLayer: 0 };
    const body = new Map([...tensors].filter(([name]) => !name.startsWith('h.')));
    body.set('wpe.weight', { shape: tensors.get('wpe.weight')!.shape, data: new Float32Array(tensors.get('wpe.weight')!.data.length) });
    const droppedShare = async (input: { kind: 'vector'; dim: number } | { kind: 'tokens'; vocabSize: number }, x: tf.Tensor) => {
      const head = { input, seqLen: 8, outputTokens: 1, labelsPerToken: 1, classes: 10 };
      const model = new FptModel(blockless, head, body, initAdapters(input, config.nEmbd, 10, new Rng(1)), 0.5, ['input', 'output'], { fused: false });
      const hidden = (await model.forward(x, { training: true, dropoutSeed: 3 }).lastHidden.array()) as number[][][];
      model.dispose();
      let shared = 0;
      let total = 0;
      for (const row of hidden.flat()) {
        const counts = new Map<number, number>();
        for (const v of row) counts.set(v, (counts.get(v) ?? 0) + 1);
        shared += Math.max(...counts.values());
        total += row.length;
      }
      return shared / total;
    };
    const B = 8;
    const vector = await droppedShare({ kind: 'vector', dim: 2 }, tf.randomUniform([B, 8, 2], 0.5, 1.5, 'float32', 11));
    const tokens = await droppedShare({ kind: 'tokens', vocabSize: 15 }, tf.randomUniform([B, 8], 0, 15, 'int32', 12));
    expect(tokens).toBeGreaterThan(0.42);
    expect(tokens).toBeLessThan(0.58);
    expect(vector).toBeGreaterThan(0.67);
    expect(vector).toBeLessThan(0.83);
  });
});
