import { beforeAll, describe, expect, it } from 'vitest';
import { initLstmBody, lstmCellStep, lstmLayer, lstmLayerNorm, LstmModel, type LstmLayerParams } from './lstm';
import { Rng } from './rng';
import { useBackend } from './test-support';
import { tf } from './tf';

beforeAll(async () => {
  await useBackend('cpu');
});

// Tensors filled by the formula src/engine/fixtures/lstm_reference.py uses: sin(1.7 k + offset) · scale.
const values = (n: number, offset: number, scale: number) => Array.from({ length: n }, (_, k) => Math.sin(1.7 * k + offset) * scale);
const IN = 2;
const H = 3;
const B = 2;
const T = 3;

function referenceParams(): LstmLayerParams {
  const ln = (gOff: number, bOff: number, n: number) => ({
    gain: tf.tensor1d(values(n, gOff, 0.3).map((v) => 1 + v)),
    bias: tf.tensor1d(values(n, bOff, 0.1)),
  });
  return {
    weightIh: tf.tensor2d(values(IN * 4 * H, 0.1, 0.6), [IN, 4 * H]),
    weightHh: tf.tensor2d(values(H * 4 * H, 0.2, 0.6), [H, 4 * H]),
    biasIh: tf.tensor1d(values(4 * H, 0.3, 0.2)),
    biasHh: tf.tensor1d(values(4 * H, 0.4, 0.2)),
    lnIh: ln(0.5, 0.6, 4 * H),
    lnHh: ln(0.7, 0.8, 4 * H),
    lnCell: ln(0.9, 1.0, H),
  };
}

// Printed by `python3 src/engine/fixtures/lstm_reference.py` (numpy, float64): the reference's LayerNormLSTM.
const EXPECTED_OUTPUTS = [
  0.09519745392233965, -0.24767368447662602, 0.019603068846230143, 0.4725094144721572, -0.2937665847933128, -0.1400339709473487, 0.14666593181760113,
  -0.12540492230407843, -0.017644475517549798, -0.232216333315763, 0.586580224188016, 0.13788857140719035, -0.21383918813964994, 0.23994701061548557,
  0.3483530286452645, -0.30904348183946245, 0.614958510671786, 0.10081126823394175,
];
const EXPECTED_FINAL_C = [1.2484481664915892, -1.1682513061209518, -0.018266982708732976, -1.336188991524893, 0.8099854690255656, 0.2569632014363798];

describe("LSTM cell (the reference's LayerNormLSTM)", () => {
  it('a layer over three steps and two sequences from a given state matches the numpy reference (LN on both pre-activations and the cell, unbiased variance, eps 1e-6)', async () => {
    const p = referenceParams();
    const x = tf.tensor3d(values(B * T * IN, 1.1, 1), [B, T, IN]);
    const h0 = tf.tensor2d(values(B * H, 1.2, 0.5), [B, H]);
    const c0 = tf.tensor2d(values(B * H, 1.3, 0.5), [B, H]);
    const out = lstmLayer(x, p, { h0, c0, eps: 1e-6 });
    expect(out.shape).toEqual([B, T, H]);
    Array.from(await out.data()).forEach((v, k) => expect(v).toBeCloseTo(EXPECTED_OUTPUTS[k], 5));
    // The carried cell state: step by step through lstmCellStep, the last c is the reference's.
    const ih = lstmLayerNorm(tf.add(tf.matMul(tf.reshape(x, [B * T, IN]), p.weightIh), p.biasIh) as tf.Tensor2D, p.lnIh.gain, p.lnIh.bias, 1e-6);
    const perStep = tf.unstack(tf.transpose(tf.reshape(ih, [B, T, 4 * H]), [1, 0, 2])) as tf.Tensor2D[];
    let state = { h: h0, c: c0 };
    for (const step of perStep) state = lstmCellStep(step, state.h, state.c, p, 1e-6);
    Array.from(await state.c.data()).forEach((v, k) => expect(v).toBeCloseTo(EXPECTED_FINAL_C[k], 5));
  });

  it("LayerNorm is the reference's: unbiased variance, eps inside the root", async () => {
    // [1, 2, 3, 6]: mean 3, unbiased variance (4 + 1 + 0 + 9) / 3 = 14/3.
    const y = await lstmLayerNorm(tf.tensor2d([[1, 2, 3, 6]]), tf.tensor1d([1, 1, 1, 1]), tf.tensor1d([0, 0, 0, 0]), 1e-6).data();
    const sd = Math.sqrt(14 / 3 + 1e-6);
    Array.from(y).forEach((v, k) => expect(v).toBeCloseTo([-2 / sd, -1 / sd, 0, 3 / sd][k], 6));
  });

  it('initialises as the reference: cell weights and biases U(±1/√H), LayerNorm gains and biases U(±1/√n), seeded', () => {
    const cfg = { width: 16, layers: 3, layerNormEps: 1e-6 };
    const body = initLstmBody(cfg, new Rng(3));
    expect(body.size).toBe(30);
    expect(body.get('lstm.2.weight_hh')!.shape).toEqual([16, 64]);
    const maxAbs = (name: string) => Math.max(...body.get(name)!.data.map(Math.abs));
    for (const [name, bound] of [
      ['lstm.0.weight_ih', 1 / 4],
      ['lstm.1.bias_hh', 1 / 4],
      ['lstm.0.ln_ih.weight', 1 / 8],
      ['lstm.2.ln_hh.bias', 1 / 8],
      ['lstm.1.ln_cell.weight', 1 / 4],
    ] as const) {
      expect(maxAbs(name)).toBeLessThanOrEqual(bound);
      expect(maxAbs(name)).toBeGreaterThan(0.75 * bound);
    }
    const w = body.get('lstm.0.weight_ih')!.data;
    expect(Math.abs(w.reduce((a, b) => a + b, 0) / w.length)).toBeLessThan(0.02);
    expect(initLstmBody(cfg, new Rng(3)).get('lstm.0.weight_ih')!.data).toEqual(w);
    expect(initLstmBody(cfg, new Rng(4)).get('lstm.0.weight_ih')!.data).not.toEqual(w);
  });

  it("starts from a random state (repeatable in evaluation), drops out every layer's output in training only", async () => {
    const head = { input: { kind: 'vector' as const, dim: 1 }, seqLen: 4, outputTokens: 1, labelsPerToken: 1, classes: 2 };
    const m = LstmModel.create({ width: 8, layers: 2, layerNormEps: 1e-6 }, head, new Rng(1), new Rng(2));
    const x = tf.tensor3d([[[0.5], [-1], [0.25], [1]]]);
    const evalA = await m.forward(x, { training: false }).lastHidden.data();
    const evalB = await m.forward(x, { training: false }).lastHidden.data();
    expect(Array.from(evalA)).toEqual(Array.from(evalB));
    // Training: dropout zeroes some of the last layer's outputs (p = 0.1 of 32 values), and another step's seed differs.
    const trainA = await m.forward(x, { training: true, dropoutSeed: 5 }).lastHidden.data();
    const trainB = await m.forward(x, { training: true, dropoutSeed: 6 }).lastHidden.data();
    expect(Array.from(trainA)).not.toEqual(Array.from(trainB));
    expect(Array.from(evalA).some((v) => v === 0)).toBe(false);
    const zeros = [5, 6, 7, 8, 9].map(
      (seed) =>
        m
          .forward(x, { training: true, dropoutSeed: seed })
          .lastHidden.dataSync()
          .filter((v) => v === 0).length,
    );
    expect(zeros.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    m.dispose();
  });

  it('counts parameters per group from shapes: 3 layers of (in·4h + h·4h + 2·4h) + three LNs (2·4h, 2·4h, 2·h), no attention or positions', () => {
    const head = { input: { kind: 'vector' as const, dim: 1 }, seqLen: 10, outputTokens: 5, labelsPerToken: 1, classes: 2 };
    const m = LstmModel.create({ width: 8, layers: 3, layerNormEps: 1e-6 }, head, new Rng(1), new Rng(2));
    const counts = Object.fromEntries(m.countParams().map((c) => [c.group, c.params]));
    expect(counts).toEqual({ input: 16, output: 18, positions: 0, layernorm: 3 * (64 + 64 + 16), attention: 0, feedforward: 3 * (8 * 32 * 2 + 64) });
    const actual = [...m.params.values()].reduce((a, v) => a + v.size, 0);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(actual);
    m.dispose();
  });
});
