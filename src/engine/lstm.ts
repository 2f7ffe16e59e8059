/**
 * The paper's LSTM baseline (docs/fpt-spec.md): the same input adapter and output head as the FPT, around
 * a body of `layers` (3) stacked LSTMs of width `width` (768), each followed by a LayerNorm, and no
 * positional embeddings (the recurrence carries order).
 *
 * Layer norm placement (our choice, documented): LayerNorm on each layer's output sequence,
 * h_l = LN_l(LSTM_l(h_{l-1})); not checked against the reference code's LSTM. The last
 * layer's LayerNorm plays the role of GPT-2's ln_f, so the head reads normed features as in the FPT.
 * Dropout: only the input adapter's (0.1 after the input layer, as in the FPT); none between layers.
 *
 * The cell is PyTorch's nn.LSTM cell: gates = x W_ih + b_ih + h W_hh + b_hh split as (i, f, g, o);
 * c' = σ(f) c + σ(i) tanh(g); h' = σ(o) tanh(c'). Weights are stored [in, 4h] (y = x·W, the
 * engine's Linear layout, the transpose of PyTorch's [4h, in]). Initialisation is PyTorch's default,
 * every weight and bias U(-1/sqrt(h), 1/sqrt(h)), seeded; LayerNorms 1/0.
 *
 * Built from differentiable 2-D ops only (tf.matMul on 2-D tensors, split, slice, unstack, stack):
 * TF.js gives wrong weight gradients for 3-D x 2-D matMul, and einsum/stridedSlice have no gradient.
 */
import { AdaptedModel, adapterShapes, countByGroup, type ForwardOptions, type GroupCount, type HeadSpec } from './adapted-model';
import { FPT_DEFAULT_GROUPS, type GroupName } from './groups';
import { initAdapters } from './init';
import { layerNorm, linear } from './ops/layers';
import { Rng } from './rng';
import type { HostTensor, TensorMap } from './tensors';
import { tf } from './tf';

export interface LstmConfig {
  /** Hidden width of every layer (paper: 768). */
  width: number;
  /** Stacked layers (paper: 3). */
  layers: number;
  layerNormEps: number;
}

export const PAPER_LSTM: LstmConfig = { width: 768, layers: 3, layerNormEps: 1e-5 };

/** Shapes of the LSTM body's tensors, weights [in, 4h]. Layer 0's input is the adapter's output (width). */
export function lstmTensorShapes(config: LstmConfig): { name: string; shape: number[] }[] {
  const h = config.width;
  const out: { name: string; shape: number[] }[] = [];
  for (let l = 0; l < config.layers; l++) {
    out.push(
      { name: `lstm.${l}.weight_ih`, shape: [h, 4 * h] },
      { name: `lstm.${l}.weight_hh`, shape: [h, 4 * h] },
      { name: `lstm.${l}.bias_ih`, shape: [4 * h] },
      { name: `lstm.${l}.bias_hh`, shape: [4 * h] },
      { name: `lstm.${l}.ln.weight`, shape: [h] },
      { name: `lstm.${l}.ln.bias`, shape: [h] },
    );
  }
  return out;
}

/** PyTorch's nn.LSTM default init U(-1/sqrt(h), 1/sqrt(h)) for weights and biases; LayerNorm gain 1, bias 0. */
export function initLstmBody(config: LstmConfig, rng: Rng): TensorMap {
  const bound = 1 / Math.sqrt(config.width);
  const out: TensorMap = new Map();
  for (const { name, shape } of lstmTensorShapes(config)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    if (name.endsWith('ln.weight')) data.fill(1);
    else if (!name.endsWith('ln.bias')) for (let i = 0; i < data.length; i++) data[i] = (rng.next() * 2 - 1) * bound;
    out.set(name, { shape, data } satisfies HostTensor);
  }
  return out;
}

/**
 * One LSTM step for a batch: xProj = x W_ih + b_ih [B, 4·hid] (the input projection, done for all
 * time steps at once by lstmLayer), h and c [B, hid]. Gate order (i, f, g, o) as PyTorch.
 */
export function lstmCellStep(
  xProj: tf.Tensor2D,
  h: tf.Tensor2D,
  c: tf.Tensor2D,
  weightHh: tf.Tensor,
  biasHh: tf.Tensor,
): { h: tf.Tensor2D; c: tf.Tensor2D } {
  const gates = tf.add(xProj, linear(h, weightHh, biasHh)) as tf.Tensor2D;
  const [i, f, g, o] = tf.split(gates, 4, 1);
  const cNext = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g))) as tf.Tensor2D;
  const hNext = tf.mul(tf.sigmoid(o), tf.tanh(cNext)) as tf.Tensor2D;
  return { h: hNext, c: cNext };
}

/**
 * One LSTM layer over a sequence, zero initial state: x [B, T, in] → outputs [B, T, hid]. The input
 * projection is one 2-D matMul over all B·T tokens; the recurrence steps over T with 2-D matMuls.
 */
export function lstmLayer(x: tf.Tensor3D, weightIh: tf.Tensor, weightHh: tf.Tensor, biasIh: tf.Tensor, biasHh: tf.Tensor): tf.Tensor3D {
  const [B, T, dIn] = x.shape;
  const hid = weightHh.shape[0];
  const proj = tf.reshape(linear(tf.reshape(x, [B * T, dIn]) as tf.Tensor2D, weightIh, biasIh), [B, T, 4 * hid]);
  const steps = tf.unstack(tf.transpose(proj, [1, 0, 2])) as tf.Tensor2D[];
  let h = tf.zeros([B, hid]) as tf.Tensor2D;
  let c = tf.zeros([B, hid]) as tf.Tensor2D;
  const outputs: tf.Tensor2D[] = [];
  for (let t = 0; t < T; t++) {
    ({ h, c } = lstmCellStep(steps[t], h, c, weightHh, biasHh));
    outputs.push(h);
  }
  return tf.stack(outputs, 1) as tf.Tensor3D;
}

/** The LSTM baseline under the FPT's adapters; the Trainer drives it like the FPT. */
export class LstmModel extends AdaptedModel {
  readonly kind = 'lstm' as const;

  constructor(
    readonly config: LstmConfig,
    head: HeadSpec,
    body: TensorMap,
    adapters: TensorMap,
    dropout = 0.1,
    groups: readonly GroupName[] = FPT_DEFAULT_GROUPS,
  ) {
    super(head, new Map([...body, ...adapters]), dropout, groups);
  }

  /** A seeded model: body from `bodyRng`, adapters as the FPT's (initAdapters) from `adapterRng`. */
  static create(config: LstmConfig, head: HeadSpec, bodyRng: Rng, adapterRng: Rng, dropout = 0.1, groups: readonly GroupName[] = FPT_DEFAULT_GROUPS): LstmModel {
    const adapters = initAdapters(head.input, config.width, head.labelsPerToken * head.classes, adapterRng);
    return new LstmModel(config, head, initLstmBody(config, bodyRng), adapters, dropout, groups);
  }

  get width(): number {
    return this.config.width;
  }

  countParams(): GroupCount[] {
    return countByGroup([...lstmTensorShapes(this.config), ...adapterShapes(this.head, this.config.width)], this.head.seqLen, this.groups);
  }

  /** Input adapter, the stacked layer-normed LSTMs: [B, T, width] after the last LayerNorm. */
  protected body(x: tf.Tensor, opts: ForwardOptions): { lastHidden: tf.Tensor3D } {
    const [B, T] = x.shape;
    const d = this.config.width;
    let embedded = this.embed(x);
    if (opts.training && this.dropout > 0) {
      embedded = tf.dropout(embedded, this.dropout, undefined, (opts.dropoutSeed ?? 0) * 131 + 1) as tf.Tensor2D;
    }
    let h = tf.reshape(embedded, [B, T, d]) as tf.Tensor3D;
    for (let l = 0; l < this.config.layers; l++) {
      const out = lstmLayer(h, this.p(`lstm.${l}.weight_ih`), this.p(`lstm.${l}.weight_hh`), this.p(`lstm.${l}.bias_ih`), this.p(`lstm.${l}.bias_hh`));
      const normed = layerNorm(tf.reshape(out, [B * T, d]) as tf.Tensor2D, this.p(`lstm.${l}.ln.weight`), this.p(`lstm.${l}.ln.bias`), this.config.layerNormEps);
      h = tf.reshape(normed, [B, T, d]) as tf.Tensor3D;
    }
    return { lastHidden: h };
  }
}
