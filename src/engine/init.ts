/**
 * Initial values for the backbone (random and statistics-only baselines) and for the adapters,
 * drawn on the CPU from a seeded stream so every host starts from the same numbers.
 */
import type { InputKind } from './tasks/task';
import { Rng } from './rng';
import type { HostTensor, TensorMap } from './tensors';

export interface TensorShape {
  name: string;
  shape: number[];
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function filled(shape: number[], draw: () => number): HostTensor {
  const data = new Float32Array(size(shape));
  for (let i = 0; i < data.length; i++) data[i] = draw();
  return { shape, data };
}

/**
 * How a random GPT-2 body is drawn. Both: weights N(0, 0.02), biases 0, layer norms 1/0.
 * - `paper` (default): every weight N(0, 0.02). The paper's code pins transformers 4.1.1, whose
 *   GPT2PreTrainedModel._init_weights draws every Linear/Conv1D/Embedding weight N(0, 0.02) and
 *   predates the scaled residual projections, so this is most likely the paper's "Random" body.
 * - `hf-scaled`: later Hugging Face versions (and GPT-2's paper) also scale the residual
 *   projections attn.c_proj and mlp.c_proj to N(0, 0.02 / sqrt(2 · n_layer)).
 */
export type RandomInit = 'paper' | 'hf-scaled';
export const RANDOM_INITS: readonly RandomInit[] = ['paper', 'hf-scaled'];

/** A random GPT-2 body drawn by `scheme` (see RandomInit), seeded. */
export function randomBackbone(shapes: TensorShape[], nLayer: number, rng: Rng, scheme: RandomInit = 'paper'): TensorMap {
  const out: TensorMap = new Map();
  const projStd = scheme === 'hf-scaled' ? 0.02 / Math.sqrt(2 * nLayer) : 0.02;
  for (const { name, shape } of shapes) {
    if (/\.ln_[12]\.weight$|^ln_f\.weight$/.test(name))
      out.set(
        name,
        filled(shape, () => 1),
      );
    else if (name.endsWith('.bias'))
      out.set(
        name,
        filled(shape, () => 0),
      );
    else if (name.endsWith('c_proj.weight'))
      out.set(
        name,
        filled(shape, () => rng.normal() * projStd),
      );
    else
      out.set(
        name,
        filled(shape, () => rng.normal() * 0.02),
      );
  }
  return out;
}

export function meanAndStd(data: Float32Array): { mean: number; std: number } {
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += data[i];
  const mean = sum / data.length;
  let sq = 0;
  for (let i = 0; i < data.length; i++) sq += (data[i] - mean) ** 2;
  return { mean, std: data.length > 1 ? Math.sqrt(sq / (data.length - 1)) : 0 };
}

/** The paper's statistics-only body: random, each tensor drawn N(mean, std) of its pretrained twin. */
export function statisticsBackbone(pretrained: TensorMap, rng: Rng): TensorMap {
  const out: TensorMap = new Map();
  for (const [name, t] of pretrained) {
    const { mean, std } = meanAndStd(t.data);
    out.set(
      name,
      filled(t.shape, () => mean + std * rng.normal()),
    );
  }
  return out;
}

/**
 * A [rows, cols] matrix whose shorter side is orthonormal (rows if rows <= cols), drawn from the Haar
 * measure as PyTorch's orthogonal_ does (QR of a Gaussian matrix with the sign fix), times `gain`.
 */
export function orthogonal(rows: number, cols: number, gain: number, rng: Rng): Float32Array {
  const k = Math.min(rows, cols);
  const n = Math.max(rows, cols);
  const vecs: Float64Array[] = [];
  for (let i = 0; i < k; i++) {
    const v = new Float64Array(n);
    for (let j = 0; j < n; j++) v[j] = rng.normal();
    for (const u of vecs) {
      let dot = 0;
      for (let j = 0; j < n; j++) dot += u[j] * v[j];
      for (let j = 0; j < n; j++) v[j] -= dot * u[j];
    }
    let norm = 0;
    for (let j = 0; j < n; j++) norm += v[j] * v[j];
    norm = Math.sqrt(norm);
    for (let j = 0; j < n; j++) v[j] /= norm;
    vecs.push(v);
  }
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < n; j++) {
      const [r, c] = rows <= cols ? [i, j] : [j, i];
      out[r * cols + c] = vecs[i][j] * gain;
    }
  }
  return out;
}

/**
 * Adapters as docs/fpt-spec.md gives them: input Linear [dIn, d] with orthogonal init (gain 1.41) and
 * zero bias, or an Embedding [vocab, d] drawn N(0, 1); output Linear [d, dOut] with PyTorch's default
 * init U(-1/sqrt(d), 1/sqrt(d)) for weight and bias.
 */
export function initAdapters(input: InputKind, d: number, dOut: number, rng: Rng): TensorMap {
  const out: TensorMap = new Map();
  if (input.kind === 'vector') {
    out.set('in.weight', { shape: [input.dim, d], data: orthogonal(input.dim, d, 1.41, rng) });
    out.set('in.bias', { shape: [d], data: new Float32Array(d) });
  } else {
    out.set(
      'in.weight',
      filled([input.vocabSize, d], () => rng.normal()),
    );
  }
  const bound = 1 / Math.sqrt(d);
  out.set(
    'out.weight',
    filled([d, dOut], () => (rng.next() * 2 - 1) * bound),
  );
  out.set(
    'out.bias',
    filled([dOut], () => (rng.next() * 2 - 1) * bound),
  );
  return out;
}
