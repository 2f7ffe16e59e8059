/**
 * The Frozen Pretrained Transformer: input adapter → GPT-2 blocks → output head on the last tokens.
 * The body reads as nanoGPT's GPT.forward: embedding plus positions and dropout, one loop over the
 * blocks, ln_f. Each block runs on the fused kernels or on composite TF.js ops (`BodyOps`, block.ts),
 * chosen once per model: the same maths and the same loop.
 */
import { gpt2TensorShapes, type Gpt2Config } from '../weights/gpt2-checkpoint';
import { AdaptedModel, adapterShapes, countByGroup, type ForwardOptions, type GroupCount, type HeadSpec } from './adapted-model';
import { blockTrainable, dropoutSiteNumber, type BlockParams, type BodyOps, type BodySite, type Weight } from './block';
import { FUSED_BODY } from './fused/gpt2-block';
import { FPT_DEFAULT_GROUPS, groupOf, type GroupName } from './groups';
import { exactFp16Bits, PackedFp16Matrix } from './kernels/packed-fp16';
import { compositeBody } from './ops/gpt2-block';
import type { TensorMap } from './tensors';
import { tf } from './tf';

export { adapterShapes, lastTokens, type ForwardOptions, type ForwardResult, type GroupCount, type HeadSpec, type SequenceModel } from './adapted-model';

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
  /** The block implementation and the ops around it: fused kernels or composite TF.js ops. */
  private readonly ops: BodyOps;
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
    this.ops = fused ? FUSED_BODY : compositeBody(head.seqLen);
    this.recompute = options.recompute ?? 'auto';
  }

  get fused(): boolean {
    return this.ops.fused;
  }

  /** The input adapter and output head on the body's own kernels (one fused product each on WebGPU). */
  protected override linear(x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
    return this.ops.linear(x, weight, bias);
  }

  get attentionHeads(): number {
    return this.config.nHead;
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

  /**
   * Input adapter, positions, the blocks (one loop: the implementation is this.ops), then ln_f:
   * [B, T, d], plus the requested layer's attention map.
   */
  protected body(x: tf.Tensor, opts: ForwardOptions): { lastHidden: tf.Tensor3D; attention?: tf.Tensor3D } {
    const { nEmbd: d, nHead: heads, nLayer, layerNormEps: eps } = this.config;
    const [batch, seqLen] = x.shape;
    const ops = this.ops;
    const rate = opts.training ? this.dropout : 0;
    const firstSite = dropoutSiteNumber(this.head.input.kind === 'vector' ? 'input-adapter' : 'embedding');
    const seed = (site: number) => ops.siteSeed(opts.dropoutSeed ?? 0, site, firstSite);
    const drop = (t: tf.Tensor2D, site: BodySite) => (rate > 0 ? ops.dropout(t, rate, seed(dropoutSiteNumber(site))) : t);

    let h = this.inputWithPositions(x, drop);
    const shape = { batch, seqLen, heads, eps };
    const trainable = blockTrainable(this.groups);
    const keptBytes = nLayer * batch * seqLen * 9 * d * 4;
    const recompute = this.recompute === 'auto' ? keptBytes > RECOMPUTE_ABOVE_BYTES : this.recompute;
    let attention: tf.Tensor3D | undefined;
    for (let i = 0; i < nLayer; i++) {
      const params = this.blockParams(i);
      if (opts.attentionLayer === i) attention = ops.attentionMap(h, params, shape);
      const seeds = {
        'attention-probs': seed(dropoutSiteNumber('attention-probs', i)),
        'attention-out': seed(dropoutSiteNumber('attention-out', i)),
        'mlp-out': seed(dropoutSiteNumber('mlp-out', i)),
      };
      h = ops.block(h, params, shape, rate > 0 ? { rate, seeds } : null, trainable, recompute);
    }
    const final = ops.layerNorm(h, this.p('ln_f.weight') as tf.Tensor1D, this.p('ln_f.bias') as tf.Tensor1D, eps);
    return { lastHidden: tf.reshape(final, [batch, seqLen, d]) as tf.Tensor3D, attention };
  }

  /**
   * Input adapter, plus the first T position embeddings, then GPT-2's embedding dropout: [B * T, d].
   * A Linear input adapter has a dropout of its own before the positions (the reference's in_net
   * ends in nn.Dropout); an Embedding (ListOps) has none, as in the reference, so its tokens are
   * dropped once, not twice.
   */
  private inputWithPositions(x: tf.Tensor, drop: (t: tf.Tensor2D, site: BodySite) => tf.Tensor2D): tf.Tensor2D {
    const [B, T] = x.shape;
    const d = this.config.nEmbd;
    const positions = tf.slice(this.p('wpe.weight'), [0, 0], [T, d]);
    const embedded = this.head.input.kind === 'vector' ? drop(this.embed(x), 'input-adapter') : this.embed(x);
    const h = tf.reshape(tf.add(tf.reshape(embedded, [B, T, d]), positions), [B * T, d]) as tf.Tensor2D;
    return drop(h, 'embedding');
  }

  private blockParams(i: number): BlockParams {
    const pre = `h.${i}`;
    const affine = (name: string) => ({ weight: this.weight(`${pre}.${name}.weight`), bias: this.p(`${pre}.${name}.bias`) as tf.Tensor1D });
    const norm = (name: string) => ({ gamma: this.p(`${pre}.${name}.weight`) as tf.Tensor1D, beta: this.p(`${pre}.${name}.bias`) as tf.Tensor1D });
    return {
      ln1: norm('ln_1'),
      attn: affine('attn.c_attn'),
      attnProj: affine('attn.c_proj'),
      ln2: norm('ln_2'),
      fc: affine('mlp.c_fc'),
      fcProj: affine('mlp.c_proj'),
    };
  }

  dispose(): void {
    super.dispose();
    this.packed.forEach((m) => m.dispose());
    this.packed.clear();
    this.ops.dispose();
  }
}
