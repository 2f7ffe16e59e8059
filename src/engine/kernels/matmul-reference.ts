/**
 * The fused matrix product (matmul.ts) as composite TF.js ops: what the WebGPU kernel is tested
 * against, and what every other backend runs. Same masks as the kernel (dropout-mask.ts).
 */
import { geluTanh } from '../ops/layers';
import { tf } from '../tf';
import { dropoutFactors, type DropoutSpec } from './dropout-mask';
import { dropRate, matmulDims, type MatmulOptions } from './matmul-options';
import { PackedFp16Matrix } from './packed-fp16';

/** gelu_new'(x) with composite ops. */
export function geluTanhGrad(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const c = Math.sqrt(2 / Math.PI);
    const x2 = tf.square(x);
    const t = tf.tanh(tf.mul(tf.add(x, tf.mul(tf.mul(x2, x), 0.044715)), c));
    const left = tf.mul(tf.add(t, 1), 0.5);
    const right = tf.mul(tf.mul(tf.mul(x, 0.5), tf.sub(1, tf.square(t))), tf.mul(tf.add(tf.mul(x2, 3 * 0.044715), 1), c));
    return tf.add(left, right);
  });
}

function dropoutMask(d: DropoutSpec, shape: [number, number]): tf.Tensor2D {
  return tf.tensor2d(dropoutFactors(d.seed, shape[0] * shape[1], d.rate), shape);
}

/** The same function with composite TF.js ops: the reference, and the path on backends without the kernel. */
export function matmulComposite(a: tf.Tensor2D, b: tf.Tensor2D | PackedFp16Matrix, opts: MatmulOptions = {}): tf.Tensor2D {
  const [M, , N] = matmulDims(a, b, opts);
  return tf.tidy(() => {
    let x: tf.Tensor2D = a;
    if (dropRate(opts.preA?.dropout) > 0) x = tf.mul(x, dropoutMask(opts.preA!.dropout!, a.shape));
    if (opts.preA?.gelu) x = geluTanh(x);
    const bDense = b instanceof PackedFp16Matrix ? b.toFloat32() : b;
    let y: tf.Tensor2D = tf.matMul(x, bDense, opts.transposeA, opts.transposeB);
    if (opts.bias) y = tf.add(y, opts.bias);
    if (opts.activation === 'gelu') y = geluTanh(y);
    if (opts.geluGradOf) y = tf.mul(y, geluTanhGrad(opts.geluGradOf));
    if (dropRate(opts.dropout) > 0) y = tf.mul(y, dropoutMask(opts.dropout!, [M, N]));
    if (opts.residual) y = tf.add(y, opts.residual);
    return y;
  });
}
