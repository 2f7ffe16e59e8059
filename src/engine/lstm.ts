/**
 * The paper's LSTM baseline as its code builds it (universal_computation/models/lstm.py: LNLSTM of
 * LayerNormLSTM cells, 3 layers of 768, unidirectional, no residuals), under the same input adapter
 * and output head as the FPT, with no positional embeddings (the recurrence carries order).
 *
 * One cell step, per example (hidden width H, gate order (i, f, o, g) as the reference slices them):
 *   a = LN_ih(x W_ih + b_ih) + LN_hh(h W_hh + b_hh)           (two LayerNorms over the 4H pre-activations)
 *   i, f, o = σ(a[0:H]), σ(a[H:2H]), σ(a[2H:3H]);  g = tanh(a[3H:4H])
 *   c' = LN_cell(f ⊙ c + i ⊙ g)                                (the normalised cell state is what is carried)
 *   h' = dropout(o ⊙ tanh(c'))                                 (p = 0.1 in training; the dropped h is both the
 *                                                               layer's output and the next step's state)
 * LN is the reference's: (v - mean) / sqrt(var + eps) · gain + bias with the unbiased variance
 * (n - 1), eps 1e-6. Initialisation as the reference: every W and b U(±1/√H); LayerNorm gains and
 * biases U(±1/√n), n = the normalised width (4H or H). The initial state (h, c) of every layer is
 * random, N(0, √(2 / (in + H))) per value (Xavier, as the reference's init_hidden), drawn afresh each
 * forward pass: in training from the step's dropout seed, in evaluation from a fixed seed so that
 * evaluations are repeatable. One difference, ours: one state is drawn per pass and shared by the
 * batch's examples (the reference draws one per example), so that an example's features do not depend
 * on its batch-mates or its place in the batch (the cached features of §3.9 are computed in chunks). Weights are stored [in, 4H] (y = x·W, the engine's Linear layout).
 *
 * Built from differentiable 2-D ops only (tf.matMul on 2-D tensors, split, slice, unstack, stack):
 * TF.js gives wrong weight gradients for 3-D x 2-D matMul, and einsum/stridedSlice have no gradient.
 */
import { AdaptedModel, adapterShapes, countByGroup, type ForwardOptions, type GroupCount, type HeadSpec } from './adapted-model';
import { FPT_DEFAULT_GROUPS, type GroupName } from './groups';
import { initAdapters } from './init';
import { linear } from './ops/layers';
import { Rng } from './rng';
import type { HostTensor, TensorMap } from './tensors';
import { tf } from './tf';

export interface LstmConfig {
  /** Hidden width of every layer (paper: 768). */
  width: number;
  /** Stacked layers (paper: 3). */
  layers: number;
  /** The reference's LayerNorm epsilon, 1e-6. */
  layerNormEps: number;
}

export const PAPER_LSTM: LstmConfig = { width: 768, layers: 3, layerNormEps: 1e-6 };

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
      { name: `lstm.${l}.ln_ih.weight`, shape: [4 * h] },
      { name: `lstm.${l}.ln_ih.bias`, shape: [4 * h] },
      { name: `lstm.${l}.ln_hh.weight`, shape: [4 * h] },
      { name: `lstm.${l}.ln_hh.bias`, shape: [4 * h] },
      { name: `lstm.${l}.ln_cell.weight`, shape: [h] },
      { name: `lstm.${l}.ln_cell.bias`, shape: [h] },
    );
  }
  return out;
}

/** The reference's init: cell weights and biases U(±1/√H); LayerNorm gains and biases U(±1/√n), n their width. */
export function initLstmBody(config: LstmConfig, rng: Rng): TensorMap {
  const out: TensorMap = new Map();
  for (const { name, shape } of lstmTensorShapes(config)) {
    const bound = 1 / Math.sqrt(/\.ln_/.test(name) ? shape[0] : config.width);
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = (rng.next() * 2 - 1) * bound;
    out.set(name, { shape, data } satisfies HostTensor);
  }
  return out;
}

/** The reference's LayerNorm over the last axis of [N, n]: unbiased variance, eps inside the square root. */
export function lstmLayerNorm(x: tf.Tensor2D, gain: tf.Tensor, bias: tf.Tensor, eps: number): tf.Tensor2D {
  const n = x.shape[1];
  const centred = tf.sub(x, tf.mean(x, 1, true));
  const variance = tf.div(tf.sum(tf.square(centred), 1, true), n - 1);
  return tf.add(tf.mul(tf.div(centred, tf.sqrt(tf.add(variance, eps))), gain), bias) as tf.Tensor2D;
}

/** One layer's parameters. */
export interface LstmLayerParams {
  weightIh: tf.Tensor;
  weightHh: tf.Tensor;
  biasIh: tf.Tensor;
  biasHh: tf.Tensor;
  lnIh: { gain: tf.Tensor; bias: tf.Tensor };
  lnHh: { gain: tf.Tensor; bias: tf.Tensor };
  lnCell: { gain: tf.Tensor; bias: tf.Tensor };
}

/**
 * One cell step for a batch: ihNormed = LN_ih(x W_ih + b_ih) [B, 4H] (done for all time steps at
 * once by lstmLayer), h and c [B, H]. Returns h' before dropout and the normalised c'.
 */
export function lstmCellStep(ihNormed: tf.Tensor2D, h: tf.Tensor2D, c: tf.Tensor2D, p: LstmLayerParams, eps: number): { h: tf.Tensor2D; c: tf.Tensor2D } {
  const hh = lstmLayerNorm(linear(h, p.weightHh, p.biasHh), p.lnHh.gain, p.lnHh.bias, eps);
  const [i, f, o, g] = tf.split(tf.add(ihNormed, hh), 4, 1);
  const cRaw = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g))) as tf.Tensor2D;
  const cNext = lstmLayerNorm(cRaw, p.lnCell.gain, p.lnCell.bias, eps);
  const hNext = tf.mul(tf.sigmoid(o), tf.tanh(cNext)) as tf.Tensor2D;
  return { h: hNext, c: cNext };
}

export interface LstmLayerOptions {
  /** Initial state [B, H] each. */
  h0: tf.Tensor2D;
  c0: tf.Tensor2D;
  eps: number;
  /** Dropout on every step's h (training): rate and a seed per step. */
  dropout?: { rate: number; seed: (t: number) => number };
}

/**
 * One LSTM layer over a sequence: x [B, T, in] → outputs [B, T, H]. The input projection and its
 * LayerNorm are one 2-D op over all B·T tokens; the recurrence steps over T with 2-D ops.
 */
export function lstmLayer(x: tf.Tensor3D, p: LstmLayerParams, opts: LstmLayerOptions): tf.Tensor3D {
  const [B, T, dIn] = x.shape;
  const hid = p.weightHh.shape[0];
  const ih = lstmLayerNorm(linear(tf.reshape(x, [B * T, dIn]) as tf.Tensor2D, p.weightIh, p.biasIh), p.lnIh.gain, p.lnIh.bias, opts.eps);
  const steps = tf.unstack(tf.transpose(tf.reshape(ih, [B, T, 4 * hid]), [1, 0, 2])) as tf.Tensor2D[];
  let h = opts.h0;
  let c = opts.c0;
  const outputs: tf.Tensor2D[] = [];
  for (let t = 0; t < T; t++) {
    ({ h, c } = lstmCellStep(steps[t], h, c, p, opts.eps));
    if (opts.dropout) h = tf.dropout(h, opts.dropout.rate, undefined, opts.dropout.seed(t)) as tf.Tensor2D;
    outputs.push(h);
  }
  return tf.stack(outputs, 1) as tf.Tensor3D;
}

/** The LSTM baseline under the FPT's adapters; the Trainer drives it like the FPT. */
export class LstmModel extends AdaptedModel {
  readonly kind = 'lstm' as const;
  readonly attentionHeads = 0;
  readonly fused = false;

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
  static create(
    config: LstmConfig,
    head: HeadSpec,
    bodyRng: Rng,
    adapterRng: Rng,
    dropout = 0.1,
    groups: readonly GroupName[] = FPT_DEFAULT_GROUPS,
  ): LstmModel {
    const adapters = initAdapters(head.input, config.width, head.labelsPerToken * head.classes, adapterRng);
    return new LstmModel(config, head, initLstmBody(config, bodyRng), adapters, dropout, groups);
  }

  get width(): number {
    return this.config.width;
  }

  countParams(): GroupCount[] {
    return countByGroup([...lstmTensorShapes(this.config), ...adapterShapes(this.head, this.config.width)], this.head.seqLen, this.groups);
  }

  private layerParams(l: number): LstmLayerParams {
    const ln = (name: string) => ({ gain: this.p(`lstm.${l}.${name}.weight`), bias: this.p(`lstm.${l}.${name}.bias`) });
    return {
      weightIh: this.p(`lstm.${l}.weight_ih`),
      weightHh: this.p(`lstm.${l}.weight_hh`),
      biasIh: this.p(`lstm.${l}.bias_ih`),
      biasHh: this.p(`lstm.${l}.bias_hh`),
      lnIh: ln('ln_ih'),
      lnHh: ln('ln_hh'),
      lnCell: ln('ln_cell'),
    };
  }

  /**
   * Input adapter (its dropout for vector inputs, as the reference's in_net; none after an
   * Embedding), then the stacked cells, each from a random initial state, dropout on every step's
   * output in training: [B, T, width] of the last layer (no LayerNorm after it, as the reference).
   */
  protected body(x: tf.Tensor, opts: ForwardOptions): { lastHidden: tf.Tensor3D } {
    const [B, T] = x.shape;
    const d = this.config.width;
    const training = opts.training && this.dropout > 0;
    const base = (opts.training ? (opts.dropoutSeed ?? LSTM_EVAL_STATE_SEED) : LSTM_EVAL_STATE_SEED) * 131;
    let embedded = this.embed(x);
    if (training && this.head.input.kind === 'vector') embedded = tf.dropout(embedded, this.dropout, undefined, base + 1) as tf.Tensor2D;
    let h = tf.reshape(embedded, [B, T, d]) as tf.Tensor3D;
    const std = Math.sqrt(2 / (d + d));
    for (let l = 0; l < this.config.layers; l++) {
      const layerSeed = base + 1000 * (l + 1);
      h = lstmLayer(h, this.layerParams(l), {
        h0: tf.tile(tf.randomNormal([1, d], 0, std, 'float32', layerSeed + 2), [B, 1]) as tf.Tensor2D,
        c0: tf.tile(tf.randomNormal([1, d], 0, std, 'float32', layerSeed + 3), [B, 1]) as tf.Tensor2D,
        eps: this.config.layerNormEps,
        dropout: training ? { rate: this.dropout, seed: (t) => layerSeed + 10 + t } : undefined,
      });
    }
    return { lastHidden: h };
  }
}

/** The seed of the initial states in evaluation (fixed, so evaluations repeat). */
export const LSTM_EVAL_STATE_SEED = 7919;
