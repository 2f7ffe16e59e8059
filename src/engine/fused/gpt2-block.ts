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
 */
import { causalAttentionBackward, causalAttentionForward } from '../kernels/attention';
import { applyDropoutMask } from '../kernels/dropout';
import type { DropoutSpec } from '../kernels/dropout-mask';
import { layerNormBackwardInput, layerNormBackwardParams, layerNormForward } from '../kernels/layer-norm';
import { matmul } from '../kernels/matmul';
import type { PackedFp16Matrix } from '../kernels/packed-fp16';
import { tf } from '../tf';

/** A frozen weight may be stored as packed fp16; a trainable one is a float32 tensor. */
export type Weight = tf.Tensor2D | PackedFp16Matrix;

export interface Norm {
  gamma: tf.Tensor1D;
  beta: tf.Tensor1D;
}

export interface Affine {
  weight: Weight;
  bias: tf.Tensor1D;
}

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

/** Seeds of the block's three dropout sites; absent in evaluation. */
export interface BlockDropout {
  rate: number;
  attention: number;
  attnResidual: number;
  mlpResidual: number;
}

export interface BlockTrainable {
  layernorm: boolean;
  attention: boolean;
  feedforward: boolean;
}

interface Activations {
  qkv: tf.Tensor2D;
  ctx: tf.Tensor2D;
  h2: tf.Tensor2D;
  pre: tf.Tensor2D;
}

const spec = (d: BlockDropout | null, seed: keyof Omit<BlockDropout, 'rate'>): DropoutSpec | undefined =>
  d && d.rate > 0 ? { rate: d.rate, seed: d[seed] } : undefined;

function asTensor(w: Weight, what: string): tf.Tensor2D {
  if (w instanceof tf.Tensor) return w as tf.Tensor2D;
  throw new Error(`${what} is stored as packed fp16 and cannot train: unpack it before making its group trainable`);
}

/** The block's forward pass up to the MLP's input: what the backward pass needs (and recomputes). */
function forwardActivations(h: tf.Tensor2D, p: BlockParams, s: BlockShape, d: BlockDropout | null): Activations {
  const a = layerNormForward(h, p.ln1.gamma, p.ln1.beta, s.eps);
  const qkv = matmul(a, p.attn.weight, { bias: p.attn.bias });
  a.dispose();
  const ctx = causalAttentionForward(qkv, s.batch, s.seqLen, s.heads, spec(d, 'attention'));
  const h2 = matmul(ctx, p.attnProj.weight, { bias: p.attnProj.bias, dropout: spec(d, 'attnResidual'), residual: h });
  const m = layerNormForward(h2, p.ln2.gamma, p.ln2.beta, s.eps);
  const pre = matmul(m, p.fc.weight, { bias: p.fc.bias });
  m.dispose();
  return { qkv, ctx, h2, pre };
}

/** The block's output: h2 + drop(gelu(pre)·Wp + b). */
function mlpOutput(act: Activations, p: BlockParams, d: BlockDropout | null): tf.Tensor2D {
  return matmul(act.pre, p.fcProj.weight, { preA: { gelu: true }, bias: p.fcProj.bias, dropout: spec(d, 'mlpResidual'), residual: act.h2 });
}

/** The trainable tensors, in the order their gradients are returned. */
export function trainableTensors(p: BlockParams, t: BlockTrainable): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  if (t.layernorm) out.push(p.ln1.gamma, p.ln1.beta, p.ln2.gamma, p.ln2.beta);
  if (t.attention) out.push(asTensor(p.attn.weight, 'attn.c_attn.weight'), p.attn.bias, asTensor(p.attnProj.weight, 'attn.c_proj.weight'), p.attnProj.bias);
  if (t.feedforward) out.push(asTensor(p.fc.weight, 'mlp.c_fc.weight'), p.fc.bias, asTensor(p.fcProj.weight, 'mlp.c_proj.weight'), p.fcProj.bias);
  return out;
}

function backward(dy: tf.Tensor2D, h: tf.Tensor2D, act: Activations, p: BlockParams, s: BlockShape, d: BlockDropout | null, t: BlockTrainable): tf.Tensor[] {
  const { qkv, ctx, h2, pre } = act;
  const masked = (g: tf.Tensor2D, site: 'attnResidual' | 'mlpResidual') => {
    const sp = spec(d, site);
    return sp ? applyDropoutMask(g, sp) : g;
  };
  const ffn: tf.Tensor[] = [];
  const attn: tf.Tensor[] = [];
  const ln: tf.Tensor[] = [];

  const dPre = matmul(dy, p.fcProj.weight, { transposeB: true, preA: { dropout: spec(d, 'mlpResidual') }, geluGradOf: pre });
  if (t.feedforward) {
    const dOut = masked(dy, 'mlpResidual');
    const m = layerNormForward(h2, p.ln2.gamma, p.ln2.beta, s.eps);
    ffn.push(matmul(m, dPre, { transposeA: true }), tf.sum(dPre, 0), matmul(pre, dOut, { transposeA: true, preA: { gelu: true } }), tf.sum(dOut, 0));
    m.dispose();
    if (dOut !== dy) dOut.dispose();
  }
  const dm = matmul(dPre, p.fc.weight, { transposeB: true });
  dPre.dispose();
  const dh2 = layerNormBackwardInput(h2, p.ln2.gamma, dm, s.eps, dy);
  if (t.layernorm) {
    const { dGamma, dBeta } = layerNormBackwardParams(h2, dm, s.eps);
    ln.push(dGamma, dBeta);
  }
  dm.dispose();

  const dCtx = matmul(dh2, p.attnProj.weight, { transposeB: true, preA: { dropout: spec(d, 'attnResidual') } });
  const dQkv = causalAttentionBackward(qkv, ctx, dCtx, s.batch, s.seqLen, s.heads, spec(d, 'attention'));
  dCtx.dispose();
  if (t.attention) {
    const dProj = masked(dh2, 'attnResidual');
    const a = layerNormForward(h, p.ln1.gamma, p.ln1.beta, s.eps);
    attn.push(matmul(a, dQkv, { transposeA: true }), tf.sum(dQkv, 0), matmul(ctx, dProj, { transposeA: true }), tf.sum(dProj, 0));
    a.dispose();
    if (dProj !== dh2) dProj.dispose();
  }
  const da = matmul(dQkv, p.attn.weight, { transposeB: true });
  dQkv.dispose();
  const dh = layerNormBackwardInput(h, p.ln1.gamma, da, s.eps, dh2);
  if (t.layernorm) {
    const { dGamma, dBeta } = layerNormBackwardParams(h, da, s.eps);
    ln.unshift(dGamma, dBeta);
  }
  da.dispose();
  dh2.dispose();
  return [dh, ...ln, ...attn, ...ffn];
}

/**
 * The block applied to h [B*T, d]. Differentiable with respect to h and the trainable tensors
 * (see trainableTensors); frozen parameters are read, never differentiated.
 */
export function gpt2Block(
  h: tf.Tensor2D,
  params: BlockParams,
  shape: BlockShape,
  dropout: BlockDropout | null,
  trainable: BlockTrainable,
  recompute = false,
): tf.Tensor2D {
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
}
