/**
 * Kernels that TF.js's wasm backend (4.22) lacks for the engine's training step, registered for
 * 'wasm' before it starts, and one it has but runs slowly. The parity test (parity.test.ts) and
 * wasm-kernels.test.ts run them.
 *
 * UnsortedSegmentSum: the gradient of tf.gather (the token embeddings' backward pass, for the
 * embedding input adapter and the language model's tied token table). For x [N, ...inner] and
 * segment ids s [N] (or any leading shape of x), out [numSegments, ...inner] with
 *   out[k, :] = Σ_{i : s[i] = k} x[i, :]
 * Ids outside [0, numSegments) are dropped, as in TensorFlow. Runs in JavaScript on the wasm heap's
 * float32 views (one pass over x; no copies besides the output).
 */
import { tf } from './tf';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };
type Kernel = (args: KernelArgs) => tf.TensorInfo;

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

function unsortedSegmentSum(args: KernelArgs): tf.TensorInfo {
  const { x, segmentIds } = args.inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const numSegments = (args.attrs as { numSegments: number }).numSegments;
  const backend = args.backend as WasmBackendLike;
  const lead = segmentIds.shape.length;
  const inner = x.shape.slice(lead).reduce((a, b) => a * b, 1);
  const rows = segmentIds.shape.reduce((a, b) => a * b, 1);
  if (x.shape.slice(0, lead).some((n, i) => n !== segmentIds.shape[i])) {
    throw new Error(`UnsortedSegmentSum: segment ids of shape [${segmentIds.shape}] do not lead x of shape [${x.shape}]`);
  }
  const out = backend.makeOutput([numSegments, ...x.shape.slice(lead)], x.dtype);
  const values = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  const sums = backend.typedArrayFromHeap(out);
  sums.fill(0);
  for (let i = 0; i < rows; i++) {
    const k = ids[i];
    if (k < 0 || k >= numSegments) continue;
    const src = i * inner;
    const dst = k * inner;
    for (let j = 0; j < inner; j++) sums[dst + j] += values[src + j];
  }
  return out;
}


/**
 * BatchMatMul with a transposed operand: the wasm backend's own kernel multiplies A·B through XNNPACK
 * only when neither operand is transposed, and falls back to a strided loop about six times slower
 * otherwise (every weight gradient is Aᵀ·G, every input gradient G·Bᵀ). Transposing the operand first
 * with the backend's own Transpose (one linear pass) and then multiplying untransposed gives the same
 * product with the fast path: C = op(A)·op(B) = A'·B' with A' = Aᵀ materialised when transposeA.
 */
function untransposedBatchMatMul(batchMatMul: Kernel, transpose: Kernel): Kernel {
  return (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return batchMatMul(args);
    const swapLast = (t: tf.TensorInfo) => {
      const perm = t.shape.map((_, i) => i);
      [perm[perm.length - 2], perm[perm.length - 1]] = [perm[perm.length - 1], perm[perm.length - 2]];
      return transpose({ inputs: { x: t }, attrs: { perm }, backend: args.backend });
    };
    const a2 = transposeA ? swapLast(a) : a;
    const b2 = transposeB ? swapLast(b) : b;
    const out = batchMatMul({ ...args, inputs: { ...args.inputs, a: a2, b: b2 }, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
    const backend = args.backend as { disposeData(id: object): void };
    if (a2 !== a) backend.disposeData(a2.dataId);
    if (b2 !== b) backend.disposeData(b2.dataId);
    return out;
  };
}

let registered = false;

export function registerMissingWasmKernels(): void {
  if (registered) return;
  registered = true;
  const matmul = tf.getKernel('BatchMatMul', 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (matmul && transpose) {
    tf.unregisterKernel('BatchMatMul', 'wasm');
    tf.registerKernel({ ...matmul, kernelFunc: untransposedBatchMatMul(matmul.kernelFunc as unknown as Kernel, transpose.kernelFunc as unknown as Kernel) as unknown as tf.KernelFunc });
  }
  if (!tf.getKernel('UnsortedSegmentSum', 'wasm')) {
    tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: unsortedSegmentSum as unknown as tf.KernelFunc });
  }
}
