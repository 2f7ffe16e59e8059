/**
 * Fused matrix product for the GPT-2 block, one dispatch on WebGPU:
 *
 *   out = residual + dropout_out( act( op(preA(a)) · op(b) + bias ) ⊙ gelu'(geluGradOf) )
 *
 * op is an optional transpose; preA applies dropout and then GELU to each element of `a` as it is
 * loaded. b may be a PackedFp16Matrix (frozen weights). On WebGPU this runs the registered kernel
 * FptFusedMatmul (matmul-program.ts: the shader and its tiling); on other backends the composite
 * TF.js ops of matmul-reference.ts. linearFused makes it differentiable.
 */
import { tf } from '../tf';
import { columnSum } from './column-sum';
import type { DropoutSpec } from './dropout-mask';
import { FUSED_MATMUL_KERNEL, type MatmulKernelAttrs } from './matmul-program';
import { dropRate, matmulDims, type MatmulOptions } from './matmul-options';
import { matmulComposite } from './matmul-reference';
import { PackedFp16Matrix } from './packed-fp16';
import { webgpuBackend } from './webgpu-program';

export type { MatmulOptions } from './matmul-options';
export { matmulComposite } from './matmul-reference';

/**
 * out = residual + dropout( act( op(preA(a)) · op(b) + bias ) ⊙ gelu'(geluGradOf) ); one GPU
 * dispatch on WebGPU, composite ops elsewhere. Not differentiable by itself (see linearFused).
 */
export function matmul(a: tf.Tensor2D, b: tf.Tensor2D | PackedFp16Matrix, opts: MatmulOptions = {}): tf.Tensor2D {
  if (!webgpuBackend()) return matmulComposite(a, b, opts);
  if (opts.activation !== undefined && opts.activation !== 'gelu') throw new Error(`matmul: unknown activation ${opts.activation}`);
  const [M, K, N] = matmulDims(a, b, opts);
  const packed = b instanceof PackedFp16Matrix;
  const inputs: tf.NamedTensorMap = { a, b: packed ? b.packed : b };
  if (opts.bias) inputs.bias = opts.bias;
  if (opts.geluGradOf) inputs.geluGradOf = opts.geluGradOf;
  if (opts.residual) inputs.residual = opts.residual;
  const attrs: MatmulKernelAttrs = {
    transposeA: !!opts.transposeA,
    transposeB: !!opts.transposeB,
    packedB: packed,
    bRowStride: packed ? b.rowStride : 0,
    M,
    N,
    K,
    preGelu: !!opts.preA?.gelu,
    preDropRate: dropRate(opts.preA?.dropout),
    preDropSeed: opts.preA?.dropout?.seed ?? 0,
    gelu: opts.activation === 'gelu',
    dropRate: dropRate(opts.dropout),
    dropSeed: opts.dropout?.seed ?? 0,
  };
  return tf.engine().runKernel(FUSED_MATMUL_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor2D;
}

export interface LinearFusedOptions {
  /** GELU on x before the product (its gradient is fused into the dX product as geluGradOf). */
  inputGelu?: boolean;
  /** Dropout on x before the product (the dX product re-applies the same mask as its output dropout). */
  inputDropout?: DropoutSpec;
}

/**
 * y = f(x) · W + bias with f = GELU or dropout (or identity), differentiable through tf.customGrad;
 * forward and both gradient products are the fused kernel:
 *   dX = (dY · Wᵀ) ⊙ f'(x)  (transposeB, f' as geluGradOf or the same dropout mask),
 *   dW = f(x)ᵀ · dY          (transposeA, f as preA),  dBias = column sums of dY (column-sum.ts).
 * A PackedFp16Matrix W is frozen: no gradient for it, and dX multiplies by the packed Wᵀ directly.
 */
export function linearFused(x: tf.Tensor2D, weight: tf.Tensor2D | PackedFp16Matrix, bias?: tf.Tensor1D, opts: LinearFusedOptions = {}): tf.Tensor2D {
  const drop = dropRate(opts.inputDropout) > 0 ? opts.inputDropout : undefined;
  if (drop && opts.inputGelu) throw new Error('linearFused: inputGelu and inputDropout together are not supported');
  const preA = { gelu: opts.inputGelu, dropout: drop };
  const frozen = weight instanceof PackedFp16Matrix;
  const inputs: tf.Tensor[] = [x];
  if (!frozen) inputs.push(weight);
  if (bias) inputs.push(bias);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const xIn = args[0] as tf.Tensor2D;
    const w = frozen ? weight : (args[1] as tf.Tensor2D);
    const b = bias ? (args[frozen ? 1 : 2] as tf.Tensor1D) : undefined;
    save(frozen ? [xIn] : [xIn, w as tf.Tensor2D]);
    return {
      value: matmul(xIn, w, { bias: b, preA }),
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const xs = saved[0] as tf.Tensor2D;
        const ws = frozen ? weight : (saved[1] as tf.Tensor2D);
        const grads: tf.Tensor[] = [matmul(dy, ws, { transposeB: true, geluGradOf: opts.inputGelu ? xs : undefined, dropout: drop })];
        if (!frozen) grads.push(matmul(xs, dy, { transposeA: true, preA }));
        if (bias) grads.push(columnSum(dy));
        return grads;
      },
    };
  });
  return f(...inputs) as tf.Tensor2D;
}
