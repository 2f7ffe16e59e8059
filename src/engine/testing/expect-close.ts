/** Test helper for the kernels' tests: float32 agreement relative to the data's scale. */
import { expect } from 'vitest';
import type { tf } from '../tf';

/** Max |a - e| must stay within tol · max(1, max |e|), and be finite. */
export async function expectClose(actual: tf.Tensor, expected: tf.Tensor, tol = 1e-5): Promise<void> {
  expect(actual.shape).toEqual(expected.shape);
  const [a, e] = await Promise.all([actual.data(), expected.data()]);
  let scale = 1;
  for (const v of e) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < e.length; i++) worst = Math.max(worst, Math.abs(a[i] - e[i]));
  expect(Number.isFinite(worst), 'finite').toBe(true);
  expect(worst / scale).toBeLessThanOrEqual(tol);
}
