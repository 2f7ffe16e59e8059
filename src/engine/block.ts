/**
 * The GPT-2 block's contract, shared by its two implementations (as nanoGPT's model.py has one Block
 * class): the composite one (src/engine/ops/gpt2-block.ts, TF.js ops and autodiff, every backend) and
 * the fused one (src/engine/fused/gpt2-block.ts, the engine's WebGPU kernels with an explicit
 * backward pass). FptModel runs one loop over the blocks and picks the implementation (`BodyOps`).
 *
 *   h2  = h + drop_attention-out( attn( LN1(h) ) )      attn drops its probabilities (attention-probs)
 *   out = h2 + drop_mlp-out( MLP( LN2(h2) ) )
 *
 * Dropout sites are numbered in the order a forward pass meets them: the input adapter's own dropout
 * (0, a Linear input only), the embedding's (1, after the positions are added), then three per block
 * (2 + 3·layer + 0, 1, 2 for attention-probs, attention-out, mlp-out). Each implementation turns a
 * site's number and the step's seed into its mask seed (BodyOps.siteSeed).
 */
import type { GroupName } from './groups';
import { PackedFp16Matrix } from './kernels/packed-fp16';
import type { tf } from './tf';

/** A frozen weight may be stored as packed fp16 (fused body only); a trainable one is a float32 tensor. */
export type Weight = tf.Tensor2D | PackedFp16Matrix;

export interface Norm {
  gamma: tf.Tensor1D;
  beta: tf.Tensor1D;
}

export interface Affine {
  weight: Weight;
  bias: tf.Tensor1D;
}

/** One block's parameters (Hugging Face names: ln_1, attn.c_attn, attn.c_proj, ln_2, mlp.c_fc, mlp.c_proj). */
export interface BlockParams {
  ln1: Norm;
  attn: Affine;
  attnProj: Affine;
  ln2: Norm;
  fc: Affine;
  fcProj: Affine;
}

export interface BlockShape {
  batch: number;
  seqLen: number;
  heads: number;
  eps: number;
}

/** The dropout sites before the blocks. */
export type BodySite = 'input-adapter' | 'embedding';

/** The dropout sites inside a block, in the order the block meets them. */
export const BLOCK_SITES = ['attention-probs', 'attention-out', 'mlp-out'] as const;
export type BlockSite = (typeof BLOCK_SITES)[number];

/** A site's number: input-adapter 0, embedding 1, then 2 + 3·layer + the site's place in BLOCK_SITES. */
export function dropoutSiteNumber(site: BodySite | BlockSite, layer = 0): number {
  if (site === 'input-adapter') return 0;
  if (site === 'embedding') return 1;
  return 2 + BLOCK_SITES.length * layer + BLOCK_SITES.indexOf(site);
}

/** The block's dropout in training: the rate and each site's mask seed; null in evaluation. */
export interface BlockDropout {
  rate: number;
  seeds: Record<BlockSite, number>;
}

/** The parameter groups a block's tensors belong to (groupOf: ln_1/ln_2, attn.*, mlp.*). */
export const BLOCK_GROUPS = ['layernorm', 'attention', 'feedforward'] as const satisfies readonly GroupName[];
export type BlockGroup = (typeof BLOCK_GROUPS)[number];

/** Which of the block's groups train (the fused block computes gradients for those alone). */
export type BlockTrainable = Record<BlockGroup, boolean>;

export function blockTrainable(groups: readonly GroupName[]): BlockTrainable {
  return Object.fromEntries(BLOCK_GROUPS.map((g) => [g, groups.includes(g)])) as BlockTrainable;
}

/**
 * A block applied to h [B*T, d], differentiable with respect to h and the trainable parameters.
 * `recompute` (fused only) keeps just h between the forward and backward passes.
 */
export type Gpt2Block = (
  h: tf.Tensor2D,
  params: BlockParams,
  shape: BlockShape,
  dropout: BlockDropout | null,
  trainable: BlockTrainable,
  recompute?: boolean,
) => tf.Tensor2D;

/** One implementation of the GPT-2 body: its block, the pieces around the blocks, and its dropout. */
export interface BodyOps {
  readonly fused: boolean;
  readonly block: Gpt2Block;
  /** Attention probabilities of batch item 0 at the block with these parameters and input h: [H, T, T]. */
  attentionMap(h: tf.Tensor2D, params: BlockParams, shape: BlockShape): tf.Tensor3D;
  layerNorm(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): tf.Tensor2D;
  /** y = x·W + b: the model's input adapter and output head (composite: ops/layers linear; fused: linearFused). */
  linear(x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D;
  dropout<R extends tf.Rank>(x: tf.Tensor<R>, rate: number, seed: number): tf.Tensor<R>;
  /**
   * The mask seed of a site (dropoutSiteNumber) in the forward pass seeded `stepSeed`; `firstSite` is
   * the number of the first site this pass drops (0 with a Linear input adapter, else 1).
   */
  siteSeed(stepSeed: number, site: number, firstSite: number): number;
  dispose(): void;
}

export function asTensor(w: Weight, what: string): tf.Tensor2D {
  if (w instanceof PackedFp16Matrix) throw new Error(`${what} is stored as packed fp16 and cannot train: unpack it before making its group trainable`);
  return w;
}
