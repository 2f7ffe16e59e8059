import { describe, expect, it } from 'vitest';
import { useBackend } from './test-support';
import { tf } from './tf';

describe('kernels registered for the wasm backend', () => {
  it('UnsortedSegmentSum sums rows by segment id, drops ids out of range, and is what gather backpropagates through', async () => {
    await useBackend('wasm');
    expect(tf.getBackend()).toBe('wasm');
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
      [9, 10],
    ]);
    const ids = tf.tensor1d([2, 0, 2, 5, -1], 'int32');
    expect(tf.unsortedSegmentSum(x, ids, 3).arraySync()).toEqual([
      [3, 4],
      [0, 0],
      [6, 8],
    ]);

    // d/dW Σ (gather(W, ids) ⊙ G) = each row of G added into the row its id picked.
    const table = tf.variable(
      tf.tensor2d([
        [0, 0],
        [0, 0],
        [0, 0],
        [0, 0],
      ]),
    );
    const picks = tf.tensor1d([3, 1, 3], 'int32');
    const weights = tf.tensor2d([
      [1, -1],
      [2, 5],
      [0.5, 0.25],
    ]);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(tf.gather(table, picks), weights)) as tf.Scalar, [table]);
    expect(grads[table.name].arraySync()).toEqual([
      [0, 0],
      [2, 5],
      [0, 0],
      [1.5, -0.75],
    ]);
    tf.dispose([x, ids, table, picks, weights, ...Object.values(grads)]);
  });

  it('BatchMatMul, transposed or not, small or sliced per batch, gives the exact products (rank 2 and batched rank 4)', async () => {
    await useBackend('wasm');
    // Small integers: every product and sum is exact in float32, so the comparison is exact.
    const values = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => ((i * 7 + seed * 13) % 11) - 5);
    const reference = (a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number, ta: boolean, tb: boolean) => {
      const out = new Float32Array(batch * m * n);
      for (let z = 0; z < batch; z++)
        for (let i = 0; i < m; i++)
          for (let j = 0; j < n; j++) {
            let sum = 0;
            for (let p = 0; p < k; p++) {
              const av = ta ? a[z * k * m + p * m + i] : a[z * m * k + i * k + p];
              const bv = tb ? b[z * n * k + j * k + p] : b[z * k * n + p * n + j];
              sum += av * bv;
            }
            out[z * m * n + i * n + j] = sum;
          }
      return Array.from(out);
    };
    // 5×7×3 runs the backend's batched loop; 40×32×30 (≥ 2^15 multiply-adds a product) the
    // per-slice XNNPACK path, which must leave no data behind on the backend.
    for (const [ta, tb, m, k, n] of [
      [true, false, 5, 7, 3],
      [false, true, 5, 7, 3],
      [true, true, 5, 7, 3],
      [false, false, 5, 7, 3],
      [false, false, 40, 32, 30],
      [false, true, 40, 32, 30],
      [true, false, 40, 32, 30],
    ] as const) {
      const dataIds = tf.engine().backend.numDataIds();
      const a2 = values(m * k, 1);
      const b2 = values(k * n, 2);
      const a = tf.tensor(a2, ta ? [k, m] : [m, k]);
      const b = tf.tensor(b2, tb ? [n, k] : [k, n]);
      expect(Array.from(tf.tidy(() => tf.matMul(a, b, ta, tb).dataSync())), `rank 2 ${ta} ${tb}`).toEqual(reference(a2, b2, 1, m, k, n, ta, tb));
      const a4 = values(6 * m * k, 3);
      const b4 = values(6 * k * n, 4);
      const A = tf.tensor(a4, ta ? [2, 3, k, m] : [2, 3, m, k]);
      const B = tf.tensor(b4, tb ? [2, 3, n, k] : [2, 3, k, n]);
      const C = tf.matMul(A, B, ta, tb);
      expect(C.shape).toEqual([2, 3, m, n]);
      expect(Array.from(C.dataSync()), `rank 4 ${ta} ${tb}`).toEqual(reference(a4, b4, 6, m, k, n, ta, tb));
      tf.dispose([a, b, A, B, C]);
      expect(tf.engine().backend.numDataIds(), `data left on the backend, ${m}×${k}×${n} ${ta} ${tb}`).toBe(dataIds);
    }
  });
});
