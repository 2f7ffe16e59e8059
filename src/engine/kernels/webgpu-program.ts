/**
 * Shared plumbing for the engine's hand-written WGSL kernels run through TF.js's WebGPU backend.
 *
 * How a TF.js WebGPU program is assembled (tfjs-backend-webgpu 4.22, webgpu_program.js):
 * - binding 0 is the output `result`, bindings 1.. are `variableNames` in order, the last binding is
 *   the uniform struct; storage bindings (inputs + output) must stay within
 *   maxStorageBuffersPerShaderStage (8 by default).
 * - The uniform struct always starts with NAN, INFINITY, then `<name>Shape` and `<name>ShapeStrides`
 *   for every input and `outShape`/`outShapeStrides`, then `size` (if `size: true`), then the
 *   program's own `uniforms` string, whose values are passed to runWebGPUProgram in the same order.
 * - Pipelines are cached by `shaderKey` plus input ranks and dtypes, NOT shapes: a shader must read
 *   sizes from uniforms, or put whatever it bakes in (divisibility, flags) into its shaderKey.
 * - Pipelines use layout 'auto': every input must be statically used by the entry point, or the
 *   bind group no longer matches the layout.
 * - `main()` (TF.js's header) is called by TF.js's `_start`, which sets the private globals
 *   localId, localIndex, globalId, workgroupId, numWorkgroups.
 */
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { tf } from '../tf';

export type { WebGPUBackend, WebGPUProgram };

/** One entry of a program's own uniforms, in the order of its `uniforms` declaration. */
export interface ProgramUniform {
  type: 'int32' | 'uint32' | 'float32';
  data: number[];
}

export const i32u = (v: number): ProgramUniform => ({ type: 'int32', data: [v] });
export const u32u = (v: number): ProgramUniform => ({ type: 'uint32', data: [v >>> 0] });
export const f32u = (v: number): ProgramUniform => ({ type: 'float32', data: [v] });

/** The active backend when it is TF.js's WebGPU backend, else undefined. */
export function webgpuBackend(): WebGPUBackend | undefined {
  return tf.getBackend() === 'webgpu' ? (tf.backend() as unknown as WebGPUBackend) : undefined;
}

/**
 * Whether the backend's device is SwiftShader, Chromium's and Dawn's CPU implementation of WebGPU
 * (no GPU): there a workgroup barrier switches every invocation of the workgroup, so kernels with
 * barriers take smaller workgroups (attention.ts, matmul-program.ts).
 */
export const isSwiftShader = (backend: WebGPUBackend): boolean =>
  (backend as unknown as { adapterInfo?: { architecture?: string } }).adapterInfo?.architecture === 'swiftshader';

/** Runs `program` on the WebGPU backend and wraps its output as a tensor (one dispatch). */
export function runProgram<T extends tf.Tensor = tf.Tensor>(program: WebGPUProgram, inputs: tf.TensorInfo[], uniforms: ProgramUniform[] = []): T {
  const info = webgpuBackend()!.runWebGPUProgram(program, inputs, 'float32', uniforms);
  return tf.engine().makeTensorFromTensorInfo(info) as T;
}

/**
 * GELU (tanh approximation, Hugging Face gelu_new) and its derivative. tanh is computed from
 * exp(-2|x|), as TF.js's own WebGPU tanh does: some platforms' builtin tanh overflows to NaN for
 * large |x|.
 */
export const GELU_WGSL = /* wgsl */ `
fn tanhStable(x: f32) -> f32 {
  let e = exp(-2.0 * abs(x));
  return sign(x) * (1.0 - e) / (1.0 + e);
}
fn geluTanh(x: f32) -> f32 {
  return 0.5 * x * (1.0 + tanhStable(0.7978845608028654 * (x + 0.044715 * x * x * x)));
}
fn geluTanhGrad(x: f32) -> f32 {
  let x2 = x * x;
  let t = tanhStable(0.7978845608028654 * (x + 0.044715 * x * x2));
  return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * 0.7978845608028654 * (1.0 + 0.134145 * x2);
}
fn geluTanh4(v: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(geluTanh(v.x), geluTanh(v.y), geluTanh(v.z), geluTanh(v.w));
}
fn geluTanhGrad4(v: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(geluTanhGrad(v.x), geluTanhGrad(v.y), geluTanhGrad(v.z), geluTanhGrad(v.w));
}
`;
