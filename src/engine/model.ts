/**
 * The Frozen Pretrained Transformer: input adapter → GPT-2 blocks → output head on the last tokens.
 */
import { gpt2TensorShapes, type Gpt2Config } from '../weights/gpt2-checkpoint';
import { AdaptedModel, adapterShapes, countByGroup, type ForwardOptions, type GroupCount, type HeadSpec } from './adapted-model';
import { gpt2Block, type BlockParams, type Weight } from './fused/gpt2-block';
import { FPT_DEFAULT_GROUPS, groupOf, type GroupName } from './groups';
import { attentionProbabilities } from './kernels/attention';
import { dropout as gpuDropout } from './kernels/dropout';
import { pcgHash } from './kernels/dropout-mask';
import { layerNorm as fusedLayerNorm, layerNormForward } from './kernels/layer-norm';
import { matmul } from './kernels/matmul';
import { exactFp16Bits, PackedFp16Matrix } from './kernels/packed-fp16';
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

export interface FptOptions {
  /**
   * Run the body on the fused kernels (src/engine/kernels, one custom op per block with an explicit
   * backward pass) instead of composite TF.js ops. Same numbers up to float32 rounding; different
   * dropout masks (drawn on the GPU from a counter-based hash). 'auto' (the default) uses them on WebGPU.
   */
  fused?: boolean | 'auto';
  /**
   * Fused only: keep frozen weight matrices as packed fp16 on the GPU. 'auto' packs those whose
   * values are exactly fp16 already (the converted GPT-2 shards), so nothing changes numerically;
   * 'fp16' rounds any frozen matrix (a random init, for benchmarks); 'fp32' never packs.
   */
  frozenWeights?: 'auto' | 'fp16' | 'fp32';
  /**
   * Fused only: keep just each block's input between forward and backward and recompute the rest
   * (bounded activation memory). 'auto' recomputes when the kept activations would pass 512 MB.
   */
  recompute?: boolean | 'auto';
}

/** Weight matrices of a block that may be stored packed while frozen. */
const BLOCK_MATRICES = ['attn.c_attn.weight', 'attn.c_proj.weight', 'mlp.c_fc.weight', 'mlp.c_proj.weight'];
const RECOMPUTE_ABOVE_BYTES = 512 * 2 ** 20;

export class FptModel extends AdaptedModel {
  readonly kind = 'gpt2' as const;
  readonly fused: boolean;
  private readonly mask: tf.Tensor2D;
  private readonly packed: Map<string, PackedFp16Matrix>;
  private readonly recompute: boolean | 'auto';

  constructor(
    readonly config: Gpt2Config,
    head: HeadSpec,
    backbone: TensorMap,
    adapters: TensorMap,
    dropout = 0.1,
    groups: readonly GroupName[] = FPT_DEFAULT_GROUPS,
    options: FptOptions = {},
  ) {
    if (head.seqLen > config.nPositions) {
      throw new Error(`the task needs ${head.seqLen} tokens but the model has only ${config.nPositions} positions`);
    }
    const fused = (options.fused ?? 'auto') === 'auto' ? tf.getBackend() === 'webgpu' : options.fused === true;
    const policy = options.frozenWeights ?? 'auto';
    // Frozen weight matrices packed as fp16: from their exact fp16 bits, or rounded under the 'fp16' policy.
    const packed = new Map<string, PackedFp16Matrix>();
    if (fused && policy !== 'fp32') {
      for (const [name, { data, shape }] of backbone) {
        if (!BLOCK_MATRICES.some((m) => name.endsWith(m)) || groups.includes(groupOf(name))) continue;
        const values = policy === 'fp16' ? data : exactFp16Bits(data);
        if (values) packed.set(name, new PackedFp16Matrix(values, shape[0], shape[1]));
      }
    }
    super(head, new Map([...backbone, ...adapters].filter(([name]) => !packed.has(name))), dropout, groups);
    this.packed = packed;
    this.fused = fused;
    this.recompute = options.recompute ?? 'auto';
    this.mask = causalMask(head.seqLen);
  }

  /** GPU bytes of the frozen weights stored packed. */
  get packedBytes(): number {
    let n = 0;
    this.packed.forEach((m) => (n += m.bytes));
    return n;
  }

  override setTrainableGroups(groups: readonly GroupName[]): void {
    super.setTrainableGroups(groups);
    for (const name of [...this.packed.keys()]) if (groups.includes(groupOf(name))) this.unpack(name);
  }

  override parameterShapes(): Map<string, number[]> {
    const shapes = super.parameterShapes();
    this.packed.forEach((m, name) => shapes.set(name, [m.rows, m.cols]));
    return shapes;
  }

  override assignParameter(name: string, values: tf.Tensor): void {
    if (this.packed.has(name)) this.unpack(name);
    super.assignParameter(name, values);
  }

  /** A packed weight becomes a float32 variable (exactly: every fp16 value is a float32 value). */
  private unpack(name: string): void {
    const matrix = this.packed.get(name)!;
    this.addParam(name, tf.clone(matrix.toFloat32()));
    matrix.dispose();
    this.packed.delete(name);
  }

  private weight(name: string): Weight {
    return this.packed.get(name) ?? (this.p(name) as tf.Tensor as tf.Tensor2D);
  }

  get width(): number {
    return this.config.nEmbd;
  }

  countParams(): GroupCount[] {
    return parameterCounts(this.config, this.head, this.groups);
  }

  /** Input adapter and GPT-2 blocks up to ln_f: [B, T, d], plus the requested attention map. */
  protected body(x: tf.Tensor, opts: ForwardOptions): { lastHidden: tf.Tensor3D; attention?: tf.Tensor3D } {
    return this.fused ? this.fusedBody(x, opts) : this.compositeBody(x, opts);
  }

  /**
   * Input adapter, plus the first T position embeddings, then GPT-2's embedding dropout: [B * T, d].
   * A Linear input adapter has a dropout of its own before the positions (the reference's in_net
   * ends in nn.Dropout); an Embedding (ListOps) has none, as in the reference, so its tokens are
   * dropped once, not twice.
   */
  private inputWithPositions(x: tf.Tensor, drop: <R extends tf.Rank>(t: tf.Tensor<R>, site: number) => tf.Tensor<R>): tf.Tensor2D {
    const [B, T] = x.shape;
    const d = this.config.nEmbd;
    const positions = tf.slice(this.p('wpe.weight'), [0, 0], [T, d]);
    const embedded = this.head.input.kind === 'vector' ? drop(this.embed(x), 0) : this.embed(x);
    const h = tf.reshape(tf.add(tf.reshape(embedded, [B, T, d]), positions), [B * T, d]) as tf.Tensor2D;
    return drop(h, 1);
  }

  private blockParams(i: number): BlockParams {
    const pre = `h.${i}`;
    const affine = (name: string) => ({ weight: this.weight(`${pre}.${name}.weight`) as Weight, bias: this.p(`${pre}.${name}.bias`) as tf.Tensor1D });
    const norm = (name: string) => ({ gamma: this.p(`${pre}.${name}.weight`) as tf.Tensor1D, beta: this.p(`${pre}.${name}.bias`) as tf.Tensor1D });
    return { ln1: norm('ln_1'), attn: affine('attn.c_attn'), attnProj: affine('attn.c_proj'), ln2: norm('ln_2'), fc: affine('mlp.c_fc'), fcProj: affine('mlp.c_proj') };
  }

  private fusedBody(x: tf.Tensor, opts: ForwardOptions): { lastHidden: tf.Tensor3D; attention?: tf.Tensor3D } {
    const { nEmbd: d, nHead: H, nLayer, layerNormEps: eps } = this.config;
    const [B, T] = x.shape;
    const training = opts.training && this.dropout > 0;
    const stepSeed = pcgHash(opts.dropoutSeed ?? 0);
    const seed = (site: number) => pcgHash((stepSeed + site) >>> 0);
    const drop = <R extends tf.Rank>(t: tf.Tensor<R>, site: number): tf.Tensor<R> => (training ? gpuDropout(t, { rate: this.dropout, seed: seed(site) }) : t);

    let h = this.inputWithPositions(x, drop);
    const trainable = { layernorm: this.isTrainable('h.0.ln_1.weight'), attention: this.isTrainable('h.0.attn.c_attn.weight'), feedforward: this.isTrainable('h.0.mlp.c_fc.weight') };
    const keptBytes = nLayer * B * T * 9 * d * 4;
    const recompute = this.recompute === 'auto' ? keptBytes > RECOMPUTE_ABOVE_BYTES : this.recompute;
    const shape = { batch: B, seqLen: T, heads: H, eps };
    let attention: tf.Tensor3D | undefined;
    for (let i = 0; i < nLayer; i++) {
      const params = this.blockParams(i);
      if (opts.attentionLayer === i) {
        attention = tf.tidy(() => {
          const qkv = matmul(layerNormForward(h, params.ln1.gamma, params.ln1.beta, eps), params.attn.weight, { bias: params.attn.bias });
          return attentionProbabilities(qkv, B, T, H, 0);
        });
      }
      const dropout = training ? { rate: this.dropout, attention: seed(3 * i + 2), attnResidual: seed(3 * i + 3), mlpResidual: seed(3 * i + 4) } : null;
      h = gpt2Block(h, params, shape, dropout, trainable, recompute);
    }
    const final = fusedLayerNorm(h, this.p('ln_f.weight') as tf.Tensor1D, this.p('ln_f.bias') as tf.Tensor1D, eps);
    return { lastHidden: tf.reshape(final, [B, T, d]) as tf.Tensor3D, attention };
  }

  private compositeBody(x: tf.Tensor, opts: ForwardOptions): { lastHidden: tf.Tensor3D; attention?: tf.Tensor3D } {
    const { nEmbd: d, nHead: H, nLayer, layerNormEps: eps } = this.config;
    const [B, T] = x.shape;
    const dh = d / H;
    let dropIndex = 0;
    // Masks are numbered in call order (the site argument is the fused path's).
    const drop = <R extends tf.Rank>(t: tf.Tensor<R>, _site?: number): tf.Tensor<R> => {
      dropIndex++;
      if (!opts.training || this.dropout === 0) return t;
      return tf.dropout(t, this.dropout, undefined, (opts.dropoutSeed ?? 0) * 131 + dropIndex) as tf.Tensor<R>;
    };

    let h = this.inputWithPositions(x, drop);

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
    this.packed.forEach((m) => m.dispose());
    this.packed.clear();
    this.mask.dispose();
  }
}
