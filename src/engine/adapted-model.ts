/**
 * What every model the Trainer drives has in common: the task's adapters (input layer, output head on
 * the last tokens) around a body, parameters as tf.Variables keyed by checkpoint-style names, and the
 * trainable parameter groups. The FPT (GPT-2 body) and the LSTM baseline extend AdaptedModel.
 */
import { ALL_GROUPS, groupOf, type GroupName } from './groups';
import { crossEntropy, linear } from './ops/layers';
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
  /** After the body's final norm, [B, T, d]. */
  lastHidden: tf.Tensor3D;
  attention?: tf.Tensor3D;
}

export interface GroupCount {
  group: GroupName;
  trainable: boolean;
  params: number;
}

/**
 * What the Trainer needs from a model. `features` runs input adapter + body and returns the
 * final-norm features of the last `head.outputTokens` tokens, [B * outputTokens, d]; `headLogits`
 * applies the output head to such features. `forward` is the two composed.
 */
export interface SequenceModel {
  readonly kind: 'gpt2' | 'lstm';
  readonly head: HeadSpec;
  /** Width of the features the output head reads. */
  readonly width: number;
  /** Heads of the attention maps `forward` returns when asked (attentionLayer); 0: the body has no attention. */
  readonly attentionHeads: number;
  /** The body runs on the engine's fused kernels (src/engine/kernels), else on composite TF.js ops. */
  readonly fused: boolean;
  /** Parameters held as float32 variables (every trainable one; frozen weights may be stored otherwise). */
  readonly params: Map<string, tf.Variable>;
  readonly paramNameOf: Map<string, string>;
  readonly groups: GroupName[];
  /** Every parameter's name and shape, however it is stored. */
  parameterShapes(): Map<string, number[]>;
  /** Sets a parameter's values (a frozen weight stored in another form becomes a float32 variable first). */
  assignParameter(name: string, values: tf.Tensor): void;
  setTrainableGroups(groups: readonly GroupName[]): void;
  trainableNames(): string[];
  countParams(): GroupCount[];
  forward(x: tf.Tensor, opts: ForwardOptions): ForwardResult;
  features(x: tf.Tensor, opts: ForwardOptions): tf.Tensor2D;
  headLogits(features: tf.Tensor2D): tf.Tensor2D;
  loss(x: tf.Tensor, labels: tf.Tensor1D, opts: ForwardOptions): tf.Scalar;
  dispose(): void;
}

/** Adapter shapes for a head: Linear [dIn, d] + bias, or Embedding [vocab, d]; output [d, dOut] + bias. */
export function adapterShapes(head: HeadSpec, d: number): { name: string; shape: number[] }[] {
  const dOut = head.labelsPerToken * head.classes;
  const input =
    head.input.kind === 'vector'
      ? [
          { name: 'in.weight', shape: [head.input.dim, d] },
          { name: 'in.bias', shape: [d] },
        ]
      : [{ name: 'in.weight', shape: [head.input.vocabSize, d] }];
  return [...input, { name: 'out.weight', shape: [d, dOut] }, { name: 'out.bias', shape: [dOut] }];
}

/**
 * Parameter counts per group as the user sees them, from shapes alone (no model needed). Positions
 * count only the T rows the task uses: the other rows of wpe never receive a gradient.
 */
export function countByGroup(shapes: { name: string; shape: number[] }[], seqLen: number, trainable: readonly GroupName[]): GroupCount[] {
  const counts = new Map<GroupName, number>(ALL_GROUPS.map((g) => [g, 0]));
  for (const { name, shape } of shapes) {
    const n = name === 'wpe.weight' ? seqLen * shape[1] : shape.reduce((a, b) => a * b, 1);
    counts.set(groupOf(name), counts.get(groupOf(name))! + n);
  }
  return ALL_GROUPS.map((group) => ({ group, trainable: trainable.includes(group), params: counts.get(group)! }));
}

/** The last k tokens of [B, T, d] as [B * k, d]. */
export function lastTokens(hidden: tf.Tensor3D, k: number): tf.Tensor2D {
  const [B, T, d] = hidden.shape;
  return tf.reshape(tf.slice(hidden, [0, T - k, 0], [B, k, d]), [B * k, d]) as tf.Tensor2D;
}

let nextModelId = 0;

/**
 * Every parameter is a tf.Variable; which ones train is decided per step by the trainable groups, and
 * gradients are asked for those alone, so frozen weights get neither gradient nor optimizer state.
 */
export abstract class AdaptedModel implements SequenceModel {
  abstract readonly kind: 'gpt2' | 'lstm';
  abstract readonly width: number;
  abstract readonly attentionHeads: number;
  abstract readonly fused: boolean;
  readonly params = new Map<string, tf.Variable>();
  /** TF.js variable names are global: each model prefixes its own. This maps them back. */
  readonly paramNameOf = new Map<string, string>();
  private trainableGroups: Set<GroupName>;
  private readonly id = nextModelId++;

  constructor(
    readonly head: HeadSpec,
    tensors: TensorMap,
    readonly dropout: number,
    groups: readonly GroupName[],
  ) {
    for (const [name, t] of tensors) this.addParam(name, tf.tensor(t.data, t.shape));
    this.trainableGroups = new Set(groups);
  }

  /** Makes `value` the float32 variable `name` (the variable takes over the tensor). */
  protected addParam(name: string, value: tf.Tensor): tf.Variable {
    const variable = tf.variable(value, true, `model${this.id}/${name}`);
    value.dispose();
    this.params.set(name, variable);
    this.paramNameOf.set(variable.name, name);
    return variable;
  }

  parameterShapes(): Map<string, number[]> {
    return new Map([...this.params].map(([name, v]) => [name, v.shape]));
  }

  assignParameter(name: string, values: tf.Tensor): void {
    this.p(name).assign(values);
  }

  /** The body: input adapter output in, [B, T, width] after its final norm out (plus an attention map where asked). */
  protected abstract body(x: tf.Tensor, opts: ForwardOptions): { lastHidden: tf.Tensor3D; attention?: tf.Tensor3D };

  abstract countParams(): GroupCount[];

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

  protected p(name: string): tf.Variable {
    const v = this.params.get(name);
    if (!v) throw new Error(`model has no parameter ${name}`);
    return v;
  }

  /** y = x·W + b of the input adapter and the output head; a body with kernels of its own overrides it. */
  protected linear(x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
    return linear(x, weight, bias);
  }

  /** The input adapter: x float [B, T, dIn] through the Linear, or int ids [B, T] through the Embedding; [B * T, width]. */
  protected embed(x: tf.Tensor): tf.Tensor2D {
    const [B, T] = x.shape;
    if (this.head.input.kind === 'vector') {
      return this.linear(tf.reshape(x, [B * T, this.head.input.dim]), this.p('in.weight') as tf.Tensor2D, this.p('in.bias') as tf.Tensor1D);
    }
    return tf.gather(this.p('in.weight'), tf.reshape(tf.cast(x, 'int32'), [B * T])) as tf.Tensor2D;
  }

  forward(x: tf.Tensor, opts: ForwardOptions): ForwardResult {
    const { lastHidden, attention } = this.body(x, opts);
    return { logits: this.headLogits(lastTokens(lastHidden, this.head.outputTokens)), lastHidden, attention };
  }

  features(x: tf.Tensor, opts: ForwardOptions): tf.Tensor2D {
    return lastTokens(this.body(x, opts).lastHidden, this.head.outputTokens);
  }

  /** The output head on last-token features [N, d]: logits [N * labelsPerToken, classes]. */
  headLogits(features: tf.Tensor2D): tf.Tensor2D {
    const out = this.linear(features, this.p('out.weight') as tf.Tensor2D, this.p('out.bias') as tf.Tensor1D);
    return tf.reshape(out, [features.shape[0] * this.head.labelsPerToken, this.head.classes]) as tf.Tensor2D;
  }

  loss(x: tf.Tensor, labels: tf.Tensor1D, opts: ForwardOptions): tf.Scalar {
    return crossEntropy(this.forward(x, opts).logits, labels);
  }

  dispose(): void {
    this.params.forEach((v) => v.dispose());
  }
}
