import { describe, expect, it } from 'vitest';
import { useBackend } from '../test-support';
import { tf } from '../tf';
import { countDispatches } from '../testing/dispatch-counter';
import { columnSum } from './column-sum';

/** Deterministic values in [-1, 1) (a small LCG), some scaled up so that rounding shows. */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 31 - 1) * (i % 7 === 0 ? 1000 : 1);
  }
  return out;
}

/** The kernel's arithmetic in JavaScript: each column summed in row order, rounded to float32 at every add. */
function rowOrderFloat32Sums(x: Float32Array, M: number, N: number): Float32Array {
  const out = new Float32Array(N);
  for (let n = 0; n < N; n++) {
    let acc = 0;
    for (let m = 0; m < M; m++) acc = Math.fround(acc + x[m * N + n]);
    out[n] = acc;
  }
  return out;
}

// M = 1 and odd N (not a multiple of 4 or of the 64-column workgroup), the block's [B·T, d] shapes, and more rows than columns.
const SHAPES: [number, number][] = [
  [1, 1],
  [1, 67],
  [7, 1],
  [3, 5],
  [160, 64],
  [160, 256],
  [33, 131],
  [513, 3],
];

describe.each(['cpu', 'webgpu'] as const)('columnSum on %s', (backend) => {
  it('agrees with tf.sum(x, 0) to float32 reduction-order rounding, exactly where there is one row', async () => {
    await useBackend(backend);
    for (const [M, N] of SHAPES) {
      const data = values(M * N, M * 1000 + N);
      const x = tf.tensor2d(data, [M, N]);
      const got = (await columnSum(x).data()) as Float32Array;
      const want = (await tf.sum(x, 0).data()) as Float32Array;
      expect(got.length, `[${M}, ${N}]`).toBe(N);
      for (let n = 0; n < N; n++) {
        let abs = 0;
        for (let m = 0; m < M; m++) abs += Math.abs(data[m * N + n]);
        // Any two summation orders of M float32 values differ by at most ~2(M-1)·ε·Σ|x| (ε = 2^-24).
        expect(Math.abs(got[n] - want[n]), `[${M}, ${N}] column ${n}`).toBeLessThanOrEqual(2 * Math.max(M - 1, 0) * 2 ** -24 * abs);
        if (M === 1) expect(got[n]).toBe(data[n]);
      }
      x.dispose();
    }
  });

  it('rejects what it cannot sum, naming the problem', async () => {
    await useBackend(backend);
    expect(() => columnSum(tf.ones([4]) as unknown as tf.Tensor2D)).toThrow('columnSum: x must be 2-D, got [4]');
    expect(() => columnSum(tf.ones([2, 2], 'int32') as tf.Tensor2D)).toThrow('columnSum: x must be float32, got int32');
    expect(Array.from(await columnSum(tf.zeros([0, 3]) as tf.Tensor2D).data())).toEqual([0, 0, 0]);
  });
});

describe('columnSum on webgpu', () => {
  it('adds each column in row order in float32, bit for bit', async () => {
    await useBackend('webgpu');
    for (const [M, N] of SHAPES) {
      const data = values(M * N, M + 7 * N);
      const got = (await columnSum(tf.tensor2d(data, [M, N])).data()) as Float32Array;
      expect(Array.from(got), `[${M}, ${N}]`).toEqual(Array.from(rowOrderFloat32Sums(data, M, N)));
    }
  });

  it('is one dispatch (tf.sum over the rows is two: a transpose and a reduction)', async () => {
    await useBackend('webgpu');
    const x = tf.tensor2d(values(160 * 64, 3), [160, 64]);
    await x.data();
    const ours = await countDispatches(async () => (await columnSum(x).data()).length);
    const theirs = await countDispatches(async () => (await tf.sum(x, 0).data()).length);
    expect(ours.dispatches).toBe(1);
    expect(theirs.dispatches).toBe(2);
  });
});
