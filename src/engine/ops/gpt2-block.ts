/**
 * One GPT-2 block as composite TF.js ops (every backend; TF.js's autodiff gives the backward pass):
 *
 *   a     = LN1(h)
 *   q,k,v = split(a·Wqkv + b), per head [B, H, T, dh]
 *   P     = softmax(q·kᵀ / √dh + causal mask)           (the attention map)
 *   h2    = h + drop(merge(drop(P)·v)·Wo + b)
 *   out   = h2 + drop(gelu(LN2(h2)·Wfc + b)·Wp + b)
 *
 * The same signature as the fused block (src/engine/fused/gpt2-block.ts); the trainable groups and
 * `recompute` do not change anything here (the tape differentiates what the loss is asked about).
 * Masks are tf.dropout's, seeded stepSeed·131 + n for the n-th mask of the forward pass (from 1).
 */
import { asTensor, type BlockDropout, type BlockParams, type BlockShape, type BodyOps, type Gpt2Block } from '../block';
import { CAUSAL_ATTENTION, CAUSAL_ATTENTION_DROPOUT, hasHostKernel } from '../host-kernels';
import { tf } from '../tf';
import { causalMask, geluTanh, layerNorm, linear } from './layers';

function dropout<R extends tf.Rank>(x: tf.Tensor<R>, rate: number, seed: number): tf.Tensor<R> {
  return tf.dropout(x, rate, undefined, seed) as tf.Tensor<R>;
}

/** Causal self-attention probabilities [B, H, T, T] and the values [B, H, T, dh] of the block's input. */
function attentionProbs(h: tf.Tensor2D, p: BlockParams, s: BlockShape, mask: tf.Tensor2D): { probs: tf.Tensor4D; v: tf.Tensor4D } {
  const { batch: B, seqLen: T, heads: H } = s;
  const dh = h.shape[1] / H;
  const splitHeads = (t: tf.Tensor): tf.Tensor4D => tf.transpose(tf.reshape(t, [B, T, H, dh]), [0, 2, 1, 3]);
  const a = layerNorm(h, p.ln1.gamma, p.ln1.beta, s.eps);
  const qkv = linear(a, asTensor(p.attn.weight, 'attn.c_attn.weight'), p.attn.bias);
  const [q, k, v] = tf.split(qkv, 3, 1).map(splitHeads);
  const scores = tf.add(tf.matMul(tf.mul(q, 1 / Math.sqrt(dh)), k, false, true), mask);
  return { probs: tf.softmax(scores) as tf.Tensor4D, v };
}

/**
 * tf.dropout's multiplier (0 or 1/(1 − rate)) for a tensor of `shape`, drawn as tf.dropout draws it:
 * tf.dropout(x, rate, undefined, seed) = x · dropoutMultiplier(x.shape, rate, seed), value for value.
 */
export function dropoutMultiplier(shape: number[], rate: number, seed: number): tf.Tensor {
  const keepProb = 1 - rate;
  return tf.div(tf.floor(tf.add(tf.randomUniform(shape, 0, 1, 'float32', seed), keepProb)), keepProb);
}

/**
 * Causal self-attention of the block's input h [B·T, d] (layer norm included), heads merged:
 * [B·T, d]. One kernel each way where the backend has it (host-kernels.ts, wasm; with the dropout
 * multiplier as an input only when dropout is on), else the composite ops.
 */
function attention(h: tf.Tensor2D, p: BlockParams, s: BlockShape, mask: tf.Tensor2D, d: BlockDropout | null): tf.Tensor2D {
  const [BT, width] = h.shape;
  const rate = d && d.rate > 0 ? d.rate : 0;
  const seed = d?.seeds['attention-probs'] ?? 0;
  if (hasHostKernel(CAUSAL_ATTENTION)) {
    const qkv = linear(layerNorm(h, p.ln1.gamma, p.ln1.beta, s.eps), asTensor(p.attn.weight, 'attn.c_attn.weight'), p.attn.bias);
    const attrs = { batch: s.batch, seqLen: s.seqLen, heads: s.heads };
    const [context] = (
      rate > 0
        ? tf.engine().runKernel(CAUSAL_ATTENTION_DROPOUT, { qkv, keep: dropoutMultiplier([s.batch, s.heads, s.seqLen, s.seqLen], rate, seed) }, attrs)
        : tf.engine().runKernel(CAUSAL_ATTENTION, { qkv }, attrs)
    ) as tf.Tensor[];
    return context as tf.Tensor2D;
  }
  const { probs, v } = attentionProbs(h, p, s, mask);
  const context = tf.matMul(rate > 0 ? dropout(probs, rate, seed) : probs, v);
  return tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [BT, width]) as tf.Tensor2D;
}

/** The block with the causal mask of its sequence length. */
function compositeBlock(mask: tf.Tensor2D): Gpt2Block {
  return (h, p, s, d) => {
    const drop = <R extends tf.Rank>(x: tf.Tensor<R>, seed: number): tf.Tensor<R> => (d && d.rate > 0 ? dropout(x, d.rate, seed) : x);
    const merged = attention(h, p, s, mask, d);
    const attnOut = linear(merged, asTensor(p.attnProj.weight, 'attn.c_proj.weight'), p.attnProj.bias);
    const h2 = tf.add<tf.Tensor2D>(h, drop(attnOut, d?.seeds['attention-out'] ?? 0));
    const m = layerNorm(h2, p.ln2.gamma, p.ln2.beta, s.eps);
    const up = geluTanh(linear(m, asTensor(p.fc.weight, 'mlp.c_fc.weight'), p.fc.bias));
    const mlpOut = linear(up, asTensor(p.fcProj.weight, 'mlp.c_proj.weight'), p.fcProj.bias);
    return tf.add<tf.Tensor2D>(h2, drop(mlpOut, d?.seeds['mlp-out'] ?? 0));
  };
}

/**
 * The body on composite ops for sequences of `seqLen` tokens (it holds their causal mask: dispose
 * it). Masks are numbered in call order, so a pass without the input adapter's dropout (firstSite 1)
 * numbers the embedding's mask 1.
 */
export function compositeBody(seqLen: number): BodyOps {
  const mask = causalMask(seqLen);
  return {
    fused: false,
    block: compositeBlock(mask),
    attentionMap: (h, p, s) =>
      tf.tidy(() => {
        const { probs } = attentionProbs(h, p, s, mask);
        return tf.reshape(tf.slice(probs, [0, 0, 0, 0], [1, s.heads, s.seqLen, s.seqLen]), [s.heads, s.seqLen, s.seqLen]) as tf.Tensor3D;
      }),
    layerNorm,
    linear,
    dropout,
    siteSeed: (stepSeed, site, firstSite) => stepSeed * 131 + site - firstSite + 1,
    dispose: () => mask.dispose(),
  };
}
