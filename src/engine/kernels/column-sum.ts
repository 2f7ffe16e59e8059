/**
 * Column sums of a 2-D tensor, one dispatch on WebGPU:
 *
 *   out[n] = Σ_{m=0}^{M-1} x[m, n]        x [M, N] → out [N]
 *
 * the bias gradients of the fused body (dBias = Σ_rows dY for y = x·W + bias, in matmul.ts's
 * linearFused and the GPT-2 block's backward pass, ../fused/gpt2-block.ts).
 *
 * Kernel: one invocation per column, looping over the M rows in order (m = 0, 1, …) with a single
 * float32 accumulator; 64 invocations (64 adjacent columns) per workgroup. No workgroup memory and
 * no barriers. Why not tf.sum(x, 0): on WebGPU TF.js transposes x first and then tree-reduces each
 * row inside a workgroup, with a barrier per level: two dispatches, and on a CPU-emulated GPU
 * (SwiftShader, which runs a workgroup's invocations as fibres) the barriers dominate; a bias
 * gradient of a [160, 64] dY took ~30 ms there (ms each in scripts/profile-step.ts). Here the
 * adjacent invocations of a workgroup read adjacent addresses of the same row at each step, so on
 * a real GPU the loads are coalesced; with N columns there are only N invocations, fine for the
 * block's widths (64 to 3072) with a few thousand rows.
 *
 * Rounding: the sum runs in row order, as the cpu backend's tf.sum does (so on cpu the two agree
 * exactly); TF.js's WebGPU reduction adds in a tree order, so the two differ there by float32
 * reduction-order rounding (error bound ~M·ε·Σ|x| here against ~log2(M)·ε·Σ|x|, the same scale
 * as the float32 products around it for the row counts of a training batch).
 *
 * On other backends columnSum is tf.sum(x, 0). Not differentiable (it is used inside gradients).
 * The kernel, FptColumnSum, is registered by registerKernels (index.ts).
 */
import { tf } from '../tf';
import { webgpuBackend, type WebGPUBackend, type WebGPUProgram } from './webgpu-program';

const COLUMN_SUM_KERNEL = 'FptColumnSum';
const WORKGROUP = 64;

class ColumnSumProgram implements WebGPUProgram {
  variableNames = ['x'];
  outputShape: number[];
  shaderKey = 'fptColumnSum';
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  size = true;

  constructor(columns: number) {
    this.outputShape = [columns];
    this.dispatch = [Math.ceil(columns / WORKGROUP), 1, 1];
  }

  getUserCode(): string {
    return /* wgsl */ `
      fn main(index: i32) {
        if (index >= uniforms.size) { return; }
        let rows = uniforms.xShape.x;
        let cols = uniforms.xShape.y;
        var acc = 0.0;
        for (var m = 0; m < rows; m++) {
          acc += x[m * cols + index];
        }
        result[index] = acc;
      }
    `;
  }
}

/** FptColumnSum on webgpu: input x [M, N] float32 → [N]. */
export const columnSumKernel: tf.KernelConfig = {
  kernelName: COLUMN_SUM_KERNEL,
  backendName: 'webgpu',
  kernelFunc: ({ inputs, backend }) => {
    const x = inputs.x as tf.TensorInfo;
    return (backend as WebGPUBackend).runWebGPUProgram(new ColumnSumProgram(x.shape[1]), [x], 'float32');
  },
};

/** Σ over the rows of x [M, N]: [N]. One dispatch on WebGPU (FptColumnSum), tf.sum(x, 0) elsewhere. */
export function columnSum(x: tf.Tensor2D): tf.Tensor1D {
  if (x.rank !== 2) throw new Error(`columnSum: x must be 2-D, got [${x.shape}]`);
  if (x.dtype !== 'float32') throw new Error(`columnSum: x must be float32, got ${x.dtype}`);
  if (!webgpuBackend()) return tf.sum(x, 0);
  // TF.js's WebGPU backend cannot upload an empty tensor: no rows (or no columns) sum to zeros.
  if (x.size === 0) return tf.zeros([x.shape[1]]);
  return tf.engine().runKernel(COLUMN_SUM_KERNEL, { x }) as tf.Tensor1D;
}
