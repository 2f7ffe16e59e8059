/**
 * Layer norm, tanh-GELU and causal self-attention as single kernels, forward and backward, for TF.js's
 * `wasm` backend (the CPU path), run as JavaScript loops over its heap. As composite TF.js ops each is
 * many kernels, and autodiff of them many more (layer norm: about 11 forward and 45 backward with the
 * tape's copies; GELU: 9 and about 30; attention: about 14 and 45), each a call into the backend with
 * its own allocation: on the small shapes of the CPU path that per-kernel cost, not arithmetic, is most
 * of a train step. Here each is one forward kernel and one backward kernel, in double precision,
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
 *                           columns h·dh … (h+1)·dh − 1 of each), keep [B, H, T, T] (the attention
 *                           dropout's multiplier, 0 or 1/(1 − rate); all ones without dropout)
 *                           →  context [B·T, d] (heads merged), P [B, H, T, T]; per batch item and head:
 *                             S_ij = (q_i·s)·k_j for j ≤ i,  s = 1/√dh  (j > i: masked, P_ij = 0)
 *                             P_ij = exp(S_ij − max_j S) / Σ_j exp(S_ij − max_j S)
 *                             context_i = Σ_j (P_ij·keep_ij)·v_j
 *   FptCausalAttentionGrad  dcontext, qkv, P, keep  →  dqkv [B·T, 3d]:
 *                             dP̃_ij = dcontext_i·v_j,  dP_ij = dP̃_ij·keep_ij
 *                             dv_j = Σ_i P_ij·keep_ij·dcontext_i
 *                             dS_ij = P_ij·(dP_ij − Σ_j' P_ij'·dP_ij')
 *                             dq_i = s·Σ_j dS_ij·k_j,  dk_j = s·Σ_i dS_ij·q_i
 *                           The composite block's split, head transposes, scaling, mask, softmax, two
 *                           batched products and merge (ops/gpt2-block.ts) are these formulas.
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

function wasmKernel(spec: HostKernelSpec): tf.KernelConfig {
  const kernelFunc = (args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }) => {
    const backend = args.backend as WasmBackendLike;
    const inputs = spec.inputs.map((n) => {
      const t = args.inputs[n];
      if (!t) throw new Error(`${spec.name}: input ${n} is missing`);
      if (t.dtype !== 'float32') throw new Error(`${spec.name}: input ${n} must be float32, not ${t.dtype}`);
      return t;
    });
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

const attentionSpec: HostKernelSpec = {
  name: CAUSAL_ATTENTION,
  inputs: ['qkv', 'keep'],
  outputShapes: ([qkv], attrs) => {
    const { B, T, H, d } = attentionShape(attrs!, qkv);
    return [
      [B * T, d],
      [B, H, T, T],
    ];
  },
  compute([qkv, keep], [context, probs], [shape], attrs) {
    const s = attentionShape(attrs, shape);
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
        const w = probs[pRow + j] * keep[pRow + j];
        if (w === 0) continue;
        const v = v0 + j * stride;
        for (let c = 0; c < s.dh; c++) context[out + c] += w * qkv[v + c];
      }
    });
  },
};

const attentionGradSpec: HostKernelSpec = {
  name: CAUSAL_ATTENTION_GRAD,
  inputs: ['dcontext', 'qkv', 'probs', 'keep'],
  outputShapes: ([, qkv]) => [qkv],
  compute([dcontext, qkv, probs, keep], [dqkv], [, shape], attrs) {
    const s = attentionShape(attrs, shape);
    const scale = Math.fround(1 / Math.sqrt(s.dh));
    const dP = new Float64Array(s.T);
    forEachQueryRow(s, ({ i, q, out, pRow, k0, v0, stride }) => {
      let dot = 0;
      for (let j = 0; j <= i; j++) {
        const v = v0 + j * stride;
        let g = 0;
        for (let c = 0; c < s.dh; c++) g += dcontext[out + c] * qkv[v + c];
        dP[j] = g * keep[pRow + j];
        dot += probs[pRow + j] * dP[j];
        // dv_j += P_ij·keep_ij·dcontext_i
        const w = probs[pRow + j] * keep[pRow + j];
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
  },
};

const SPECS = [layerNormSpec, layerNormGradSpec, geluSpec, geluGradSpec, attentionSpec, attentionGradSpec];

/** Every host kernel: the explicit list registerHostKernels registers for the wasm backend. */
export const HOST_KERNELS: readonly tf.KernelConfig[] = SPECS.map(wasmKernel);

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
