/**
 * Replays the PyTorch float64 golden cases (fixtures/tiny-gpt2/golden.json) through the engine and
 * measures every quantity against them: logits, loss, last hidden state, layer-0 attention, each
 * gradient, the global gradient norm, and each parameter after one clipped Adam step.
 */
import type { Gpt2Config } from '../weights/gpt2-checkpoint';
import { parseGroups } from './groups';
import { FusedAdam } from './train/fused-adam';
import { FptModel, type FptOptions } from './model';
import type { TensorMap } from './tensors';
import { tf } from './tf';
import { PAPER_ADAM } from './train/adam';
import { trainableGradients } from './train/step';

interface GoldenTensor {
  shape: number[];
  data: number[];
}

export interface GoldenCase {
  name: string;
  kind: 'classify' | 'bitxor';
  trainable_groups: string[];
  B: number;
  T: number;
  din: number;
  dout: number;
  n_out_tokens: number;
  x: GoldenTensor;
  y: GoldenTensor;
  init: Record<string, GoldenTensor>;
  logits: GoldenTensor;
  loss: number;
  last_hidden: GoldenTensor;
  attn_layer0_item0: GoldenTensor;
  grad_global_norm: number;
  grads: Record<string, GoldenTensor>;
  after_one_adam_step: { params: Record<string, GoldenTensor> };
}

export interface GoldenFile {
  model: string;
  cases: GoldenCase[];
}

export interface QuantityReport {
  quantity: string;
  maxAbsError: number;
  /** Largest error relative to what the tolerance allows at that element: ok when <= 1. */
  worstToTolerance: number;
  ok: boolean;
}

export interface CaseReport {
  name: string;
  quantities: QuantityReport[];
  ok: boolean;
}

export interface ParityReport {
  model: string;
  cases: CaseReport[];
  ok: boolean;
}

/** Forward values and gradients: every element within 1e-5 + 1e-3·|golden|. */
const forwardTolerance = (golden: number) => 1e-5 + 1e-3 * Math.abs(golden);

function compare(quantity: string, actual: ArrayLike<number>, golden: GoldenTensor | number, tolerance: (golden: number, i: number) => number): QuantityReport {
  const g = typeof golden === 'number' ? [golden] : golden.data;
  if (actual.length !== g.length) {
    return { quantity, maxAbsError: Infinity, worstToTolerance: Infinity, ok: false };
  }
  let maxAbsError = 0;
  let worstToTolerance = 0;
  for (let i = 0; i < g.length; i++) {
    const err = Math.abs(actual[i] - g[i]);
    maxAbsError = Math.max(maxAbsError, Number.isNaN(err) ? Infinity : err);
    worstToTolerance = Math.max(worstToTolerance, Number.isNaN(err) ? Infinity : err / tolerance(g[i], i));
  }
  return { quantity, maxAbsError, worstToTolerance, ok: worstToTolerance <= 1 };
}

/**
 * The adapters' values before the step. make_goldens.py writes `init` after `opt.step()` has updated
 * the trainable adapters in place, so for those `init` holds the post-step values (it equals
 * `after_one_adam_step.params` exactly). Adam's first step is p -= lr·g/(|g| + eps) for the clipped
 * gradient g, so the starting value is recovered exactly from the golden's own gradients.
 */
export function initialAdapters(c: GoldenCase): TensorMap {
  const coef = Math.min(1, 1 / (c.grad_global_norm + 1e-6));
  const adapters: TensorMap = new Map();
  for (const [name, stored] of Object.entries(c.init)) {
    const grad = c.grads[name];
    const data = Float64Array.from(stored.data);
    if (grad) {
      for (let i = 0; i < data.length; i++) {
        const g = grad.data[i] * coef;
        data[i] += (PAPER_ADAM.lr * g) / (Math.abs(g) + PAPER_ADAM.eps);
      }
    }
    adapters.set(name, { shape: stored.shape, data: Float32Array.from(data) });
  }
  return adapters;
}

export async function runParityCase(config: Gpt2Config, backbone: TensorMap, c: GoldenCase, options: FptOptions = {}): Promise<CaseReport> {
  const adapters = initialAdapters(c);
  const head = { input: { kind: 'vector' as const, dim: c.din }, seqLen: c.T, outputTokens: c.n_out_tokens, labelsPerToken: 1, classes: c.dout };
  const model = new FptModel(config, head, backbone, adapters, 0, parseGroups(c.trainable_groups), options);
  const adam = new FusedAdam(PAPER_ADAM);
  const reports: QuantityReport[] = [];
  try {
    const x = tf.tensor(Float32Array.from(c.x.data), c.x.shape);
    const labels = tf.tensor1d(Int32Array.from(c.y.data), 'int32');
    const fwd = model.forward(x, { training: false, attentionLayer: 0 });
    reports.push(compare('logits', await fwd.logits.data(), c.logits, forwardTolerance));
    reports.push(compare('last_hidden', await fwd.lastHidden.data(), c.last_hidden, forwardTolerance));
    reports.push(compare('attn_layer0_item0', await fwd.attention!.data(), c.attn_layer0_item0, forwardTolerance));
    tf.dispose([fwd.logits, fwd.lastHidden, fwd.attention!]);

    const { loss, grads } = trainableGradients(model, x, labels, 0);
    reports.push(compare('loss', await loss.data(), c.loss, forwardTolerance));
    for (const [name, golden] of Object.entries(c.grads)) {
      const g = grads.get(name);
      reports.push(g ? compare(`grad ${name}`, await g.data(), golden, forwardTolerance) : missing(`grad ${name}`));
    }
    const extra = [...grads.keys()].filter((n) => !(n in c.grads));
    for (const name of extra) reports.push(missing(`grad ${name} (not in golden: a frozen weight got a gradient)`));

    const norm = adam.step(model.params, grads, 1.0);
    reports.push(compare('grad_global_norm', await norm.data(), c.grad_global_norm, forwardTolerance));
    const coef = Math.min(1, 1 / (c.grad_global_norm + 1e-6));
    for (const [name, golden] of Object.entries(c.after_one_adam_step.params)) {
      const goldenGrad = c.grads[name].data;
      // Where the clipped gradient is tiny, float32 rounding meets Adam's eps and the step may be anything up to lr.
      const tol = (_: number, i: number) => (Math.abs(goldenGrad[i] * coef) < 1e-6 ? PAPER_ADAM.lr : 2e-4);
      reports.push(compare(`adam ${name}`, await model.params.get(name)!.data(), golden, tol));
    }
    tf.dispose([x, labels, loss, norm, ...grads.values()]);
  } finally {
    adam.dispose();
    model.dispose();
  }
  return { name: c.name, quantities: reports, ok: reports.every((r) => r.ok) };
}

function missing(quantity: string): QuantityReport {
  return { quantity, maxAbsError: Infinity, worstToTolerance: Infinity, ok: false };
}

/** Every golden case; `options.fused` runs the body on the fused kernels. */
export async function runParity(config: Gpt2Config, backbone: TensorMap, golden: GoldenFile, options: FptOptions = {}): Promise<ParityReport> {
  const cases: CaseReport[] = [];
  for (const c of golden.cases) cases.push(await runParityCase(config, backbone, c, options));
  return { model: golden.model, cases, ok: cases.every((c) => c.ok) };
}
