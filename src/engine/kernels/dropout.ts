/**
 * Dropout whose mask is drawn on the GPU from a counter-based hash (dropout-mask.ts): one dispatch,
 * nothing uploaded, and the backward pass recomputes the same mask from the seed instead of keeping it.
 * TF.js's tf.dropout draws its mask on the CPU and uploads it (seconds per step at GPT-2 size).
 */
import { tf } from '../tf';
import { DROPOUT_WGSL, dropoutFactors, dropoutUniformValues, type DropoutSpec } from './dropout-mask';
import { f32u, runProgram, u32u, webgpuBackend, type WebGPUProgram } from './webgpu-program';

class DropoutProgram implements WebGPUProgram {
  variableNames = ['x'];
  outputShape: number[];
  shaderKey = 'fpt_dropout';
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [256, 1, 1];
  uniforms = 'seed: u32, threshold: u32, scale: f32,';
  size = true;

  constructor(shape: number[]) {
    this.outputShape = shape;
    this.dispatchLayout = { x: shape.map((_, i) => i) };
    const n = shape.reduce((a, b) => a * b, 1);
    this.dispatch = [Math.ceil(n / 256), 1, 1];
  }

  getUserCode(): string {
    return `
      ${DROPOUT_WGSL}
      fn main(index: i32) {
        if (index < uniforms.size) {
          setOutputAtIndex(index, x[index] * dropoutFactor(uniforms.seed, u32(index), uniforms.threshold, uniforms.scale));
        }
      }`;
  }
}

/** x with the mask for `spec` applied (0 or 1/(1-rate) per element). Not differentiable by itself. */
export function applyDropoutMask<T extends tf.Tensor>(x: T, spec: DropoutSpec): T {
  if (spec.rate === 0) return tf.clone(x);
  if (!webgpuBackend()) return tf.mul(x, tf.tensor(dropoutFactors(spec.seed, x.size, spec.rate), x.shape)) as T;
  const { seed, threshold, scale } = dropoutUniformValues(spec);
  return runProgram<T>(new DropoutProgram(x.shape), [x], [u32u(seed), u32u(threshold), f32u(scale)]);
}

/** Differentiable dropout: the gradient passes through the same mask. */
export function dropout<T extends tf.Tensor>(x: T, spec: DropoutSpec): T {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: applyDropoutMask(args[0] as tf.Tensor, spec),
    gradFunc: (dy: tf.Tensor) => applyDropoutMask(dy, spec),
  }));
  return op(x) as T;
}
