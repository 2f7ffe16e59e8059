/**
 * Kernels that TF.js's wasm backend (4.22) lacks for the engine's training step, registered for
 * 'wasm' before it starts, and one it has but runs slowly; registerMissingWasmKernels also registers
 * host-kernels.ts's layer norm, GELU and attention kernels. The parity test (parity.test.ts),
 * wasm-kernels.test.ts and host-kernels.test.ts run them.
 *
 * UnsortedSegmentSum: the gradient of tf.gather (the token embeddings' backward pass, for the
 * embedding input adapter and the language model's tied token table). For x [N, ...inner] and
 * segment ids s [N] (or any leading shape of x), out [numSegments, ...inner] with
 *   out[k, :] = Σ_{i : s[i] = k} x[i, :]
 * Ids outside [0, numSegments) are dropped, as in TensorFlow. Runs in JavaScript on the wasm heap's
 * float32 views (one pass over x; no copies besides the output).
 */
import { registerHostKernels } from './host-kernels';
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
function untransposedBatchMatMul(transpose: Kernel, perSlice: Kernel): Kernel {
  return (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return perSlice(args);
    const swapLast = (t: tf.TensorInfo) => {
      const perm = t.shape.map((_, i) => i);
      [perm[perm.length - 2], perm[perm.length - 1]] = [perm[perm.length - 1], perm[perm.length - 2]];
      return transpose({ inputs: { x: t }, attrs: { perm }, backend: args.backend });
    };
    const a2 = transposeA ? swapLast(a) : a;
    const b2 = transposeB ? swapLast(b) : b;
    const out = perSlice({ ...args, inputs: { ...args.inputs, a: a2, b: b2 }, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
    const backend = args.backend as { disposeData(id: object): void };
    if (a2 !== a) backend.disposeData(a2.dataId);
    if (b2 !== b) backend.disposeData(b2.dataId);
    return out;
  };
}

/**
 * Batched A·B (batch > 1, e.g. attention's [B, H, T, T]·[B, H, T, d]): the wasm kernel takes XNNPACK
 * only for a batch of one and otherwise runs its own loop, measured about 20× slower per
 * multiply-add on ListOps' T = 512. Where each product is large enough for that to matter
 * (M·K·N ≥ PER_SLICE_MIN_WORK) and neither operand broadcasts, the batch is cut into slices
 * (the backend's Slice), each multiplied by XNNPACK, and joined (Concat):
 *   C[i] = A[i]·B[i] for i < batch,  C = concat_0(C[0], …, C[batch−1])
 * Smaller products keep the loop, whose per-call cost is lower than a slice, multiply and join.
 */
const PER_SLICE_MIN_WORK = 1 << 15;

function slicedBatchMatMul(batchMatMul: Kernel, slice: Kernel, concat: Kernel, reshape: Kernel): Kernel {
  return (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const batchA = a.shape.slice(0, -2).reduce((x, y) => x * y, 1);
    const batchB = b.shape.slice(0, -2).reduce((x, y) => x * y, 1);
    const [M, K] = a.shape.slice(-2);
    const N = b.shape[b.shape.length - 1];
    const sameBatch = a.shape.length === b.shape.length && a.shape.slice(0, -2).every((n, i) => n === b.shape[i]);
    if (transposeA || transposeB || batchA <= 1 || batchA !== batchB || !sameBatch || M * K * N < PER_SLICE_MIN_WORK) return batchMatMul(args);
    const backend = args.backend as { disposeData(id: object): void };
    const call = (kernel: Kernel, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap) => kernel({ inputs, attrs, backend: args.backend });
    const a3 = call(reshape, { x: a }, { shape: [batchA, M, K] });
    const b3 = call(reshape, { x: b }, { shape: [batchA, K, N] });
    const parts: tf.TensorInfo[] = [];
    for (let i = 0; i < batchA; i++) {
      const ai = call(slice, { x: a3 }, { begin: [i, 0, 0], size: [1, M, K] });
      const bi = call(slice, { x: b3 }, { begin: [i, 0, 0], size: [1, K, N] });
      parts.push(call(batchMatMul, { a: ai, b: bi }, { ...args.attrs }));
      backend.disposeData(ai.dataId);
      backend.disposeData(bi.dataId);
    }
    const joined = call(concat, parts as unknown as tf.NamedTensorInfoMap, { axis: 0 });
    for (const p of [a3, b3, ...parts]) backend.disposeData(p.dataId);
    const out = call(reshape, { x: joined }, { shape: [...a.shape.slice(0, -2), M, N] });
    backend.disposeData(joined.dataId);
    return out;
  };
}

let registered = false;

export function registerMissingWasmKernels(): void {
  if (registered) return;
  registered = true;
  const [matmul, transpose, slice, concat, reshape] = ['BatchMatMul', 'Transpose', 'Slice', 'Concat', 'Reshape'].map((name) => tf.getKernel(name, 'wasm'));
  if (matmul && transpose && slice && concat && reshape) {
    const k = (config: tf.KernelConfig) => config.kernelFunc as unknown as Kernel;
    tf.unregisterKernel('BatchMatMul', 'wasm');
    tf.registerKernel({
      ...matmul,
      kernelFunc: untransposedBatchMatMul(k(transpose), slicedBatchMatMul(k(matmul), k(slice), k(concat), k(reshape))) as unknown as tf.KernelFunc,
    });
  }
  if (!tf.getKernel('UnsortedSegmentSum', 'wasm')) {
    tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: unsortedSegmentSum as unknown as tf.KernelFunc });
  }
  // Layer norm, GELU and attention as one kernel each way (host-kernels.ts: fewer calls per step).
  registerHostKernels();
}
