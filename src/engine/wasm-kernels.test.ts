import { describe, expect, it } from 'vitest';
import { useBackend } from './test-support';
import { tf } from './tf';

describe('kernels registered for the wasm backend', () => {
  it('UnsortedSegmentSum sums rows by segment id, drops ids out of range, and is what gather backpropagates through', async () => {
    await useBackend('wasm');
    expect(tf.getBackend()).toBe('wasm');
    const x = tf.tensor2d([[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]]);
    const ids = tf.tensor1d([2, 0, 2, 5, -1], 'int32');
    expect(tf.unsortedSegmentSum(x, ids, 3).arraySync()).toEqual([[3, 4], [0, 0], [6, 8]]);

    // d/dW Σ (gather(W, ids) ⊙ G) = each row of G added into the row its id picked.
    const table = tf.variable(tf.tensor2d([[0, 0], [0, 0], [0, 0], [0, 0]]));
    const picks = tf.tensor1d([3, 1, 3], 'int32');
    const weights = tf.tensor2d([[1, -1], [2, 5], [0.5, 0.25]]);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(tf.gather(table, picks), weights)) as tf.Scalar, [table]);
    expect(grads[table.name].arraySync()).toEqual([[0, 0], [2, 5], [0, 0], [1.5, -0.75]]);
    tf.dispose([x, ids, table, picks, weights, ...Object.values(grads)]);
  });
});
