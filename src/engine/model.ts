/**
 * The Frozen Pretrained Transformer: input adapter → GPT-2 blocks → output head on the last tokens.
 */
import { gpt2TensorShapes, type Gpt2Config } from '../weights/gpt2-checkpoint';
import { AdaptedModel, adapterShapes, countByGroup, type ForwardOptions, type GroupCount, type HeadSpec } from './adapted-model';
import { FPT_DEFAULT_GROUPS, type GroupName } from './groups';
import { causalMask, geluTanh, layerNorm, linear } from './ops/layers';
import type { TensorMap } from './tensors';
import { tf } from './tf';

export {
  adapterShapes,
  lastTokens,
  type ForwardOptions,
  type ForwardResult,
  type GroupCount,
  type HeadSpec,
  type SequenceModel,
} from './adapted-model';

/** Parameter counts per group for a GPT-2 config and a task head (see countByGroup). */
export function parameterCounts(config: Gpt2Config, head: HeadSpec, trainable: readonly GroupName[]): GroupCount[] {
  return countByGroup([...gpt2TensorShapes(config), ...adapterShapes(head, config.nEmbd)], head.seqLen, trainable);
}

export class FptModel extends AdaptedModel {
  readonly kind = 'gpt2' as const;
  private readonly mask: tf.Tensor2D;

  constructor(
    readonly config: Gpt2Config,
    head: HeadSpec,
    backbone: TensorMap,
    adapters: TensorMap,
    dropout = 0.1,
    groups: readonly GroupName[] = FPT_DEFAULT_GROUPS,
  ) {
    if (head.seqLen > config.nPositions) {
      throw new Error(`the task needs ${head.seqLen} tokens but the model has only ${config.nPositions} positions`);
    }
    super(head, new Map([...backbone, ...adapters]), dropout, groups);
    this.mask = causalMask(head.seqLen);
  }

  get width(): number {
    return this.config.nEmbd;
  }

  countParams(): GroupCount[] {
    return parameterCounts(this.config, this.head, this.groups);
  }

  /** Input adapter and GPT-2 blocks up to ln_f: [B, T, d], plus the requested attention map. */
  protected body(x: tf.Tensor, opts: ForwardOptions): { lastHidden: tf.Tensor3D; attention?: tf.Tensor3D } {
    const { nEmbd: d, nHead: H, nLayer, layerNormEps: eps } = this.config;
    const [B, T] = x.shape;
    const dh = d / H;
    let dropIndex = 0;
    const drop = <R extends tf.Rank>(t: tf.Tensor<R>): tf.Tensor<R> => {
      dropIndex++;
      if (!opts.training || this.dropout === 0) return t;
      return tf.dropout(t, this.dropout, undefined, (opts.dropoutSeed ?? 0) * 131 + dropIndex) as tf.Tensor<R>;
    };

    const embedded = this.embed(x);
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
    return { lastHidden: tf.reshape(final, [B, T, d]) as tf.Tensor3D, attention };
  }

  dispose(): void {
    super.dispose();
    this.mask.dispose();
  }
}
