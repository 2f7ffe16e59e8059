/**
 * The fused matrix product's operands and options (matmul.ts), and their validation, shared by the
 * WebGPU kernel's caller and the composite reference:
 *
 *   out = residual + dropout_out( act( op(preA(a)) · op(b) + bias ) ⊙ gelu'(geluGradOf) )
 */
import type { tf } from '../tf';
import { dropoutThreshold, type DropoutSpec } from './dropout-mask';
import { PackedFp16Matrix } from './packed-fp16';

export interface MatmulOptions {
  transposeA?: boolean;
  transposeB?: boolean;
  /** Applied to each element of `a` as loaded: dropout (index = row·cols + col of `a` as stored), then GELU. */
  preA?: { dropout?: DropoutSpec; gelu?: boolean };
  /** [N], added to every row. */
  bias?: tf.Tensor1D;
  /** GELU, tanh approximation (Hugging Face gelu_new). */
  activation?: 'gelu';
  /** [M, N]: the result is multiplied by gelu_new'(geluGradOf). */
  geluGradOf?: tf.Tensor2D;
  /** Dropout on the result, index = row·N + col. */
  dropout?: DropoutSpec;
  /** [M, N], added last. */
  residual?: tf.Tensor2D;
}

/** The rate of an optional dropout, validated; 0 when there is none. */
export const dropRate = (d?: DropoutSpec): number => {
  if (!d || d.rate === 0) return 0;
  dropoutThreshold(d.rate); // validates the rate
  return d.rate;
};

function checkShape(name: string, t: tf.Tensor, shape: number[]): void {
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`matmul: ${name} has shape [${t.shape}], expected [${shape}]`);
  }
  if (t.dtype !== 'float32') throw new Error(`matmul: ${name} must be float32, got ${t.dtype}`);
}

/** [M, K, N] of op(a) · op(b), validating every operand. */
export function matmulDims(a: tf.Tensor2D, b: tf.Tensor2D | PackedFp16Matrix, opts: MatmulOptions): [number, number, number] {
  if (a.rank !== 2) throw new Error(`matmul: a must be 2-D, got [${a.shape}]`);
  const [M, K] = opts.transposeA ? [a.shape[1], a.shape[0]] : a.shape;
  const bShape = b instanceof PackedFp16Matrix ? [b.rows, b.cols] : b.shape;
  if (!(b instanceof PackedFp16Matrix) && b.rank !== 2) throw new Error(`matmul: b must be 2-D, got [${b.shape}]`);
  const [Kb, N] = opts.transposeB ? [bShape[1], bShape[0]] : bShape;
  if (K !== Kb) throw new Error(`matmul: inner dimensions differ: op(a) is [${M}, ${K}], op(b) is [${Kb}, ${N}]`);
  checkShape('a', a, a.shape);
  if (!(b instanceof PackedFp16Matrix)) checkShape('b', b, b.shape);
  if (opts.bias) checkShape('bias', opts.bias, [N]);
  if (opts.geluGradOf) checkShape('geluGradOf', opts.geluGradOf, [M, N]);
  if (opts.residual) checkShape('residual', opts.residual, [M, N]);
  return [M, K, N];
}
