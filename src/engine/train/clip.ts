import { tf } from '../tf';

/** Added to the norm before dividing, as torch.nn.utils.clip_grad_norm_ does. */
export const CLIP_EPS = 1e-6;

/**
 * Scales gradients so their global L2 norm is at most maxNorm, as torch.nn.utils.clip_grad_norm_
 * does (coefficient maxNorm / (norm + 1e-6), clamped at 1). Returns the norm before clipping.
 * Stays on the device: no read-back.
 */
export function clipByGlobalNorm(grads: Map<string, tf.Tensor>, maxNorm: number): { clipped: Map<string, tf.Tensor>; norm: tf.Scalar } {
  const squares = [...grads.values()].map((g) => tf.sum(tf.square(g)));
  // Summed pairwise: tf.addN with 8 or more inputs is wrong on WebGPU (TF.js 4.22: past its 8-buffer limit it silently returns wrong sums).
  const norm = tf.sqrt(squares.reduce((acc, s) => tf.add(acc, s))) as tf.Scalar;
  const coef = tf.minimum(tf.div(maxNorm, tf.add(norm, CLIP_EPS)), 1);
  const clipped = new Map([...grads].map(([name, g]) => [name, tf.mul(g, coef)] as [string, tf.Tensor]));
  return { clipped, norm };
}
