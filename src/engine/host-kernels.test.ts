import { describe, expect, it } from 'vitest';
import type { BlockParams } from './block';
import {
  CAUSAL_ATTENTION,
  CAUSAL_ATTENTION_DROPOUT,
  CAUSAL_ATTENTION_GRAD,
  GELU_TANH,
  GELU_TANH_GRAD,
  hasHostKernel,
  HOST_KERNELS,
  LAYER_NORM,
  LAYER_NORM_GRAD,
} from './host-kernels';
import { compositeBody, dropoutMultiplier } from './ops/gpt2-block';
import { compositeGeluTanh, compositeLayerNorm, geluTanh, layerNorm } from './ops/layers';
import { Rng } from './rng';
import { useBackend } from './test-support';
import { expectClose } from './testing/expect-close';
import { tf } from './tf';

function random(rng: Rng, shape: number[], scale = 1, shift = 0): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => shift + scale * rng.normal()),
    shape,
  );
}

/**
 * The composite reference `f` computed on the cpu backend (TF.js moves the inputs there), as tensors
 * back on wasm: each kernel is checked against the composite ops on both backends.
 */
async function onCpu(f: () => tf.Tensor[]): Promise<tf.Tensor[]> {
  await useBackend('cpu');
  const out = f().map((t) => ({ values: t.dataSync().slice(), shape: t.shape }));
  await useBackend('wasm');
  return out.map(({ values, shape }) => tf.tensor(values, shape));
}

/** Names of the kernels `f` runs (tf.profile). */
async function kernelNames(f: () => tf.Tensor | tf.Tensor[]): Promise<string[]> {
  const profile = await tf.profile(() => {
    const out = f();
    (Array.isArray(out) ? out : [out]).forEach((t) => t.dispose());
  });
  return profile.kernels.map((k) => k.name);
}

describe('host kernels on wasm', () => {
  const backend = 'wasm';
  it('layer norm gives torch.nn.LayerNorm values, and the composite ops', async () => {
    await useBackend(backend);
    expect(hasHostKernel(LAYER_NORM)).toBe(true);
    // [1, 2, 3, 4]: mean 2.5, biased variance 1.25, so x̂ = (x − 2.5)/√1.25; then ·γ + β.
    const y = layerNorm(tf.tensor2d([[1, 2, 3, 4]]), tf.tensor1d([1, 2, 1, 1]), tf.tensor1d([0, 0, 0, 0.5]), 0);
    const s = Math.sqrt(1.25);
    const expected = [-1.5 / s, (2 * -0.5) / s, 0.5 / s, 1.5 / s + 0.5];
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
    // Odd sizes, an offset mean (two-pass variance), eps 1e-5.
    const rng = new Rng(1);
    const x = random(rng, [7, 33], 3, 10) as tf.Tensor2D;
    const [gamma, beta] = [random(rng, [33]), random(rng, [33])];
    const host = layerNorm(x, gamma, beta, 1e-5);
    await expectClose(host, compositeLayerNorm(x, gamma, beta, 1e-5), 2e-6);
    await expectClose(host, (await onCpu(() => [compositeLayerNorm(x, gamma, beta, 1e-5)]))[0], 2e-6);
  });

  it('layer norm gradients match tf.grads of the composite ops, in one kernel each way', async () => {
    await useBackend(backend);
    const rng = new Rng(2);
    const x = random(rng, [6, 40], 2, -1);
    const [gamma, beta, weights] = [random(rng, [40]), random(rng, [40]), random(rng, [6, 40])];
    const loss = (norm: typeof layerNorm) => (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(norm(a as tf.Tensor2D, g, b, 1e-5), weights));
    const host = tf.grads(loss(layerNorm))([x, gamma, beta]);
    const composite = tf.grads(loss(compositeLayerNorm))([x, gamma, beta]);
    const cpu = await onCpu(() => tf.grads(loss(compositeLayerNorm))([x, gamma, beta]));
    for (let i = 0; i < 3; i++) {
      await expectClose(host[i], composite[i], 1e-5);
      await expectClose(host[i], cpu[i], 1e-5);
    }
    // dβ = Σ_rows dy exactly: the weights' column sums.
    await expectClose(host[2], tf.sum(weights, 0), 1e-6);
    const names = await kernelNames(() => tf.grads(loss(layerNorm))([x, gamma, beta]));
    expect(names.filter((n) => n === LAYER_NORM || n === LAYER_NORM_GRAD)).toEqual([LAYER_NORM, LAYER_NORM_GRAD]);
    expect(names).not.toContain('Rsqrt');
  });

  it('tanh GELU gives gelu_new values, and the composite ops, out to where tanh saturates', async () => {
    await useBackend(backend);
    expect(hasHostKernel(GELU_TANH)).toBe(true);
    // gelu_new(1) = ½·(1 + tanh(√(2/π)·1.044715)) = 0.8411920; gelu_new(0) = 0; far out: x and 0.
    const y = geluTanh(tf.tensor2d([[1, 0, -1, 12, -12]])).dataSync();
    expect(y[0]).toBeCloseTo(0.841192, 6);
    expect(y[1]).toBe(0);
    expect(y[2]).toBeCloseTo(-0.158808, 6);
    expect(y[3]).toBe(12);
    expect(Math.abs(y[4])).toBeLessThan(1e-30);
    const rng = new Rng(3);
    const x = random(rng, [9, 31], 3) as tf.Tensor2D;
    await expectClose(geluTanh(x), compositeGeluTanh(x), 2e-6);
    await expectClose(geluTanh(x), (await onCpu(() => [compositeGeluTanh(x)]))[0], 2e-6);
  });

  it('tanh GELU gradient matches tf.grad of the composite ops, in one kernel each way', async () => {
    await useBackend(backend);
    const rng = new Rng(4);
    // Includes exact zeros (t = 0 branch) and saturated values.
    const x = tf.concat([random(rng, [5, 30], 3), tf.tensor2d([[0, 0, 8, -8, 20, -20, 1e-6, -1e-6, 0.5, -0.5].concat(Array(20).fill(2))])]) as tf.Tensor2D;
    const weights = random(rng, [6, 30]);
    const loss = (gelu: typeof geluTanh) => (a: tf.Tensor) => tf.sum(tf.mul(gelu(a as tf.Tensor2D), weights));
    await expectClose(tf.grad(loss(geluTanh))(x), tf.grad(loss(compositeGeluTanh))(x), 2e-6);
    await expectClose(tf.grad(loss(geluTanh))(x), (await onCpu(() => [tf.grad(loss(compositeGeluTanh))(x)]))[0], 2e-6);
    // The derivative at 0 is exactly ½.
    expect(tf.grad(loss(geluTanh))(x).dataSync()[150]).toBeCloseTo(0.5 * weights.dataSync()[150], 7);
    const names = await kernelNames(() => tf.grad(loss(geluTanh))(x));
    expect(names.filter((n) => n === GELU_TANH || n === GELU_TANH_GRAD)).toEqual([GELU_TANH, GELU_TANH_GRAD]);
    expect(names).not.toContain('Tanh');
  });
});

/** Runs `f` with the current backend's attention kernel unregistered (the composite ops instead). */
function withoutAttentionKernel<T>(f: () => T): T {
  const config = HOST_KERNELS.find((k) => k.kernelName === CAUSAL_ATTENTION && k.backendName === tf.getBackend())!;
  tf.unregisterKernel(CAUSAL_ATTENTION, config.backendName);
  try {
    return f();
  } finally {
    tf.registerKernel(config);
  }
}

/** A block's parameters of width d, drawn from rng. */
function blockParams(rng: Rng, d: number): BlockParams {
  return {
    ln1: { gamma: random(rng, [d], 0.2, 1) as tf.Tensor1D, beta: random(rng, [d], 0.1) as tf.Tensor1D },
    attn: { weight: random(rng, [d, 3 * d], 0.5) as tf.Tensor2D, bias: random(rng, [3 * d], 0.1) as tf.Tensor1D },
    attnProj: { weight: random(rng, [d, d], 0.5) as tf.Tensor2D, bias: random(rng, [d], 0.1) as tf.Tensor1D },
    ln2: { gamma: random(rng, [d], 0.2, 1) as tf.Tensor1D, beta: random(rng, [d], 0.1) as tf.Tensor1D },
    fc: { weight: random(rng, [d, 4 * d], 0.5) as tf.Tensor2D, bias: random(rng, [4 * d], 0.1) as tf.Tensor1D },
    fcProj: { weight: random(rng, [4 * d, d], 0.5) as tf.Tensor2D, bias: random(rng, [d], 0.1) as tf.Tensor1D },
  };
}

/**
 * One block's output and the gradients of Σ(output·weights) with respect to h, ln1's γ and the
 * c_attn weight, host kernel against the composite ops on wasm and on cpu; returns the attention
 * kernels the block ran.
 */
async function checkBlock([B, T, H, d]: number[], rate: number, seed: number, tol: number): Promise<string[]> {
  const rng = new Rng(seed);
  const params = blockParams(rng, d);
  const h = random(rng, [B * T, d]) as tf.Tensor2D;
  const weights = random(rng, [B * T, d]);
  const body = compositeBody(T);
  const shape = { batch: B, seqLen: T, heads: H, eps: 1e-5 };
  const drop = rate > 0 ? { rate, seeds: { 'attention-probs': 11, 'attention-out': 12, 'mlp-out': 13 } } : null;
  const trainable = { layernorm: true, attention: true, feedforward: true };
  const run = () => {
    const y = body.block(h, params, shape, drop, trainable);
    const grads = tf.grads((x: tf.Tensor, g: tf.Tensor, w: tf.Tensor) =>
      tf.sum(
        tf.mul(
          body.block(
            x as tf.Tensor2D,
            { ...params, ln1: { ...params.ln1, gamma: g as tf.Tensor1D }, attn: { ...params.attn, weight: w as tf.Tensor2D } },
            shape,
            drop,
            trainable,
          ),
          weights,
        ),
      ),
    )([h, params.ln1.gamma, params.attn.weight as tf.Tensor2D]);
    return [y, ...grads];
  };
  const names = await kernelNames(run);
  expect(names).not.toContain('Softmax');
  const host = run();
  const composite = withoutAttentionKernel(run);
  const cpu = await onCpu(run);
  for (let i = 0; i < host.length; i++) {
    await expectClose(host[i], composite[i], tol);
    await expectClose(host[i], cpu[i], tol);
  }
  body.dispose();
  return names.filter((n) => n.startsWith('FptCausalAttention'));
}

describe('causal attention kernel on wasm', () => {
  const backend = 'wasm';
  it('gives softmax-weighted values: one head, two tokens', async () => {
    await useBackend(backend);
    // Rows [q, k, v] with d = 1: token 0 sees itself only; token 1 weighs v0, v1 by softmax(q1·k0, q1·k1).
    const qkv = tf.tensor2d([
      [0.5, 1, 3],
      [2, -1, 5],
    ]);
    const [context, probs] = tf.engine().runKernel(CAUSAL_ATTENTION, { qkv }, { batch: 1, seqLen: 2, heads: 1 }) as tf.Tensor[];
    const [s0, s1] = [2 * 1, 2 * -1];
    const p0 = Math.exp(s0) / (Math.exp(s0) + Math.exp(s1));
    expect(Array.from(probs.dataSync())).toEqual([1, 0, expect.closeTo(p0, 6), expect.closeTo(1 - p0, 6)]);
    expect(context.dataSync()[0]).toBe(3);
    expect(context.dataSync()[1]).toBeCloseTo(p0 * 3 + (1 - p0) * 5, 5);
  });

  it.each([0, 0.3])('matches the composite block with attention dropout %s, forward and gradients', async (rate) => {
    await useBackend(backend);
    const forward = rate > 0 ? CAUSAL_ATTENTION_DROPOUT : CAUSAL_ATTENTION;
    expect(await checkBlock([3, 7, 2, 8], rate, 5, 1e-5)).toEqual([forward, forward, CAUSAL_ATTENTION_GRAD]);
  });

  // Past 256 tokens (ListOps' 512 ran the composite ops before): several heads and batch items, so a
  // product read from the wrong head, item or a stale operand fails.
  it.each([0, 0.2])('matches the composite block at 300 tokens with attention dropout %s, forward and gradients', async (rate) => {
    await useBackend(backend);
    const forward = rate > 0 ? CAUSAL_ATTENTION_DROPOUT : CAUSAL_ATTENTION;
    expect(await checkBlock([2, 300, 2, 8], rate, 9, 2e-5)).toEqual([forward, forward, CAUSAL_ATTENTION_GRAD]);
  });

  it.each([0, 0.2])('leaves no heap tensor behind on the backend path (attention dropout %s)', async (rate) => {
    await useBackend(backend);
    const [B, T, H] = [2, 40, 2];
    const qkv = random(new Rng(12), [B * T, 3 * 8]);
    const keep = dropoutMultiplier([B, H, T, T], Math.max(rate, 0.1), 3);
    const attrs = { batch: B, seqLen: T, heads: H };
    const pass = () =>
      tf.tidy(() => {
        const attend = (x: tf.Tensor) =>
          (rate > 0
            ? tf.engine().runKernel(CAUSAL_ATTENTION_DROPOUT, { qkv: x, keep }, attrs)
            : tf.engine().runKernel(CAUSAL_ATTENTION, { qkv: x }, attrs)) as tf.Tensor[];
        return tf.grad((x: tf.Tensor) => tf.sum(attend(x)[0]))(qkv);
      });
    pass().dispose(); // first call: anything created once
    const dataIds = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    const before = dataIds();
    pass().dispose();
    expect(dataIds()).toBe(before);
  });

  it('takes no dropout multiplier without dropout, and checks the one it is given', async () => {
    await useBackend(backend);
    const qkv = random(new Rng(10), [2 * 5, 3 * 4]);
    const attrs = { batch: 2, seqLen: 5, heads: 2 };
    const [plain, probs] = tf.engine().runKernel(CAUSAL_ATTENTION, { qkv }, attrs) as tf.Tensor[];
    // All-ones keep gives the same context, the only difference being the kernel's input.
    const [kept] = tf.engine().runKernel(CAUSAL_ATTENTION_DROPOUT, { qkv, keep: tf.ones([2, 2, 5, 5]) }, attrs) as tf.Tensor[];
    expect(Array.from(kept.dataSync())).toEqual(Array.from(plain.dataSync()));
    // Each row of P sums to 1 over j ≤ i and is 0 above the diagonal.
    const p = probs.arraySync() as number[][][][];
    for (const row of [0, 3, 4]) expect(p[1][1][row].slice(0, row + 1).reduce((x, y) => x + y, 0)).toBeCloseTo(1, 6);
    expect(p[1][1][2].slice(3)).toEqual([0, 0]);
    expect(() => tf.engine().runKernel(CAUSAL_ATTENTION_DROPOUT, { qkv, keep: tf.ones([2, 2, 5, 4]) }, attrs)).toThrow(/keep of shape \[2,2,5,4\]/);
    expect(() => tf.engine().runKernel(CAUSAL_ATTENTION_DROPOUT, { qkv }, attrs)).toThrow(/input keep is missing/);
  });

  it('draws the dropout multiplier as tf.dropout does', async () => {
    await useBackend(backend);
    expect(hasHostKernel(CAUSAL_ATTENTION)).toBe(true);
    const x = random(new Rng(6), [4, 50]);
    const multiplier = dropoutMultiplier([4, 50], 0.25, 77);
    expect(Array.from(tf.dropout(x, 0.25, undefined, 77).dataSync())).toEqual(Array.from(tf.mul(x, multiplier).dataSync()));
    const values = new Set(multiplier.dataSync());
    expect([...values].sort()).toEqual([0, Math.fround(1 / 0.75)]);
  });
});

describe('the cpu backend', () => {
  it('keeps the composite ops (the reference, and the baseline of bench cpu)', async () => {
    await useBackend('cpu');
    for (const name of [LAYER_NORM, GELU_TANH, CAUSAL_ATTENTION]) expect(hasHostKernel(name), name).toBe(false);
  });
});
