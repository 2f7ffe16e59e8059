/**
 * Layer norm, tanh-GELU and causal self-attention as single kernels, forward and backward, for TF.js's
 * `wasm` backend (the CPU path), run as JavaScript loops over its heap (attention: mostly the
 * backend's own kernels, see below). As composite TF.js ops each is many kernels, and autodiff of
 * them many more (layer norm: about 11 forward and 45 backward with the tape's copies; GELU: 9 and
 * about 30; attention: about 14 and 45), each a call into the backend with its own allocation: on
 * the small shapes of the CPU path that per-kernel cost, not arithmetic, is most of a train step.
 * Here each is one forward kernel and one backward kernel; layer norm and GELU in double precision,
 * rounded to float32 on store.
 *
 *   FptLayerNorm      x [..., d], γ [d], β [d]  →  y = x̂·γ + β,  x̂ = (x − μ)·r,  r = 1/√(σ² + eps)
 *                     per row: μ = Σx/d, σ² = Σ(x − μ)²/d (biased, two passes, as torch.nn.LayerNorm)
 *   FptLayerNormGrad  dy, x, γ  →  dx = r·(a − mean(a) − x̂·mean(a·x̂)),  a = γ·dy   (per row)
 *                                  dγ = Σ_rows dy·x̂,  dβ = Σ_rows dy
 *   FptGeluTanh       x  →  y = ½·x·(1 + tanh u),  u = c·(x + k·x³),  c = √(2/π), k = 0.044715
 *   FptGeluTanhGrad   dy, x, y  →  dx = dy·(½·(1 + t) + ½·x·(1 − t²)·c·(1 + 3k·x²)),  t = tanh u
 *                     t is read back from the forward's output, t = 2y/x − 1 (0 at x = 0), not
 *                     recomputed: no exponential in the backward pass. Its error, about one float32
 *                     rounding of y times (1 + t), stays at the float32 level of dx.
 *
 *   FptCausalAttention      qkv [B·T, 3d] (GPT-2's c_attn output: q, k, v side by side, head h in
 *                           columns h·dh … (h+1)·dh − 1 of each)
 *                           →  context [B·T, d] (heads merged), P [B, H, T, T]; per batch item and head:
 *                             S_ij = (q_i·s)·k_j for j ≤ i,  s = 1/√dh  (j > i: masked, P_ij = 0)
 *                             P_ij = exp(S_ij − max_j S) / Σ_j exp(S_ij − max_j S)
 *                             context_i = Σ_j W_ij·v_j,  W = P
 *   FptCausalAttentionDropout  qkv, keep [B, H, T, T] (the attention dropout's multiplier, 0 or
 *                           1/(1 − rate))  →  the same with W = P·keep (element-wise). Two kernels, so
 *                           a step without dropout passes no [B, H, T, T] tensor of ones (16 MB at
 *                           ListOps' T = 512) and saves none for the backward pass.
 *   FptCausalAttentionGrad  dcontext, qkv, P, keep (only after the dropout kernel)  →  dqkv [B·T, 3d]:
 *                             dW = dcontext·vᵀ,  dP_ij = dW_ij·keep_ij
 *                             dS_ij = s·P_ij·(dP_ij − Σ_j' P_ij'·dP_ij')   (j ≤ i; 0 above)
 *                             dq = dS·k,  dk = dSᵀ·(q as given),  dv = Wᵀ·dcontext
 *                           The composite block's split, head transposes, scaling, mask, softmax, two
 *                           batched products and merge (ops/gpt2-block.ts) are these formulas.
 *
 * Attention runs on the backend's own kernels, called from the host kernel on heap tensors: per
 * (batch item, head) the products S, context, dW, dq, dk, dv as [T, ·] matrices through XNNPACK
 * (SIMD), and for all heads at once the softmax and the element-wise backward (Softmax, Multiply,
 * Sum, Sub); JavaScript only gathers a head's columns and scatters the results. A scalar JavaScript
 * loop does about 0.1-0.2 G multiply-adds a second on this VM and XNNPACK 5-8, so SIMD on the full
 * T×T products (the masked half computed, then masked) beats a loop over the causal half from
 * T = 24 up (3-10× from T = 32 to 512); these sums run in float32, as the composite ops' do. Up to
 * hostAttentionTuning.loopMaxT = 16 tokens (Bit XOR's 10) the per-head calls cost more than the
 * arithmetic, and the formulas run as JavaScript loops over the causal half in double precision.
 *
 * tanh is computed as 1 − 2/(e^{2u} + 1) (one Math.exp, about twice as fast as Math.tanh here; exact
 * to double rounding, far below float32's). The results agree with the composite ops (ops/layers.ts)
 * to float32 rounding, not bit for bit: the sums run in double precision in a fixed order where the
 * backends sum in float32 in their own. host-kernels.test.ts checks each kernel and gradient against
 * the composite version and tf.grads of it (computed on cpu and on wasm); the golden parity test
 * runs them on wasm.
 *
 * ops/layers.ts and ops/gpt2-block.ts call a kernel where the current backend has it registered
 * (registerHostKernels, from wasm-kernels.ts when the wasm backend starts) and the composite ops
 * elsewhere. The plain JavaScript `cpu` backend keeps the composite ops on purpose: it is the
 * reference the golden parity test checks them on (WebGL runs the same ops) and the baseline column
 * of `npm run bench -- cpu`.
 */
import { tf } from './tf';

export const LAYER_NORM = 'FptLayerNorm';
export const LAYER_NORM_GRAD = 'FptLayerNormGrad';
export const GELU_TANH = 'FptGeluTanh';
export const GELU_TANH_GRAD = 'FptGeluTanhGrad';
export const CAUSAL_ATTENTION = 'FptCausalAttention';
export const CAUSAL_ATTENTION_DROPOUT = 'FptCausalAttentionDropout';
export const CAUSAL_ATTENTION_GRAD = 'FptCausalAttentionGrad';

const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_K = 0.044715;

/** The arithmetic of a kernel on float32 arrays: inputs in, outputs (allocated, zeroed) filled. */
interface HostKernelSpec {
  name: string;
  inputs: readonly string[];
  /** Output shapes from the input shapes. */
  outputShapes(shapes: number[][], attrs?: tf.NamedAttrMap): number[][];
  compute(inputs: Float32Array[], outputs: Float32Array[], shapes: number[][], attrs: tf.NamedAttrMap): void;
}

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

/** Input `input` of a kernel call, checked to be float32; undefined where absent and not required. */
function checkedInput(name: string, args: { inputs: tf.NamedTensorInfoMap }, input: string, required: boolean): tf.TensorInfo | undefined {
  const t = args.inputs[input];
  if (!t) {
    if (required) throw new Error(`${name}: input ${input} is missing`);
    return undefined;
  }
  if (t.dtype !== 'float32') throw new Error(`${name}: input ${input} must be float32, not ${t.dtype}`);
  return t;
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

function wasmKernel(spec: HostKernelSpec): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const backend = args.backend as WasmBackendLike;
    const inputs = spec.inputs.map((n) => checkedInput(spec.name, args, n, true)!);
    const shapes = inputs.map((t) => t.shape);
    // Outputs first: an allocation may grow the heap, which detaches views taken before it.
    const outInfos = spec.outputShapes(shapes, args.attrs).map((s) => backend.makeOutput(s, 'float32'));
    const outs = outInfos.map((o) => backend.typedArrayFromHeap(o).fill(0));
    spec.compute(
      inputs.map((t) => backend.typedArrayFromHeap(t)),
      outs,
      shapes,
      args.attrs ?? {},
    );
    return outInfos.length === 1 ? outInfos[0] : outInfos;
  };
  return { kernelName: spec.name, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/** Mean and 1/√(σ² + eps) of x[base … base + d − 1], σ² biased and from a second pass. */
function rowStatistics(x: Float32Array, base: number, d: number, eps: number): { mean: number; rstd: number } {
  let sum = 0;
  for (let j = 0; j < d; j++) sum += x[base + j];
  const mean = sum / d;
  let sq = 0;
  for (let j = 0; j < d; j++) sq += (x[base + j] - mean) ** 2;
  return { mean, rstd: 1 / Math.sqrt(sq / d + eps) };
}

const layerNormSpec: HostKernelSpec = {
  name: LAYER_NORM,
  inputs: ['x', 'gamma', 'beta'],
  outputShapes: ([x]) => [x],
  compute([x, gamma, beta], [y], [shape], attrs) {
    const d = shape[shape.length - 1];
    const eps = attrs.eps as number;
    for (let base = 0; base < x.length; base += d) {
      const { mean, rstd } = rowStatistics(x, base, d, eps);
      for (let j = 0; j < d; j++) y[base + j] = (x[base + j] - mean) * rstd * gamma[j] + beta[j];
    }
  },
};

const layerNormGradSpec: HostKernelSpec = {
  name: LAYER_NORM_GRAD,
  inputs: ['dy', 'x', 'gamma'],
  outputShapes: ([, x, gamma]) => [x, gamma, gamma],
  compute([dy, x, gamma], [dx, dgamma, dbeta], [, shape], attrs) {
    const d = shape[shape.length - 1];
    const eps = attrs.eps as number;
    // Row sums of dγ and dβ accumulate in double precision, stored once.
    const dg = new Float64Array(d);
    const db = new Float64Array(d);
    for (let base = 0; base < x.length; base += d) {
      const { mean, rstd } = rowStatistics(x, base, d, eps);
      let sumA = 0;
      let sumAXhat = 0;
      for (let j = 0; j < d; j++) {
        const g = dy[base + j];
        const xhat = (x[base + j] - mean) * rstd;
        const a = gamma[j] * g;
        sumA += a;
        sumAXhat += a * xhat;
        dg[j] += g * xhat;
        db[j] += g;
      }
      const meanA = sumA / d;
      const meanAXhat = sumAXhat / d;
      for (let j = 0; j < d; j++) {
        const xhat = (x[base + j] - mean) * rstd;
        dx[base + j] = rstd * (gamma[j] * dy[base + j] - meanA - xhat * meanAXhat);
      }
    }
    dgamma.set(dg);
    dbeta.set(db);
  },
};

/** tanh u as 1 − 2/(e^{2u} + 1): e^{2u} overflows to ∞ for large u (t = 1) and underflows to 0 for very negative u (t = −1). */
function tanhOf(u: number): number {
  return 1 - 2 / (Math.exp(2 * u) + 1);
}

const geluSpec: HostKernelSpec = {
  name: GELU_TANH,
  inputs: ['x'],
  outputShapes: ([x]) => [x],
  compute([x], [y]) {
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      y[i] = 0.5 * v * (1 + tanhOf(GELU_C * (v + GELU_K * v * v * v)));
    }
  },
};

const geluGradSpec: HostKernelSpec = {
  name: GELU_TANH_GRAD,
  inputs: ['dy', 'x', 'y'],
  outputShapes: ([, x]) => [x],
  compute([dy, x, y], [dx]) {
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      // t from the forward output: y = ½·x·(1 + t), so t = 2y/x − 1 (t = 0 at x = 0).
      const t = v === 0 ? 0 : (2 * y[i]) / v - 1;
      dx[i] = dy[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * GELU_C * (1 + 3 * GELU_K * v * v));
    }
  },
};

interface AttentionShape {
  B: number;
  T: number;
  H: number;
  dh: number;
  d: number;
}

function attentionShape(attrs: tf.NamedAttrMap, qkvShape: number[]): AttentionShape {
  const [B, T, H] = [attrs.batch as number, attrs.seqLen as number, attrs.heads as number];
  const d = qkvShape[1] / 3;
  if (qkvShape[0] !== B * T || !Number.isInteger(d) || d % H !== 0) {
    throw new Error(`${CAUSAL_ATTENTION}: qkv of shape [${qkvShape}] does not fit batch ${B}, length ${T}, ${H} heads`);
  }
  return { B, T, H, dh: d / H, d };
}

/** The wasm backend's own calls an attention kernel makes: heap tensors and its kernels. */
interface WasmHeap extends WasmBackendLike {
  disposeData(dataId: object): void;
}

/** Above the diagonal of the scores: exp(MASKED − max) is exactly 0 in float32 (as causalMask's −1e9). */
const MASKED = -1e9;

/**
 * The wasm backend's own kernels, called from inside a host kernel on heap tensors: XNNPACK's
 * products (SIMD; an untransposed batch of one does about 5-8 G multiply-adds a second here, where a
 * scalar JavaScript loop does 0.1-0.2) and its element-wise kernels. Every product operand is a fresh
 * tensor, disposed after it: XNNPACK caches the packed right-hand operand by tensor, so a reused
 * buffer would be read stale. A view taken before an allocation may be detached by it (the heap
 * grows): `view` is called after each.
 */
class HeapOps {
  constructor(private readonly backend: WasmHeap) {}

  /** Runs the backend's kernel `name`; the caller disposes what it returns. */
  run(name: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): tf.TensorInfo {
    const kernel = tf.getKernel(name, 'wasm');
    if (!kernel) throw new Error(`${CAUSAL_ATTENTION}: the wasm backend has no ${name}`);
    return kernel.kernelFunc({ inputs, attrs, backend: this.backend as never }) as tf.TensorInfo;
  }

  /** A float32 tensor of zeros, then filled by `fill` if given. */
  zeros(shape: number[], fill?: (m: Float32Array) => void): tf.TensorInfo {
    const info = this.backend.makeOutput(shape, 'float32');
    const m = this.view(info);
    m.fill(0);
    fill?.(m);
    return info;
  }

  /** A [1, rows, cols] matrix (a product's operand), zeros filled by `fill`. */
  matrix(rows: number, cols: number, fill: (m: Float32Array) => void): tf.TensorInfo {
    return this.zeros([1, rows, cols], fill);
  }

  /** [1, T, T] copy of matrix `index` of t [..., T, T]. */
  slice(t: tf.TensorInfo, index: number, T: number): tf.TensorInfo {
    return this.matrix(T, T, (m) => m.set(this.view(t).subarray(index * T * T, (index + 1) * T * T)));
  }

  view(info: tf.TensorInfo): Float32Array {
    return this.backend.typedArrayFromHeap(info);
  }

  dispose(...infos: tf.TensorInfo[]): void {
    for (const info of infos) this.backend.disposeData(info.dataId);
  }

  /**
   * a·b, or aᵀ·b with transposeA (the backend transposes a natively, then multiplies: wasm-kernels.ts);
   * b is disposed, a too unless keepA. The product's values are handed to `read`, then disposed.
   */
  product(a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, read: (c: Float32Array) => void, keepA = false): void {
    const c = this.run('BatchMatMul', { a, b }, { transposeA, transposeB: false });
    this.dispose(...(keepA ? [b] : [a, b]));
    read(this.view(c));
    this.dispose(c);
  }
}

/**
 * Copies column block [col, col + dh) of rows b·T … b·T + T − 1 of src (row length n) into m as
 * [T, dh] (transposed: false) or [dh, T] (transposed: true), each value times `scale` rounded to
 * float32 (as the composite ops round q·s) when given.
 */
function gatherBlock(
  src: Float32Array,
  n: number,
  b: number,
  col: number,
  { T, dh }: AttentionShape,
  m: Float32Array,
  transposed: boolean,
  scale?: number,
): void {
  for (let t = 0; t < T; t++) {
    const from = (b * T + t) * n + col;
    for (let c = 0; c < dh; c++) {
      const x = scale === undefined ? src[from + c] : Math.fround(src[from + c] * scale);
      m[transposed ? c * T + t : t * dh + c] = x;
    }
  }
}

/** The reverse of gatherBlock (untransposed): m [T, dh] into column block col of rows b·T … of dst. */
function scatterBlock(m: Float32Array, dst: Float32Array, n: number, b: number, col: number, { T, dh }: AttentionShape): void {
  for (let t = 0; t < T; t++) {
    const to = (b * T + t) * n + col;
    for (let c = 0; c < dh; c++) dst[to + c] = m[t * dh + c];
  }
}

/**
 * Sequences up to this long run attention as JavaScript loops over the causal half (below): for
 * them the per-head calls into the backend cost more than the arithmetic. Measured on one attention
 * forward and backward (d = 128, 4 heads, the two ways alternated in one process): loops 0.45× the
 * backend's time at T = 10 (B = 16), equal at T = 16, 1.6× slower at T = 24, 3-10× slower from
 * T = 32 to 512. `hostAttentionTuning.loopMaxT` may change it (the golden parity test sets 0 to
 * check the backend path on the goldens' short sequences).
 */
export const hostAttentionTuning: { loopMaxT: number } = { loopMaxT: 16 };

/** Where query row i of batch item b and head h finds its data (offsets into the flat arrays). */
interface QueryRow {
  i: number;
  /** q_i in qkv. */
  q: number;
  /** context_i (and dcontext_i) in [B·T, d]. */
  out: number;
  /** P's row i in [B, H, T, T]. */
  pRow: number;
  /** k_0 and v_0 in qkv; k_j = k0 + j·stride, v_j = v0 + j·stride. */
  k0: number;
  v0: number;
  stride: number;
}

/** Visits every (batch item, head, query row) in order; the row object is reused. */
function forEachQueryRow({ B, T, H, dh, d }: AttentionShape, visit: (row: QueryRow) => void): void {
  const stride = 3 * d;
  const row: QueryRow = { i: 0, q: 0, out: 0, pRow: 0, k0: 0, v0: 0, stride };
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      row.k0 = b * T * stride + d + h * dh;
      row.v0 = row.k0 + d;
      for (let i = 0; i < T; i++) {
        row.i = i;
        row.q = (b * T + i) * stride + h * dh;
        row.out = (b * T + i) * d + h * dh;
        row.pRow = ((b * H + h) * T + i) * T;
        visit(row);
      }
    }
  }
}

/** The forward pass as loops over rows, j ≤ i, in double precision (outputs zeroed). */
function loopAttention(qkv: Float32Array, keep: Float32Array | undefined, context: Float32Array, probs: Float32Array, s: AttentionShape): void {
  const scale = Math.fround(1 / Math.sqrt(s.dh));
  const scores = new Float64Array(s.T);
  forEachQueryRow(s, ({ i, q, out, pRow, k0, v0, stride }) => {
    let max = -Infinity;
    for (let j = 0; j <= i; j++) {
      const k = k0 + j * stride;
      let dot = 0;
      for (let c = 0; c < s.dh; c++) dot += Math.fround(qkv[q + c] * scale) * qkv[k + c];
      scores[j] = dot;
      if (dot > max) max = dot;
    }
    let sum = 0;
    for (let j = 0; j <= i; j++) {
      scores[j] = Math.exp(scores[j] - max);
      sum += scores[j];
    }
    for (let j = 0; j <= i; j++) {
      // The stored float32 probability, the one the backward pass reads, weighs the values.
      probs[pRow + j] = scores[j] / sum;
      const w = keep ? probs[pRow + j] * keep[pRow + j] : probs[pRow + j];
      if (w === 0) continue;
      const v = v0 + j * stride;
      for (let c = 0; c < s.dh; c++) context[out + c] += w * qkv[v + c];
    }
  });
}

/** The backward pass as loops over rows, j ≤ i, in double precision (dqkv zeroed, accumulated in place). */
function loopAttentionGrad(
  dcontext: Float32Array,
  qkv: Float32Array,
  probs: Float32Array,
  keep: Float32Array | undefined,
  dqkv: Float32Array,
  s: AttentionShape,
): void {
  const scale = Math.fround(1 / Math.sqrt(s.dh));
  const dP = new Float64Array(s.T);
  forEachQueryRow(s, ({ i, q, out, pRow, k0, v0, stride }) => {
    let dot = 0;
    for (let j = 0; j <= i; j++) {
      const v = v0 + j * stride;
      let g = 0;
      for (let c = 0; c < s.dh; c++) g += dcontext[out + c] * qkv[v + c];
      dP[j] = keep ? g * keep[pRow + j] : g;
      dot += probs[pRow + j] * dP[j];
      // dv_j += P_ij·keep_ij·dcontext_i
      const w = keep ? probs[pRow + j] * keep[pRow + j] : probs[pRow + j];
      if (w !== 0) for (let c = 0; c < s.dh; c++) dqkv[v + c] += w * dcontext[out + c];
    }
    for (let j = 0; j <= i; j++) {
      const dS = probs[pRow + j] * (dP[j] - dot) * scale;
      if (dS === 0) continue;
      const k = k0 + j * stride;
      for (let c = 0; c < s.dh; c++) {
        dqkv[q + c] += dS * qkv[k + c];
        dqkv[k + c] += dS * qkv[q + c];
      }
    }
  });
}

/**
 * Forward (FptCausalAttention without keep, FptCausalAttentionDropout with it). Per (batch item b,
 * head h), by XNNPACK: S = (q·s)·kᵀ [T, T] into scores [B, H, T, T], MASKED above the diagonal (the
 * masked half is computed and dropped: SIMD on all of it beats scalar JavaScript on half). Then for
 * all heads at once, the backend's Softmax (P, an output) and W = P·keep; per head, context = W·v.
 */
function attentionKernel(name: string, withKeep: boolean): tf.KernelFunc {
  const kernelFunc = (args: KernelArgs) => {
    const ops = new HeapOps(args.backend as WasmHeap);
    const qkvInfo = checkedInput(name, args, 'qkv', true)!;
    const keepInfo = withKeep ? checkedInput(name, args, 'keep', true) : undefined;
    const s = attentionShape(args.attrs ?? {}, qkvInfo.shape);
    const { B, T, H, dh, d } = s;
    if (keepInfo && keepInfo.shape.join() !== [B, H, T, T].join()) throw new Error(`${name}: keep of shape [${keepInfo.shape}] is not [${[B, H, T, T]}]`);
    if (T <= hostAttentionTuning.loopMaxT) {
      const [context, probs] = [ops.zeros([B * T, d]), ops.zeros([B, H, T, T])];
      loopAttention(ops.view(qkvInfo), keepInfo && ops.view(keepInfo), ops.view(context), ops.view(probs), s);
      return [context, probs];
    }
    const scale = Math.fround(1 / Math.sqrt(dh));
    const head = (col: number, b: number, transposed = false, by?: number) =>
      ops.matrix(transposed ? dh : T, transposed ? T : dh, (m) => gatherBlock(ops.view(qkvInfo), 3 * d, b, col, s, m, transposed, by));
    const scores = ops.zeros([B, H, T, T]);
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        ops.product(head(h * dh, b, false, scale), head(d + h * dh, b, true), false, (c) => {
          const at = (b * H + h) * T * T;
          const m = ops.view(scores);
          m.set(c, at);
          for (let i = 0; i < T - 1; i++) m.fill(MASKED, at + i * T + i + 1, at + (i + 1) * T);
        });
      }
    }
    const probs = ops.run('Softmax', { logits: scores }, { dim: 3 });
    ops.dispose(scores);
    const w = keepInfo ? ops.run('Multiply', { a: probs, b: keepInfo }) : probs;
    const context = (args.backend as WasmHeap).makeOutput([B * T, d], 'float32');
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        ops.product(ops.slice(w, b * H + h, T), head(2 * d + h * dh, b), false, (c) => scatterBlock(c, ops.view(context), d, b, h * dh, s));
      }
    }
    if (w !== probs) ops.dispose(w);
    return [context, probs];
  };
  return kernelFunc as unknown as tf.KernelFunc;
}

/**
 * Backward, with W = P·keep as in the forward pass. Per head by XNNPACK: dW = dcontext·vᵀ into
 * [B, H, T, T]; for all heads by the backend's element-wise kernels: dP = dW·keep,
 * D = P·(dP − Σ_j P·dP) (0 above the diagonal, where P is); per head by XNNPACK, with s folded into
 * the gathered k and q: dq = D·(s·k), dk = Dᵀ·(s·q), dv = Wᵀ·dcontext.
 */
function attentionGradKernel(args: KernelArgs): tf.TensorInfo {
  const name = CAUSAL_ATTENTION_GRAD;
  const ops = new HeapOps(args.backend as WasmHeap);
  const [dcInfo, qkvInfo, probs] = ['dcontext', 'qkv', 'probs'].map((n) => checkedInput(name, args, n, true)!);
  const keepInfo = checkedInput(name, args, 'keep', false);
  const s = attentionShape(args.attrs ?? {}, qkvInfo.shape);
  const { B, T, H, dh, d } = s;
  if (T <= hostAttentionTuning.loopMaxT) {
    const dqkv = ops.zeros(qkvInfo.shape);
    loopAttentionGrad(ops.view(dcInfo), ops.view(qkvInfo), ops.view(probs), keepInfo && ops.view(keepInfo), ops.view(dqkv), s);
    return dqkv;
  }
  const scale = Math.fround(1 / Math.sqrt(dh));
  const head = (src: tf.TensorInfo, n: number, col: number, b: number, transposed = false, by?: number) =>
    ops.matrix(transposed ? dh : T, transposed ? T : dh, (m) => gatherBlock(ops.view(src), n, b, col, s, m, transposed, by));
  const dW = ops.zeros([B, H, T, T]);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      ops.product(head(dcInfo, d, h * dh, b), head(qkvInfo, 3 * d, 2 * d + h * dh, b, true), false, (c) => ops.view(dW).set(c, (b * H + h) * T * T));
    }
  }
  // Each [B, H, T, T] buffer is freed as soon as the next one is made (wasm memory never shrinks, so
  // the peak stays: three such buffers at most here, not five).
  const dP = keepInfo ? ops.run('Multiply', { a: dW, b: keepInfo }) : dW;
  if (dP !== dW) ops.dispose(dW);
  const pdP = ops.run('Multiply', { a: probs, b: dP });
  const rowSums = ops.run('Sum', { x: pdP }, { axis: [3], keepDims: true });
  ops.dispose(pdP);
  const centred = ops.run('Sub', { a: dP, b: rowSums });
  ops.dispose(dP, rowSums);
  const D = ops.run('Multiply', { a: probs, b: centred });
  ops.dispose(centred);
  const w = keepInfo ? ops.run('Multiply', { a: probs, b: keepInfo }) : probs;
  const dqkv = (args.backend as WasmHeap).makeOutput(qkvInfo.shape, 'float32');
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const into = (col: number) => (c: Float32Array) => scatterBlock(c, ops.view(dqkv), 3 * d, b, col + h * dh, s);
      const Dh = ops.slice(D, b * H + h, T);
      ops.product(Dh, head(qkvInfo, 3 * d, d + h * dh, b, false, scale), false, into(0), true);
      ops.product(Dh, head(qkvInfo, 3 * d, h * dh, b, false, scale), true, into(d));
      ops.product(ops.slice(w, b * H + h, T), head(dcInfo, d, h * dh, b), true, into(2 * d));
    }
  }
  ops.dispose(D);
  if (w !== probs) ops.dispose(w);
  return dqkv;
}

const SPECS = [layerNormSpec, layerNormGradSpec, geluSpec, geluGradSpec];

/** Every host kernel: the explicit list registerHostKernels registers for the wasm backend. */
export const HOST_KERNELS: readonly tf.KernelConfig[] = [
  ...SPECS.map(wasmKernel),
  ...[
    { kernelName: CAUSAL_ATTENTION, kernelFunc: attentionKernel(CAUSAL_ATTENTION, false) },
    { kernelName: CAUSAL_ATTENTION_DROPOUT, kernelFunc: attentionKernel(CAUSAL_ATTENTION_DROPOUT, true) },
    { kernelName: CAUSAL_ATTENTION_GRAD, kernelFunc: attentionGradKernel as unknown as tf.KernelFunc },
  ].map((k) => ({ ...k, backendName: 'wasm' })),
];

const GRADIENTS: readonly tf.GradConfig[] = [
  {
    kernelName: LAYER_NORM,
    inputsToSave: ['x', 'gamma'],
    gradFunc: (dy, saved, attrs) => {
      const [x, gamma] = saved;
      const [dx, dgamma, dbeta] = tf.engine().runKernel(LAYER_NORM_GRAD, { dy: dy as tf.Tensor, x, gamma }, attrs) as tf.Tensor[];
      return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
    },
  },
  {
    kernelName: GELU_TANH,
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, [x, y]) => ({ x: () => tf.engine().runKernel(GELU_TANH_GRAD, { dy: dy as tf.Tensor, x, y }) as tf.Tensor }),
  },
  {
    kernelName: CAUSAL_ATTENTION,
    inputsToSave: ['qkv'],
    outputsToSave: [false, true],
    gradFunc: (dys, [qkv, probs], attrs) => {
      const dcontext = (dys as tf.Tensor[])[0];
      return { qkv: () => tf.engine().runKernel(CAUSAL_ATTENTION_GRAD, { dcontext, qkv, probs }, attrs) as tf.Tensor };
    },
  },
  {
    kernelName: CAUSAL_ATTENTION_DROPOUT,
    inputsToSave: ['qkv', 'keep'],
    outputsToSave: [false, true],
    gradFunc: (dys, [qkv, keep, probs], attrs) => {
      const dcontext = (dys as tf.Tensor[])[0];
      return {
        qkv: () => tf.engine().runKernel(CAUSAL_ATTENTION_GRAD, { dcontext, qkv, probs, keep }, attrs) as tf.Tensor,
        keep: () => tf.zerosLike(keep), // a constant: the dropout mask
      };
    },
  },
];

let registered = false;

/** Registers HOST_KERNELS and their gradients (idempotent). */
export function registerHostKernels(): void {
  if (registered) return;
  registered = true;
  for (const kernel of HOST_KERNELS) if (!tf.getKernel(kernel.kernelName, kernel.backendName)) tf.registerKernel(kernel);
  for (const grad of GRADIENTS) tf.registerGradient(grad);
}

/** Whether the current backend runs `kernelName` as a host kernel. */
export function hasHostKernel(kernelName: string): boolean {
  return tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}
