/**
 * Frozen weights as packed fp16: two binary16 values per int32 element, decoded in WGSL with the core
 * builtin unpack2x16float (no shader-f16 feature needed). Half the GPU memory of float32.
 *
 * Layout: row-major [rows, cols], each row padded with zeros to a multiple of 4 values, so a row is
 * `rowStride = ceil(cols / 4) * 2` int32 elements and any aligned group of 4 values is one
 * vec2<i32> load. Value (r, c) sits in int32 element r * rowStride + floor(c / 2), in the low 16
 * bits when c is even (unpack2x16float's first component). GPT-2's widths (768, 2304, 3072) need no
 * padding; the matmul kernel relies on the padding being zero when it reads along a padded row.
 */
import { float16LookupTable as float16Table, float32ToFloat16Bits, hostIsLittleEndian } from '../../weights/float16';
import { tf } from '../tf';
import type { WebGPUBackend, WebGPUProgram } from './webgpu-program';

/**
 * The binary16 bits of `values` when every value survives float32 → float16 (nearest even) →
 * float32 unchanged (NaN stays NaN), else null: one pass both checks and converts.
 */
export function exactFp16Bits(values: Float32Array): Uint16Array | null {
  const table = float16Table();
  const bits = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    bits[i] = float32ToFloat16Bits(v);
    const back = table[bits[i]];
    if (back !== v && !(Number.isNaN(v) && Number.isNaN(back))) return null;
  }
  return bits;
}

export const isExactlyFp16 = (values: Float32Array): boolean => exactFp16Bits(values) !== null;

export const packedRowStride = (cols: number): number => Math.ceil(cols / 4) * 2;

function packBits(bits: Uint16Array, rows: number, cols: number): Int32Array {
  if (bits.length !== rows * cols) throw new Error(`packed fp16: ${bits.length} values for [${rows}, ${cols}]`);
  const stride = packedRowStride(cols);
  const halves = new Uint16Array(rows * stride * 2);
  if (stride * 2 === cols) halves.set(bits);
  else for (let r = 0; r < rows; r++) halves.set(bits.subarray(r * cols, (r + 1) * cols), r * stride * 2);
  if (hostIsLittleEndian) return new Int32Array(halves.buffer);
  const out = new Int32Array(rows * stride);
  for (let i = 0; i < out.length; i++) out[i] = halves[2 * i] | (halves[2 * i + 1] << 16);
  return out;
}

const UNPACK_KERNEL = 'FptUnpackFp16';

class UnpackFp16Program implements WebGPUProgram {
  variableNames = ['packed'];
  outputShape: number[];
  shaderKey = 'fptUnpackFp16';
  dispatchLayout = { x: [0, 1] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;

  constructor(rows: number, cols: number) {
    this.outputShape = [rows, cols];
    this.dispatch = [Math.ceil((rows * cols) / 64), 1, 1];
  }

  getUserCode(): string {
    return /* wgsl */ `
      fn main(index: i32) {
        if (index >= uniforms.size) { return; }
        let cols = uniforms.outShape.y;
        let r = index / cols;
        let c = index - r * cols;
        let pair = unpack2x16float(bitcast<u32>(packed[r * uniforms.packedShape.y + c / 2]));
        result[index] = select(pair.x, pair.y, (c & 1) == 1);
      }
    `;
  }
}

/** The packed values as float32 [rows, cols] on webgpu (registered by registerKernels, index.ts). */
export const unpackFp16Kernel: tf.KernelConfig = {
  kernelName: UNPACK_KERNEL,
  backendName: 'webgpu',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { rows, cols } = attrs as { rows: number; cols: number };
    return (backend as WebGPUBackend).runWebGPUProgram(new UnpackFp16Program(rows, cols), [inputs.packed as tf.TensorInfo], 'float32');
  },
};

export class PackedFp16Matrix {
  readonly rows: number;
  readonly cols: number;
  /** int32 elements per stored row (cols padded to a multiple of 4 values, two values per element). */
  readonly rowStride: number;
  /** int32 [rows, rowStride]. */
  readonly packed: tf.Tensor2D;
  private dense: tf.Tensor2D | null = null;

  /**
   * Packs [rows, cols] row-major values: a Float32Array is rounded to the nearest fp16 (ties to
   * even); a Uint16Array is taken as raw binary16 bit patterns (e.g. an F16 safetensors shard).
   */
  constructor(values: Float32Array | Uint16Array, rows: number, cols: number) {
    let bits: Uint16Array;
    if (values instanceof Uint16Array) bits = values;
    else {
      bits = new Uint16Array(values.length);
      for (let i = 0; i < values.length; i++) bits[i] = float32ToFloat16Bits(values[i]);
    }
    this.rows = rows;
    this.cols = cols;
    this.rowStride = packedRowStride(cols);
    this.packed = tf.tensor2d(packBits(bits, rows, cols), [rows, this.rowStride], 'int32');
  }

  /** Bytes the packed tensor occupies (2 per value plus row padding). */
  get bytes(): number {
    return this.rows * this.rowStride * 4;
  }

  /**
   * The values as a float32 tensor [rows, cols], for backends without the packed kernel. Made once
   * and cached (it costs the full float32 memory); disposed with the matrix.
   */
  toFloat32(): tf.Tensor2D {
    if (this.dense === null || this.dense.isDisposed) {
      this.dense = tf.tidy(() => {
        if (tf.getBackend() === 'webgpu') {
          return tf.engine().runKernel(UNPACK_KERNEL, { packed: this.packed }, { rows: this.rows, cols: this.cols }) as tf.Tensor2D;
        }
        const words = this.packed.dataSync() as Int32Array;
        const table = float16Table();
        const out = new Float32Array(this.rows * this.cols);
        for (let r = 0; r < this.rows; r++) {
          for (let c = 0; c < this.cols; c++) {
            const w = words[r * this.rowStride + (c >> 1)];
            out[r * this.cols + c] = table[(c & 1 ? w >>> 16 : w) & 0xffff];
          }
        }
        return tf.tensor2d(out, [this.rows, this.cols]);
      });
      // Survives the caller's tidy: the cache is owned by this matrix.
      tf.keep(this.dense);
    }
    return this.dense;
  }

  dispose(): void {
    this.packed.dispose();
    this.dense?.dispose();
    this.dense = null;
  }
}
