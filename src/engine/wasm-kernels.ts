/**
 * Kernels that TF.js's wasm backend (4.22) lacks for the engine's training step, registered for
 * 'wasm' before it starts. The parity test (parity.test.ts) and wasm-kernels.test.ts run them.
 *
 * UnsortedSegmentSum: the gradient of tf.gather (the token embeddings' backward pass, for the
 * embedding input adapter and the language model's tied token table). For x [N, ...inner] and
 * segment ids s [N] (or any leading shape of x), out [numSegments, ...inner] with
 *   out[k, :] = Σ_{i : s[i] = k} x[i, :]
 * Ids outside [0, numSegments) are dropped, as in TensorFlow. Runs in JavaScript on the wasm heap's
 * float32 views (one pass over x; no copies besides the output).
 */
import { tf } from './tf';

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

function unsortedSegmentSum(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
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

let registered = false;

export function registerMissingWasmKernels(): void {
  if (registered) return;
  registered = true;
  if (!tf.getKernel('UnsortedSegmentSum', 'wasm')) {
    tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: unsortedSegmentSum as unknown as tf.KernelFunc });
  }
}
