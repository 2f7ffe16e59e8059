import { describe, expect, it } from 'vitest';
import { useBackend } from '../test-support';
import { tf } from '../tf';
import { trainableGradients } from '../train/step';
import { splitText, unigramEntropyBits } from './corpus';
import { CausalLm, initLmTensors, lmConfig } from './language-model';
import { LmTrainer, learningRate, nats2bits } from './pretrain';
import { decodeBytes, encodeBytes } from './tokenizer';

const config = lmConfig({ layers: 1, width: 16, heads: 2, positions: 12 });

describe('the causal language model (tied token table)', () => {
  it('starts at about ln 256 nats per byte, and its logits are the final features times the token table', async () => {
    await useBackend('cpu');
    const model = new CausalLm(config, initLmTensors(config, 1), 8);
    const ids = tf.tensor2d(
      Int32Array.from({ length: 16 }, (_, i) => (i * 37) % 256),
      [2, 8],
      'int32',
    );
    const labels = tf.tensor1d(
      Int32Array.from({ length: 16 }, (_, i) => (i * 11) % 256),
      'int32',
    );
    const { logits, lastHidden } = model.forward(ids, { training: false });
    expect(logits.shape).toEqual([16, 256]);
    const wte = model.params.get('wte.weight')!;
    const manual = tf.matMul(tf.reshape(lastHidden, [16, 16]), wte, false, true);
    expect(tf.max(tf.abs(tf.sub(logits, manual))).dataSync()[0]).toBeLessThan(1e-6);
    expect(Math.abs(model.loss(ids, labels, { training: false }).dataSync()[0] - Math.log(256))).toBeLessThan(0.05);
    expect(model.params.has('out.weight')).toBe(false);
    expect(model.countParams().reduce((n, g) => n + g.params, 0)).toBe(256 * 16 + 8 * 16 + 12 * 16 * 16 + 13 * 16 + 2 * 16); // wte, 8 used rows of wpe, one block, ln_f
    model.dispose();
  });

  it("wte's gradient is the sum of its two uses (lookup and output layer): matches a central difference", async () => {
    await useBackend('cpu');
    const model = new CausalLm(config, initLmTensors(config, 2), 4);
    const ids = tf.tensor2d([[5, 6, 5, 7]], [1, 4], 'int32');
    const labels = tf.tensor1d([6, 5, 7, 6], 'int32');
    const { grads } = trainableGradients(model, ids, labels, 0);
    const analytic = grads.get('wte.weight')!.arraySync() as number[][];
    const wte = model.params.get('wte.weight')!;
    const base = wte.arraySync() as number[][];
    const lossWith = (row: number, col: number, delta: number) => {
      const changed = base.map((r) => [...r]);
      changed[row][col] += delta;
      wte.assign(tf.tensor2d(changed));
      return model.loss(ids, labels, { training: false }).dataSync()[0];
    };
    // Token 5 is looked up and predicted; token 200 is neither, so only the softmax normaliser reaches it.
    for (const [row, col] of [
      [5, 3],
      [6, 0],
      [200, 7],
    ]) {
      const numeric = (lossWith(row, col, 1e-2) - lossWith(row, col, -1e-2)) / 2e-2;
      expect(Math.abs(numeric - analytic[row][col]), `wte[${row}][${col}]`).toBeLessThan(2e-3 + 0.02 * Math.abs(analytic[row][col]));
    }
    expect(Math.abs(analytic[5][3])).toBeGreaterThan(1e-3);
    model.dispose();
  });

  it('learns a repetitive text far below its unigram entropy and continues it greedily', async () => {
    await useBackend('wasm');
    const text = 'the cat sat on the mat. '.repeat(60);
    const corpus = splitText('cats.txt', text);
    const c = lmConfig({ layers: 1, width: 32, heads: 2, positions: 16 });
    const trainer = new LmTrainer(c, initLmTensors(c, 0), corpus, {
      context: 16,
      batch: 8,
      steps: 150,
      lr: 1e-2,
      warmup: 10,
      seed: 0,
      maxGradNorm: 1,
      evalWindows: 8,
    });
    const before = nats2bits(await trainer.heldOutLoss());
    for (let s = 0; s < 150; s++) await trainer.step(s);
    const after = nats2bits(await trainer.heldOutLoss());
    expect(before).toBeGreaterThan(7.5);
    expect(after).toBeLessThan(0.3 * unigramEntropyBits(corpus.heldOut));
    expect(decodeBytes(trainer.model.greedy(encodeBytes('the cat sat'), 13))).toBe(' on the mat. ');
    trainer.dispose();
  });

  it('learning rate: linear warm-up to the peak, cosine down to a tenth at the last step', () => {
    const s = { lr: 1e-3, warmup: 10, steps: 110 };
    expect(learningRate(s, 0)).toBeCloseTo(1e-4, 12);
    expect(learningRate(s, 9)).toBeCloseTo(1e-3, 12);
    expect(learningRate(s, 60)).toBeCloseTo(0.55e-3, 12);
    expect(learningRate(s, 110)).toBeCloseTo(1e-4, 12);
  });
});
