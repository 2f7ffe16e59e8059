/**
 * GPT-2's building blocks as composite TF.js ops (differentiable on every backend). Activations are
 * kept 2-D for matrix products: TF.js gives wrongly shaped weight gradients for [B,T,d] x [d,k].
 */
import { GELU_TANH, hasHostKernel, LAYER_NORM } from '../host-kernels';
import { tf } from '../tf';

/** y = x W + b for x [N, in], W [in, out] (Hugging Face Conv1D layout). */
export function linear(x: tf.Tensor2D, weight: tf.Tensor, bias?: tf.Tensor): tf.Tensor2D {
  const y = tf.matMul(x, weight) as tf.Tensor2D;
  return bias ? (tf.add(y, bias) as tf.Tensor2D) : y;
}

/**
 * LayerNorm over the last axis with biased variance, as torch.nn.LayerNorm: one kernel each way on
 * the wasm backend (host-kernels.ts), the composite ops below elsewhere.
 */
export function layerNorm(x: tf.Tensor2D, gain: tf.Tensor, bias: tf.Tensor, eps: number): tf.Tensor2D {
  if (hasHostKernel(LAYER_NORM)) return tf.engine().runKernel(LAYER_NORM, { x, gamma: gain, beta: bias }, { eps }) as tf.Tensor2D;
  return compositeLayerNorm(x, gain, bias, eps);
}

/** LayerNorm as composite TF.js ops (every backend; the reference of the kernels). */
export function compositeLayerNorm(x: tf.Tensor2D, gain: tf.Tensor, bias: tf.Tensor, eps: number): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, -1, true);
  const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
  return tf.add(tf.mul(normed, gain), bias);
}

const GELU_C = Math.sqrt(2 / Math.PI);

/** GELU, tanh approximation (Hugging Face's gelu_new): one kernel each way on wasm (host-kernels.ts). */
export function geluTanh(x: tf.Tensor2D): tf.Tensor2D {
  if (hasHostKernel(GELU_TANH)) return tf.engine().runKernel(GELU_TANH, { x }) as tf.Tensor2D;
  return compositeGeluTanh(x);
}

/**
 * GELU as composite TF.js ops. x³ is x·x·x: tf.pow's gradient goes through log|x| and a select,
 * several times slower on the CPU backends for the same value.
 */
export function compositeGeluTanh(x: tf.Tensor2D): tf.Tensor2D {
  const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), GELU_C);
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

/** Additive causal mask [T, T]: 0 where a query may see a key, a large negative number above the diagonal. */
export function causalMask(T: number): tf.Tensor2D {
  const values = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) values[i * T + j] = -1e9;
  return tf.tensor2d(values, [T, T]);
}

/** Mean softmax cross-entropy of logits [N, C] against class ids [N]. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  const logProbs = tf.logSoftmax(logits);
  const picked = tf.sum(tf.mul(logProbs, tf.oneHot(labels, logits.shape[1])), -1);
  return tf.neg(tf.mean(picked)) as tf.Scalar;
}
