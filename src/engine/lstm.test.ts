import { beforeAll, describe, expect, it } from 'vitest';
import { groupOf } from './groups';
import { initLstmBody, lstmCellStep, lstmLayer, LstmModel } from './lstm';
import { Rng } from './rng';
import { useBackend } from './test-support';
import { tf } from './tf';

beforeAll(async () => {
  await useBackend('cpu');
});

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** PyTorch's LSTM cell in plain JS: W [in, 4h] row-major (y = x W), gates (i, f, g, o). */
function cellByHand(x: number[], h: number[], c: number[], wIh: number[][], wHh: number[][], bIh: number[], bHh: number[]) {
  const H = h.length;
  const gates = Array.from({ length: 4 * H }, (_, j) => {
    let s = bIh[j] + bHh[j];
    x.forEach((xv, i) => (s += xv * wIh[i][j]));
    h.forEach((hv, i) => (s += hv * wHh[i][j]));
    return s;
  });
  const cNext = Array.from({ length: H }, (_, k) => sigmoid(gates[H + k]) * c[k] + sigmoid(gates[k]) * Math.tanh(gates[2 * H + k]));
  const hNext = cNext.map((cv, k) => sigmoid(gates[3 * H + k]) * Math.tanh(cv));
  return { h: hNext, c: cNext };
}

// in = 2, hidden = 2: weights [2, 8], biases [8].
const wIh = [
  [0.1, -0.2, 0.3, 0.05, -0.4, 0.25, 0.15, -0.1],
  [0.2, 0.1, -0.3, 0.4, 0.05, -0.15, 0.35, 0.2],
];
const wHh = [
  [0.3, 0.2, -0.1, 0.1, 0.2, -0.3, 0.05, 0.4],
  [-0.2, 0.15, 0.25, -0.05, 0.1, 0.3, -0.25, 0.1],
];
const bIh = [0.01, 0.02, -0.03, 0.04, 0.05, -0.06, 0.07, 0.08];
const bHh = [-0.02, 0.01, 0.03, 0.0, -0.01, 0.02, 0.0, -0.03];

describe('LSTM cell', () => {
  it('one step matches a hand-computed PyTorch LSTM step', async () => {
    const x = [0.5, -1.0];
    const h = [0.2, -0.1];
    const c = [0.3, 0.6];
    const expected = cellByHand(x, h, c, wIh, wHh, bIh, bHh);
    const xProj = tf.add(tf.matMul(tf.tensor2d([x]), tf.tensor2d(wIh)), tf.tensor1d(bIh)) as tf.Tensor2D;
    const out = lstmCellStep(xProj, tf.tensor2d([h]), tf.tensor2d([c]), tf.tensor2d(wHh), tf.tensor1d(bHh));
    const gotH = Array.from(await out.h.data());
    const gotC = Array.from(await out.c.data());
    gotH.forEach((v, k) => expect(v).toBeCloseTo(expected.h[k], 6));
    gotC.forEach((v, k) => expect(v).toBeCloseTo(expected.c[k], 6));
    // The hand computation itself, checked against the same step worked out independently (Python, float64).
    expect(expected.h[0]).toBeCloseTo(0.0431086857368043, 12);
    expect(expected.h[1]).toBeCloseTo(0.14498521725486058, 12);
    expect(expected.c[0]).toBeCloseTo(0.09448579564853302, 12);
    expect(expected.c[1]).toBeCloseTo(0.3206543828111895, 12);
  });

  it('a layer over two time steps and two sequences matches the hand-computed recurrence from a zero state', async () => {
    const seqs = [
      [[1, 0], [0.5, -0.5]],
      [[-1, 2], [0, 1]],
    ];
    const layer = lstmLayer(tf.tensor3d(seqs), tf.tensor2d(wIh), tf.tensor2d(wHh), tf.tensor1d(bIh), tf.tensor1d(bHh));
    expect(layer.shape).toEqual([2, 2, 2]);
    const got = await layer.array();
    seqs.forEach((seq, b) => {
      let state = { h: [0, 0], c: [0, 0] };
      seq.forEach((x, t) => {
        state = cellByHand(x, state.h, state.c, wIh, wHh, bIh, bHh);
        state.h.forEach((v, k) => expect(got[b][t][k]).toBeCloseTo(v, 6));
      });
    });
  });

  it('initialises as PyTorch: weights and biases U(-1/sqrt(h), 1/sqrt(h)), seeded; LayerNorm 1/0', () => {
    const cfg = { width: 16, layers: 3, layerNormEps: 1e-5 };
    const body = initLstmBody(cfg, new Rng(3));
    expect(body.size).toBe(18);
    expect(body.get('lstm.2.weight_hh')!.shape).toEqual([16, 64]);
    const w = body.get('lstm.0.weight_ih')!.data;
    const bound = 1 / Math.sqrt(16);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.9 * bound);
    expect(Math.abs(w.reduce((a, b) => a + b, 0) / w.length)).toBeLessThan(0.02);
    expect([...body.get('lstm.1.ln.weight')!.data].every((v) => v === 1)).toBe(true);
    expect([...body.get('lstm.1.ln.bias')!.data].every((v) => v === 0)).toBe(true);
    expect(initLstmBody(cfg, new Rng(3)).get('lstm.0.weight_ih')!.data).toEqual(w);
    expect(initLstmBody(cfg, new Rng(4)).get('lstm.0.weight_ih')!.data).not.toEqual(w);
  });

  it('maps LSTM parameters onto the existing groups', () => {
    expect(groupOf('lstm.0.weight_ih')).toBe('feedforward');
    expect(groupOf('lstm.2.bias_hh')).toBe('feedforward');
    expect(groupOf('lstm.1.ln.weight')).toBe('layernorm');
    expect(() => groupOf('lstm.0.weight_xx')).toThrow(/no group/);
  });

  it('counts parameters per group from shapes: 3 layers of 8(in·4h + h·4h + 2·4h) + LN, no attention or positions', () => {
    const head = { input: { kind: 'vector' as const, dim: 1 }, seqLen: 10, outputTokens: 5, labelsPerToken: 1, classes: 2 };
    const m = LstmModel.create({ width: 8, layers: 3, layerNormEps: 1e-5 }, head, new Rng(1), new Rng(2));
    const counts = Object.fromEntries(m.countParams().map((c) => [c.group, c.params]));
    expect(counts).toEqual({ input: 16, output: 18, positions: 0, layernorm: 3 * 16, attention: 0, feedforward: 3 * (8 * 32 * 2 + 64) });
    const actual = [...m.params.values()].reduce((a, v) => a + v.size, 0);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(actual);
    m.dispose();
  });
});
