import { describe, expect, it } from 'vitest';
import type { BackendName } from '../backend';
import { compositeLayerNorm } from '../ops/layers';
import { useBackend } from '../test-support';
import { tf } from '../tf';
import { countDispatches } from '../testing/dispatch-counter';
import { layerNorm, layerNormBackwardInput, layerNormBackwardParams, layerNormForward } from './layer-norm';
import { expectClose } from '../testing/expect-close';

const EPS = 1e-5;

/** Deterministic values: a row-dependent offset and scale so that mean and variance matter. */
function values(n: number, d: number, seed: number, offset = 0): Float32Array {
  const out = new Float32Array(n * d);
  let s = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const row = Math.floor(i / d);
    out[i] = ((s / 2 ** 32) * 2 - 1) * (1 + (row % 3)) + offset * (1 + (row % 2));
  }
  return out;
}

function inputs(n: number, d: number) {
  return {
    x: tf.tensor2d(values(n, d, 11 + n * 7 + d, 2.5), [n, d]),
    gamma: tf.tensor1d(values(1, d, 5 + d, 1)),
    beta: tf.tensor1d(values(1, d, 9 + d)),
    dy: tf.tensor2d(values(n, d, 21 + d), [n, d]),
    res: tf.tensor2d(values(n, d, 33 + d), [n, d]),
  };
}

// Sizes: a single row, d not a multiple of 4, the tiny model's 64, GPT-2 small's 768, GPT-2 XL's 1600,
// and rows > 32 columns apart so that several column tiles and row groups are in play.
const SHAPES: [number, number][] = [
  [1, 5],
  [7, 64],
  [3, 1],
  [13, 33],
  [4, 768],
  [2, 1600],
  [19, 70],
];

describe.each<BackendName>(['cpu', 'webgpu'])('layer norm kernels on %s', (backend) => {
  it('forward matches the composite LayerNorm (biased variance, eps inside the root)', async () => {
    await useBackend(backend);
    for (const [n, d] of SHAPES) {
      const { x, gamma, beta } = inputs(n, d);
      await expectClose(layerNormForward(x, gamma, beta, EPS), compositeLayerNorm(x, gamma, beta, EPS));
      tf.dispose([x, gamma, beta]);
    }
    // A large common offset: a one-pass E[x²] - E[x]² variance would lose most of its digits here.
    const x = tf.add(tf.tensor2d(values(3, 64, 3), [3, 64]), 1000) as tf.Tensor2D;
    const ones = tf.ones([64]) as tf.Tensor1D;
    const zeros = tf.zeros([64]) as tf.Tensor1D;
    const xd = await x.data();
    const expected = new Float32Array(3 * 64);
    for (let r = 0; r < 3; r++) {
      const row = Array.from(xd.slice(r * 64, r * 64 + 64), Number);
      const mean = row.reduce((a, b) => a + b, 0) / 64;
      const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / 64;
      row.forEach((v, c) => (expected[r * 64 + c] = (v - mean) / Math.sqrt(variance + EPS)));
    }
    await expectClose(layerNormForward(x, ones, zeros, EPS), tf.tensor2d(expected, [3, 64]), 2e-4);
  });

  it('backward kernels match tf.grads of the composite LayerNorm, residual gradient fused', async () => {
    await useBackend(backend);
    for (const [n, d] of SHAPES) {
      const { x, gamma, beta, dy, res } = inputs(n, d);
      const [gx, gGamma, gBeta] = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(compositeLayerNorm(a as tf.Tensor2D, g, b, EPS), dy)))([
        x,
        gamma,
        beta,
      ]);
      await expectClose(layerNormBackwardInput(x, gamma, dy, EPS), gx);
      await expectClose(layerNormBackwardInput(x, gamma, dy, EPS, res), tf.add(gx, res));
      const { dGamma, dBeta } = layerNormBackwardParams(x, dy, EPS);
      expect(dGamma.shape).toEqual([d]);
      await expectClose(dGamma, gGamma);
      await expectClose(dBeta, gBeta);
      tf.dispose([x, gamma, beta, dy, res, gx, gGamma, gBeta, dGamma, dBeta]);
    }
  });

  it('layerNorm is differentiable through the kernels (tf.customGrad)', async () => {
    await useBackend(backend);
    const { x, gamma, beta, dy } = inputs(6, 48);
    const loss = (f: typeof layerNorm) => (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.square(f(a as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D, EPS)), dy));
    await expectClose(layerNorm(x, gamma, beta, EPS), compositeLayerNorm(x, gamma, beta, EPS));
    const fused = tf.grads(loss(layerNorm))([x, gamma, beta]);
    const reference = tf.grads(loss(compositeLayerNorm as typeof layerNorm))([x, gamma, beta]);
    for (let i = 0; i < 3; i++) await expectClose(fused[i], reference[i]);
  });

  if (backend === 'webgpu') {
    it('each kernel call is exactly one GPU dispatch', async () => {
      await useBackend(backend);
      const { x, gamma, beta, dy, res } = inputs(9, 40);
      const once = async (f: () => tf.Tensor | tf.Tensor[]) => {
        const { dispatches } = await countDispatches(async () => {
          const out = f();
          for (const t of Array.isArray(out) ? out : [out]) await t.data();
        });
        return dispatches;
      };
      expect(await once(() => layerNormForward(x, gamma, beta, EPS))).toBe(1);
      expect(await once(() => layerNormBackwardInput(x, gamma, dy, EPS))).toBe(1);
      expect(await once(() => layerNormBackwardInput(x, gamma, dy, EPS, res))).toBe(1);
      expect(await once(() => Object.values(layerNormBackwardParams(x, dy, EPS)))).toBe(1);
    });
  }
});
