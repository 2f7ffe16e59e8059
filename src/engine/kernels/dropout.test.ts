import { describe, expect, it } from 'vitest';
import { useBackend } from '../test-support';
import { tf } from '../tf';
import { countDispatches } from '../testing/dispatch-counter';
import { dropout } from './dropout';
import { dropoutFactors } from './dropout-mask';

describe.each(['cpu', 'webgpu'] as const)('GPU-side dropout on %s', (backend) => {
  it('applies the counter-based mask to values and gradients alike', async () => {
    await useBackend(backend);
    const x = tf.tensor2d(
      Float32Array.from({ length: 6 * 37 }, (_, i) => Math.sin(i) + 2),
      [6, 37],
    );
    const spec = { rate: 0.3, seed: 1234 };
    const factors = dropoutFactors(spec.seed, x.size, spec.rate);
    const y = (await dropout(x, spec).data()) as Float32Array;
    const xs = (await x.data()) as Float32Array;
    for (let i = 0; i < xs.length; i++) expect(y[i]).toBeCloseTo(xs[i] * factors[i], 5);
    expect(factors.filter((f) => f === 0).length).toBeGreaterThan(40); // about 30% of 222 dropped

    const weights = tf.tensor2d(
      Float32Array.from({ length: x.size }, (_, i) => (i % 5) - 2),
      x.shape,
    );
    const grad = (await tf
      .grad((t: tf.Tensor) => tf.sum(tf.mul(dropout(t, spec), weights)))(x)
      .data()) as Float32Array;
    const w = (await weights.data()) as Float32Array;
    for (let i = 0; i < xs.length; i++) expect(grad[i]).toBeCloseTo(w[i] * factors[i], 5);
  });
});

describe('GPU-side dropout on webgpu', () => {
  it('is one dispatch, with no mask uploaded', async () => {
    await useBackend('webgpu');
    const x = tf.ones([64, 64]);
    await x.data();
    const { dispatches } = await countDispatches(async () => (await dropout(x, { rate: 0.1, seed: 9 }).data()).length);
    expect(dispatches).toBe(1);
  });
});
