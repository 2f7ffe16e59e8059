/**
 * One GPT-2 block as seven fused kernels forward and an explicit backward pass (no autodiff inside),
 * wrapped in tf.customGrad so TF.js's autodiff sees the block as a single op:
 *
 *   a   = LN1(h)                          layerNormForward
 *   qkv = a·Wqkv + b                      matmul
 *   ctx = causal attention(qkv)           attention (probability dropout inside)
 *   h2  = h + drop(ctx·Wo + b)            matmul with dropout and residual epilogue
 *   m   = LN2(h2)                         layerNormForward
 *   pre = m·Wfc + b                       matmul
 *   out = h2 + drop(gelu(pre)·Wp + b)     matmul with GELU applied to A as loaded
 *
 * Dropout masks come from counter-based hashes of per-site seeds, so the backward pass recomputes
 * them. Gradients are computed only for the tensors passed as trainable: with GPT-2's weights frozen
 * (the FPT default) a block costs 7 dispatches forward and 7 backward, plus 2 for layer-norm
 * parameters when they train (one per norm: gamma and beta together). With `recompute`, only the block input is kept between the passes and
 * the backward pass reruns the forward kernels up to the MLP's input first (6 more dispatches, a fraction of the memory).
 * The block's contract (parameters, dropout sites, trainable groups) is ../block.ts; the composite
 * block with the same signature is ../ops/gpt2-block.ts.
 */
import {
  asTensor,
  type Affine,
  type BlockDropout,
  type BlockParams,
  type BlockShape,
  type BlockSite,
  type BlockTrainable,
  type BodyOps,
  type Gpt2Block,
  type Norm,
} from '../block';
import { attentionProbabilities, causalAttentionBackward, causalAttentionForward } from '../kernels/attention';
import { columnSum } from '../kernels/column-sum';
import { applyDropoutMask, dropout as maskedDropout } from '../kernels/dropout';
import { pcgHash, type DropoutSpec } from '../kernels/dropout-mask';
import { layerNorm, layerNormBackwardInput, layerNormBackwardParams, layerNormForward } from '../kernels/layer-norm';
import { linearFused, matmul } from '../kernels/matmul';
import { tf } from '../tf';

interface Activations {
  qkv: tf.Tensor2D;
  ctx: tf.Tensor2D;
  h2: tf.Tensor2D;
  pre: tf.Tensor2D;
}

const spec = (d: BlockDropout | null, site: BlockSite): DropoutSpec | undefined => (d && d.rate > 0 ? { rate: d.rate, seed: d.seeds[site] } : undefined);

/** The block's forward pass up to the MLP's input: what the backward pass needs (and recomputes). */
function forwardActivations(h: tf.Tensor2D, p: BlockParams, s: BlockShape, d: BlockDropout | null): Activations {
  const a = layerNormForward(h, p.ln1.gamma, p.ln1.beta, s.eps);
  const qkv = matmul(a, p.attn.weight, { bias: p.attn.bias });
  a.dispose();
  const ctx = causalAttentionForward(qkv, s.batch, s.seqLen, s.heads, spec(d, 'attention-probs'));
  const h2 = matmul(ctx, p.attnProj.weight, { bias: p.attnProj.bias, dropout: spec(d, 'attention-out'), residual: h });
  const m = layerNormForward(h2, p.ln2.gamma, p.ln2.beta, s.eps);
  const pre = matmul(m, p.fc.weight, { bias: p.fc.bias });
  m.dispose();
  return { qkv, ctx, h2, pre };
}

/** The block's output: h2 + drop(gelu(pre)·Wp + b). */
function mlpOutput(act: Activations, p: BlockParams, d: BlockDropout | null): tf.Tensor2D {
  return matmul(act.pre, p.fcProj.weight, { preA: { gelu: true }, bias: p.fcProj.bias, dropout: spec(d, 'mlp-out'), residual: act.h2 });
}

/** The trainable tensors, in the order their gradients are returned. */
export function trainableTensors(p: BlockParams, t: BlockTrainable): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  if (t.layernorm) out.push(p.ln1.gamma, p.ln1.beta, p.ln2.gamma, p.ln2.beta);
  if (t.attention) out.push(asTensor(p.attn.weight, 'attn.c_attn.weight'), p.attn.bias, asTensor(p.attnProj.weight, 'attn.c_proj.weight'), p.attnProj.bias);
  if (t.feedforward) out.push(asTensor(p.fc.weight, 'mlp.c_fc.weight'), p.fc.bias, asTensor(p.fcProj.weight, 'mlp.c_proj.weight'), p.fcProj.bias);
  return out;
}

/**
 * The backward pass of one residual sub-layer, out = x + drop(inner·W2 + b2) with inner computed
 * from first = LN(x)·W1 + b1 (attention: inner = ctx; MLP: inner = gelu(first), applied as loaded),
 * from dFirst (the gradient at `first`) and dOut (at `out`, and so at the residual x):
 *   dW1 = LN(x)ᵀ·dFirst, db1 = Σ dFirst, dW2 = innerᵀ·drop(dOut), db2 = Σ drop(dOut),
 *   dx = dOut + LN'(x)ᵀ(dFirst·W1ᵀ), and LN's dGamma, dBeta from the same dFirst·W1ᵀ.
 */
function sublayerBackward(
  sub: { x: tf.Tensor2D; norm: Norm; first: Affine; inner: tf.Tensor2D; innerGelu: boolean; site: BlockSite },
  dFirst: tf.Tensor2D,
  dOut: tf.Tensor2D,
  s: BlockShape,
  d: BlockDropout | null,
  train: { weights: boolean; norm: boolean },
): { dx: tf.Tensor2D; norm: tf.Tensor[]; weights: tf.Tensor[] } {
  const weights: tf.Tensor[] = [];
  if (train.weights) {
    const sp = spec(d, sub.site);
    const dSecond = sp ? applyDropoutMask(dOut, sp) : dOut;
    const a = layerNormForward(sub.x, sub.norm.gamma, sub.norm.beta, s.eps);
    weights.push(
      matmul(a, dFirst, { transposeA: true }),
      columnSum(dFirst),
      matmul(sub.inner, dSecond, { transposeA: true, preA: { gelu: sub.innerGelu } }),
      columnSum(dSecond),
    );
    a.dispose();
    if (dSecond !== dOut) dSecond.dispose();
  }
  const dNormed = matmul(dFirst, sub.first.weight, { transposeB: true });
  const dx = layerNormBackwardInput(sub.x, sub.norm.gamma, dNormed, s.eps, dOut);
  const norm: tf.Tensor[] = [];
  if (train.norm) {
    const { dGamma, dBeta } = layerNormBackwardParams(sub.x, dNormed, s.eps);
    norm.push(dGamma, dBeta);
  }
  dNormed.dispose();
  return { dx, norm, weights };
}

function backward(dy: tf.Tensor2D, h: tf.Tensor2D, act: Activations, p: BlockParams, s: BlockShape, d: BlockDropout | null, t: BlockTrainable): tf.Tensor[] {
  const { qkv, ctx, h2, pre } = act;
  const dPre = matmul(dy, p.fcProj.weight, { transposeB: true, preA: { dropout: spec(d, 'mlp-out') }, geluGradOf: pre });
  const mlp = sublayerBackward({ x: h2, norm: p.ln2, first: p.fc, inner: pre, innerGelu: true, site: 'mlp-out' }, dPre, dy, s, d, {
    weights: t.feedforward,
    norm: t.layernorm,
  });
  dPre.dispose();
  const dh2 = mlp.dx;

  const dCtx = matmul(dh2, p.attnProj.weight, { transposeB: true, preA: { dropout: spec(d, 'attention-out') } });
  const dQkv = causalAttentionBackward(qkv, ctx, dCtx, s.batch, s.seqLen, s.heads, spec(d, 'attention-probs'));
  dCtx.dispose();
  const attn = sublayerBackward({ x: h, norm: p.ln1, first: p.attn, inner: ctx, innerGelu: false, site: 'attention-out' }, dQkv, dh2, s, d, {
    weights: t.attention,
    norm: t.layernorm,
  });
  dQkv.dispose();
  dh2.dispose();
  return [attn.dx, ...attn.norm, ...mlp.norm, ...attn.weights, ...mlp.weights];
}

/**
 * The block applied to h [B*T, d]. Differentiable with respect to h and the trainable tensors
 * (see trainableTensors); frozen parameters are read, never differentiated.
 */
export const gpt2Block: Gpt2Block = (h, params, shape, dropout, trainable, recompute = false) => {
  const inputs = [h, ...trainableTensors(params, trainable)];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const x = args[0] as tf.Tensor2D;
    const act = forwardActivations(x, params, shape, dropout);
    const out = mlpOutput(act, params, dropout);
    if (recompute) {
      Object.values(act).forEach((t) => t.dispose());
      save([x]);
    } else {
      save([x, act.qkv, act.ctx, act.h2, act.pre]);
    }
    return {
      value: out,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const hIn = saved[0] as tf.Tensor2D;
        let act: Activations;
        if (recompute) {
          act = forwardActivations(hIn, params, shape, dropout);
        } else {
          const [, qkv, ctx, h2, pre] = saved as tf.Tensor2D[];
          act = { qkv, ctx, h2, pre };
        }
        const grads = backward(dy as tf.Tensor2D, hIn, act, params, shape, dropout, trainable);
        if (recompute) Object.values(act).forEach((t) => t.dispose());
        return grads;
      },
    };
  });
  return op(...inputs) as tf.Tensor2D;
};

/**
 * The body on the fused kernels. Mask seeds hash the site's number with the hashed step seed
 * (counter-based masks, so the backward pass recomputes them instead of storing them).
 */
export const FUSED_BODY: BodyOps = {
  fused: true,
  block: gpt2Block,
  attentionMap: (h, p, s) =>
    tf.tidy(() => {
      const qkv = matmul(layerNormForward(h, p.ln1.gamma, p.ln1.beta, s.eps), p.attn.weight, { bias: p.attn.bias });
      return attentionProbabilities(qkv, s.batch, s.seqLen, s.heads, 0);
    }),
  layerNorm,
  linear: (x, weight, bias) => linearFused(x, weight, bias),
  dropout: (x, rate, seed) => maskedDropout(x, { rate, seed }),
  siteSeed: (stepSeed, site) => pcgHash((pcgHash(stepSeed) + site) >>> 0),
  dispose: () => undefined,
};
