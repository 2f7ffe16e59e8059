/**
 * The Frozen Pretrained Transformer: input adapter → GPT-2 blocks → output head on the last tokens.
 * Every parameter is a tf.Variable; which ones train is decided per step by the trainable groups, and
 * gradients are asked for those alone, so frozen weights get neither gradient nor optimizer state.
 */
import { gpt2TensorShapes, type Gpt2Config } from '../weights/gpt2-checkpoint';
import { ALL_GROUPS, FPT_DEFAULT_GROUPS, groupOf, type GroupName } from './groups';
import { causalMask, crossEntropy, geluTanh, layerNorm, linear } from './ops/layers';
import type { InputKind } from './tasks/task';
import type { TensorMap } from './tensors';
import { tf } from './tf';

/** What the adapters must fit: the task's input and output layout. */
export interface HeadSpec {
  input: InputKind;
  seqLen: number;
  /** How many final tokens the output head reads. */
  outputTokens: number;
  /** Labels predicted from each output token (50 for Bit Memory, else 1). */
  labelsPerToken: number;
  classes: number;
}

export interface ForwardOptions {
  training: boolean;
  /** Seed for this forward pass's dropout masks (training only). */
  dropoutSeed?: number;
  /** Also return this layer's attention probabilities for batch item 0, [heads, T, T]. */
  attentionLayer?: number;
}

export interface ForwardResult {
  /** [B * outputTokens * labelsPerToken, classes] */
  logits: tf.Tensor2D;
  /** After ln_f, [B, T, d]. */
  lastHidden: tf.Tensor3D;
  attention?: tf.Tensor3D;
}

export interface GroupCount {
  group: GroupName;
  trainable: boolean;
  params: number;
}

/** Adapter shapes for a head: Linear [dIn, d] + bias, or Embedding [vocab, d]; output [d, dOut] + bias. */
export function adapterShapes(head: HeadSpec, d: number): { name: string; shape: number[] }[] {
  const dOut = head.labelsPerToken * head.classes;
  const input =
    head.input.kind === 'vector'
      ? [{ name: 'in.weight', shape: [head.input.dim, d] }, { name: 'in.bias', shape: [d] }]
      : [{ name: 'in.weight', shape: [head.input.vocabSize, d] }];
  return [...input, { name: 'out.weight', shape: [d, dOut] }, { name: 'out.bias', shape: [dOut] }];
}

/**
 * Parameter counts per group as the user sees them, computed from shapes alone (no model needed).
 * Positions count only the T rows the task uses: the other rows of wpe never receive a gradient.
 */
export function parameterCounts(config: Gpt2Config, head: HeadSpec, trainable: readonly GroupName[]): GroupCount[] {
  const counts = new Map<GroupName, number>(ALL_GROUPS.map((g) => [g, 0]));
  for (const { name, shape } of [...gpt2TensorShapes(config), ...adapterShapes(head, config.nEmbd)]) {
    const n = name === 'wpe.weight' ? head.seqLen * config.nEmbd : shape.reduce((a, b) => a * b, 1);
    counts.set(groupOf(name), counts.get(groupOf(name))! + n);
  }
  return ALL_GROUPS.map((group) => ({ group, trainable: trainable.includes(group), params: counts.get(group)! }));
}

let nextModelId = 0;

export class FptModel {
  readonly params = new Map<string, tf.Variable>();
  /** TF.js variable names are global: each model prefixes its own. This maps them back. */
  readonly paramNameOf = new Map<string, string>();
  private trainableGroups: Set<GroupName>;
  private readonly mask: tf.Tensor2D;

  constructor(
    readonly config: Gpt2Config,
    readonly head: HeadSpec,
    backbone: TensorMap,
    adapters: TensorMap,
    readonly dropout = 0.1,
    groups: readonly GroupName[] = FPT_DEFAULT_GROUPS,
  ) {
    if (head.seqLen > config.nPositions) {
      throw new Error(`the task needs ${head.seqLen} tokens but the model has only ${config.nPositions} positions`);
    }
    const id = nextModelId++;
    for (const [name, t] of [...backbone, ...adapters]) {
      const variable = tf.variable(tf.tensor(t.data, t.shape), true, `fpt${id}/${name}`);
      this.params.set(name, variable);
      this.paramNameOf.set(variable.name, name);
    }
    this.trainableGroups = new Set(groups);
    this.mask = causalMask(head.seqLen);
  }

  get groups(): GroupName[] {
    return ALL_GROUPS.filter((g) => this.trainableGroups.has(g));
  }

  setTrainableGroups(groups: readonly GroupName[]): void {
    this.trainableGroups = new Set(groups);
  }

  isTrainable(name: string): boolean {
    return this.trainableGroups.has(groupOf(name));
  }

  trainableNames(): string[] {
    return [...this.params.keys()].filter((n) => this.isTrainable(n));
  }

  countParams(): GroupCount[] {
    return parameterCounts(this.config, this.head, this.groups);
  }

  private p(name: string): tf.Variable {
    const v = this.params.get(name);
    if (!v) throw new Error(`model has no parameter ${name}`);
    return v;
  }

  /** x: float [B, T, dIn] for vector inputs, int32 [B, T] for token inputs. */
  forward(x: tf.Tensor, opts: ForwardOptions): ForwardResult {
    const { nEmbd: d, nHead: H, nLayer, layerNormEps: eps } = this.config;
    const [B, T] = x.shape;
    const dh = d / H;
    let dropIndex = 0;
    const drop = <R extends tf.Rank>(t: tf.Tensor<R>): tf.Tensor<R> => {
      dropIndex++;
      if (!opts.training || this.dropout === 0) return t;
      return tf.dropout(t, this.dropout, undefined, (opts.dropoutSeed ?? 0) * 131 + dropIndex) as tf.Tensor<R>;
    };

    let embedded: tf.Tensor2D;
    if (this.head.input.kind === 'vector') {
      embedded = linear(tf.reshape(x, [B * T, this.head.input.dim]), this.p('in.weight'), this.p('in.bias'));
    } else {
      embedded = tf.gather(this.p('in.weight'), tf.reshape(tf.cast(x, 'int32'), [B * T])) as tf.Tensor2D;
    }
    const positions = tf.slice(this.p('wpe.weight'), [0, 0], [T, d]);
    let h = tf.reshape(tf.add(tf.reshape(drop(embedded), [B, T, d]), positions), [B * T, d]) as tf.Tensor2D;
    h = drop(h);

    const splitHeads = (t: tf.Tensor): tf.Tensor4D => tf.transpose(tf.reshape(t, [B, T, H, dh]), [0, 2, 1, 3]);
    let attention: tf.Tensor3D | undefined;
    for (let i = 0; i < nLayer; i++) {
      const pre = `h.${i}`;
      const a = layerNorm(h, this.p(`${pre}.ln_1.weight`), this.p(`${pre}.ln_1.bias`), eps);
      const qkv = linear(a, this.p(`${pre}.attn.c_attn.weight`), this.p(`${pre}.attn.c_attn.bias`));
      const [q, k, v] = tf.split(qkv, 3, 1).map(splitHeads);
      const scores = tf.add(tf.matMul(tf.mul(q, 1 / Math.sqrt(dh)), k, false, true), this.mask);
      const probs = tf.softmax(scores);
      if (opts.attentionLayer === i) attention = tf.reshape(tf.slice(probs, [0, 0, 0, 0], [1, H, T, T]), [H, T, T]);
      const context = tf.matMul(drop(probs), v);
      const merged = tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [B * T, d]) as tf.Tensor2D;
      h = tf.add<tf.Tensor2D>(h, drop<tf.Rank.R2>(linear(merged, this.p(`${pre}.attn.c_proj.weight`), this.p(`${pre}.attn.c_proj.bias`))));
      const m = layerNorm(h, this.p(`${pre}.ln_2.weight`), this.p(`${pre}.ln_2.bias`), eps);
      const up = geluTanh(linear(m, this.p(`${pre}.mlp.c_fc.weight`), this.p(`${pre}.mlp.c_fc.bias`)));
      h = tf.add<tf.Tensor2D>(h, drop<tf.Rank.R2>(linear(up, this.p(`${pre}.mlp.c_proj.weight`), this.p(`${pre}.mlp.c_proj.bias`))));
    }
    const final = layerNorm(h, this.p('ln_f.weight'), this.p('ln_f.bias'), eps);
    const lastHidden = tf.reshape(final, [B, T, d]) as tf.Tensor3D;

    const k = this.head.outputTokens;
    const lastTokens = tf.reshape(tf.slice(lastHidden, [0, T - k, 0], [B, k, d]), [B * k, d]) as tf.Tensor2D;
    const out = linear(lastTokens, this.p('out.weight'), this.p('out.bias'));
    const logits = tf.reshape(out, [B * k * this.head.labelsPerToken, this.head.classes]) as tf.Tensor2D;
    return { logits, lastHidden, attention };
  }

  loss(x: tf.Tensor, labels: tf.Tensor1D, opts: ForwardOptions): tf.Scalar {
    return crossEntropy(this.forward(x, opts).logits, labels);
  }

  dispose(): void {
    this.params.forEach((v) => v.dispose());
    this.mask.dispose();
  }
}
