import { afterEach, describe, expect, it } from 'vitest';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../../weights/float16';
import type { BackendName } from '../backend';
import { geluTanh } from '../ops/layers';
import { useBackend } from '../test-support';
import { tf } from '../tf';
import { countDispatches, dryRunDispatches } from '../testing/dispatch-counter';
import { dropoutFactors } from './dropout-mask';
import { linearFused, matmul, matmulComposite, type MatmulOptions } from './matmul';
import { MATMUL_TILES, matmulTuning } from './matmul-program';
import { PackedFp16Matrix } from './packed-fp16';

/** Deterministic values in [-1, 1) (a small LCG), optionally rounded to fp16. */
function values(n: number, seed: number, fp16 = false): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const v = s / 2 ** 31 - 1;
    out[i] = fp16 ? float16BitsToFloat32(float32ToFloat16Bits(v)) : v;
  }
  return out;
}

const C = Math.sqrt(2 / Math.PI);
const gelu = (x: number) => 0.5 * x * (1 + Math.tanh(C * (x + 0.044715 * x ** 3)));
const geluGrad = (x: number) => {
  const t = Math.tanh(C * (x + 0.044715 * x ** 3));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * C * (1 + 3 * 0.044715 * x * x);
};

interface Case {
  M: number;
  K: number;
  N: number;
  opts?: Omit<MatmulOptions, 'bias' | 'geluGradOf' | 'residual'> & { bias?: boolean; geluGradOf?: boolean; residual?: boolean };
}

interface Built {
  a: tf.Tensor2D;
  b: tf.Tensor2D;
  opts: MatmulOptions;
  want: Float64Array;
}

/** Operands for a case (b's values exact in fp16) and the float64 result of the formula, element by element in JS. */
function build({ M, K, N, opts = {} }: Case, seed: number): Built {
  const tA = !!opts.transposeA;
  const tB = !!opts.transposeB;
  const aVals = values(M * K, seed);
  const bVals = values(K * N, seed + 1, true);
  const biasVals = values(N, seed + 2);
  const gVals = values(M * N, seed + 3).map((v) => 3 * v);
  const rVals = values(M * N, seed + 4);
  // a stored [M, K] or [K, M]; b stored [K, N] or [N, K].
  const aAt = (m: number, k: number) => (tA ? k * M + m : m * K + k);
  const bAt = (k: number, n: number) => (tB ? n * K + k : k * N + n);
  let pre: Float64Array = Float64Array.from(aVals);
  if (opts.preA?.dropout) {
    const f = dropoutFactors(opts.preA.dropout.seed, M * K, opts.preA.dropout.rate);
    pre = pre.map((v, i) => v * f[i]);
  }
  if (opts.preA?.gelu) pre = pre.map(gelu);
  const outMask = opts.dropout ? dropoutFactors(opts.dropout.seed, M * N, opts.dropout.rate) : null;
  const want = new Float64Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += pre[aAt(m, k)] * bVals[bAt(k, n)];
      const i = m * N + n;
      if (opts.bias) s += biasVals[n];
      if (opts.activation === 'gelu') s = gelu(s);
      if (opts.geluGradOf) s *= geluGrad(gVals[i]);
      if (outMask) s *= outMask[i];
      if (opts.residual) s += rVals[i];
      want[i] = s;
    }
  }
  const built: MatmulOptions = { ...opts, bias: undefined, geluGradOf: undefined, residual: undefined };
  if (opts.bias) built.bias = tf.tensor1d(biasVals);
  if (opts.geluGradOf) built.geluGradOf = tf.tensor2d(gVals, [M, N]);
  if (opts.residual) built.residual = tf.tensor2d(rVals, [M, N]);
  return {
    a: tf.tensor2d(aVals, tA ? [K, M] : [M, K]),
    b: tf.tensor2d(bVals, tB ? [N, K] : [K, N]),
    opts: built,
    want,
  };
}

function dispose(b: Built): void {
  for (const t of [b.a, b.b, b.opts.bias, b.opts.geluGradOf, b.opts.residual]) t?.dispose();
}

/** |got - want| ≤ 1e-5 · (|want| + max|want|), element by element. */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, label: string, rtol = 1e-5): void {
  expect(got.length, label).toBe(want.length);
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]) / (Math.abs(want[i]) + scale + 1e-30);
    if (!(err <= worst)) {
      worst = err;
      at = i;
    }
  }
  expect(worst, `${label}: element ${at} is ${got[at]}, expected ${want[at]}`).toBeLessThanOrEqual(rtol);
}

const drop = (rate: number, seed: number) => ({ rate, seed });
const EVERYTHING = { bias: true, activation: 'gelu', geluGradOf: true, dropout: drop(0.2, 5), residual: true, preA: { gelu: true } } as const;

/**
 * Each case is its own shader variant on WebGPU (about a second of SwiftShader compile time each), so
 * options ride along with the transpose and size cases instead of multiplying them, and the
 * odd-size cases are exactly the variants linearFused's forward and backward products use below.
 * `composite`: also compared with matmulComposite on the same backend.
 */
const CASES: [string, Case & { composite?: boolean }][] = [
  ['plain, tile-aligned', { M: 64, K: 32, N: 64 }],
  ['M=3 K=5 N=10, bias + residual', { M: 3, K: 5, N: 10, opts: { bias: true, residual: true } }],
  ['M=1 K=5 N=1, bias + residual', { M: 1, K: 5, N: 1, opts: { bias: true, residual: true } }],
  ['odd sizes across tiles, bias', { M: 67, K: 37, N: 70, opts: { bias: true } }],
  ['transposeB, odd', { M: 66, K: 19, N: 9, opts: { transposeB: true } }],
  ['transposeA, odd', { M: 66, K: 19, N: 9, opts: { transposeA: true } }],
  ['preA gelu, bias, odd', { M: 66, K: 19, N: 9, opts: { preA: { gelu: true }, bias: true } }],
  ['transposeB, geluGradOf, odd', { M: 66, K: 19, N: 9, opts: { transposeB: true, geluGradOf: true } }],
  ['transposeA, preA gelu, odd', { M: 66, K: 19, N: 9, opts: { transposeA: true, preA: { gelu: true } } }],
  ['preA dropout, bias, odd', { M: 66, K: 19, N: 9, opts: { preA: { dropout: drop(0.5, 11) }, bias: true } }],
  ['transposeB, dropout, odd', { M: 66, K: 19, N: 9, opts: { transposeB: true, dropout: drop(0.5, 12) } }],
  ['transposeA, preA dropout, odd', { M: 66, K: 19, N: 9, opts: { transposeA: true, preA: { dropout: drop(0.5, 13) } } }],
  ['vec4 sizes off the tile, residual', { M: 68, K: 40, N: 12, opts: { residual: true } }],
  ['transposeB, vec4, bias + gelu', { M: 68, K: 40, N: 12, opts: { transposeB: true, bias: true, activation: 'gelu' } }],
  ['transposeA, vec4, geluGradOf', { M: 68, K: 40, N: 12, opts: { transposeA: true, geluGradOf: true } }],
  [
    'transposeA+B, vec4, preA dropout then gelu',
    { M: 68, K: 40, N: 12, opts: { transposeA: true, transposeB: true, preA: { dropout: drop(0.3, 14), gelu: true } } },
  ],
  ['everything at once', { M: 67, K: 21, N: 68, composite: true, opts: EVERYTHING }],
  [
    'everything at once, odd N, transposes',
    { M: 7, K: 18, N: 9, opts: { ...EVERYTHING, transposeA: true, transposeB: true, preA: { dropout: drop(0.1, 7) } } },
  ],
];

type LinearOpts = { inputGelu?: boolean; inputDropout?: { rate: number; seed: number } };
const LINEAR_VARIANTS: [string, LinearOpts][] = [
  ['plain', {}],
  ['input gelu', { inputGelu: true }],
  ['input dropout', { inputDropout: drop(0.5, 21) }],
];
// No multiple of 4, and the products' M above one tile (TF.js keys pipelines on whether the dispatch
// is one row of workgroups): linearFused's products then reuse the shader variants of CASES.
const [LM, LK, LN] = [70, 67, 9];

/** tf.grads of the composite y = f(x)·W + b under loss sum(y ⊙ R), on the current backend. */
async function compositeLinearGrads(): Promise<Float32Array[][]> {
  const x = tf.tensor2d(values(LM * LK, 1), [LM, LK]);
  const w = tf.tensor2d(values(LK * LN, 2, true), [LK, LN]);
  const b = tf.tensor1d(values(LN, 3));
  const r = tf.tensor2d(values(LM * LN, 4), [LM, LN]);
  const out: Float32Array[][] = [];
  for (const [, opts] of LINEAR_VARIANTS) {
    const pre = (t: tf.Tensor2D): tf.Tensor2D =>
      opts.inputGelu ? geluTanh(t) : opts.inputDropout ? tf.mul(t, tf.tensor2d(dropoutFactors(21, LM * LK, 0.5), [LM, LK])) : t;
    const grads = tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
      tf.sum(tf.mul(tf.add(tf.matMul(pre(xx as tf.Tensor2D), ww as tf.Tensor2D), bb), r)),
    )([x, w, b]);
    out.push(await Promise.all(grads.map((g) => g.data() as Promise<Float32Array>)));
    tf.dispose(grads);
  }
  tf.dispose([x, w, b, r]);
  return out;
}

describe.each<BackendName>(['cpu', 'webgpu'])('fused matmul on %s', (backend) => {
  it('matches the float64 formula for every option, transpose and odd size', async () => {
    await useBackend(backend);
    let seed = 100;
    for (const [label, c] of CASES) {
      const built = build(c, (seed += 10));
      const got = matmul(built.a, built.b, built.opts);
      expect(got.shape, label).toEqual([c.M, c.N]);
      expectClose(await got.data(), built.want, label);
      if (c.composite) {
        const composite = matmulComposite(built.a, built.b, built.opts);
        expectClose(await got.data(), await composite.data(), `${label} vs composite`);
        composite.dispose();
      }
      got.dispose();
      dispose(built);
    }
  });

  it('drops exactly the elements dropoutFactors drops', async () => {
    await useBackend(backend);
    // N=5: the scalar epilogue (same variant as a case above); N=64: the vec4 one.
    for (const [N, transposeB] of [
      [5, true],
      [64, false],
    ] as const) {
      const M = 70;
      const built = build({ M, K: 9, N, opts: { transposeB, dropout: drop(0.4, 99) } }, 3);
      const got = await matmul(built.a, built.b, built.opts).data();
      const mask = dropoutFactors(99, M * N, 0.4);
      const zeroGot = Array.from(got, (v) => v === 0);
      const zeroWant = Array.from(mask, (f) => f === 0);
      expect(zeroWant.some(Boolean)).toBe(true);
      expect(zeroGot, `N=${N}`).toEqual(zeroWant);
      dispose(built);
    }
  });

  it('multiplies by packed fp16 B, plain and transposed, as by the same values in float32', async () => {
    await useBackend(backend);
    const cases: Case[] = [
      { M: 70, K: 7, N: 3, opts: { bias: true } },
      { M: 70, K: 7, N: 3, opts: { transposeB: true } },
      { M: 70, K: 36, N: 68, opts: { bias: true, residual: true } },
      { M: 70, K: 36, N: 68, opts: { transposeB: true, preA: { gelu: true }, activation: 'gelu', residual: true } },
    ];
    for (const c of cases) {
      const built = build(c, c.M + c.K);
      const [rows, cols] = built.b.shape;
      const packed = new PackedFp16Matrix((await built.b.data()) as Float32Array, rows, cols);
      const got = matmul(built.a, packed, built.opts);
      expectClose(await got.data(), built.want, `packed [${rows}, ${cols}] ${JSON.stringify(c.opts)}`);
      got.dispose();
      packed.dispose();
      dispose(built);
    }
  });

  it('rejects mismatched shapes', async () => {
    await useBackend(backend);
    const a = tf.zeros([3, 4]) as tf.Tensor2D;
    const b = tf.zeros([2, 3]) as tf.Tensor2D;
    expect(() => matmul(a, b)).toThrow(/inner dimensions/);
    expect(() => matmul(a, b, { transposeA: true, transposeB: true, bias: tf.zeros([4]) as tf.Tensor1D })).toThrow(/bias/);
    expect(() => matmul(a, tf.zeros([3, 2]) as tf.Tensor2D, { transposeA: true, dropout: drop(1, 0) })).toThrow(/rate/);
    expect(() => matmul(a, tf.zeros([4, 2]) as tf.Tensor2D, { residual: tf.zeros([3, 3]) as tf.Tensor2D })).toThrow(/residual/);
  });

  it('linearFused gradients equal tf.grads of the composite', async () => {
    // The composite's gradients come from the CPU backend: its many small kernels would each cost a
    // shader compilation on SwiftShader.
    await useBackend('cpu');
    const want = await compositeLinearGrads();
    await useBackend(backend);
    const x = tf.tensor2d(values(LM * LK, 1), [LM, LK]);
    const w16 = values(LK * LN, 2, true);
    const w = tf.tensor2d(w16, [LK, LN]);
    const b = tf.tensor1d(values(LN, 3));
    const r = tf.tensor2d(values(LM * LN, 4), [LM, LN]);
    for (const [v, [label, opts]] of LINEAR_VARIANTS.entries()) {
      const got = tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
        tf.sum(tf.mul(linearFused(xx as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D, opts), r)),
      )([x, w, b]);
      for (const [i, name] of ['dX', 'dW', 'dBias'].entries()) expectClose(await got[i].data(), want[v][i], `${label} ${name}`);
      tf.dispose(got);
    }
    // Frozen packed W (values exact in fp16): gradients for x and bias only, dX through the packed Wᵀ.
    const packed = new PackedFp16Matrix(w16, LK, LN);
    const got = tf.grads((xx: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(linearFused(xx as tf.Tensor2D, packed, bb as tf.Tensor1D), r)))([x, b]);
    expect(got.length).toBe(2);
    expectClose(await got[0].data(), want[0][0], 'packed dX');
    expectClose(await got[1].data(), want[0][2], 'packed dBias');
    packed.dispose();
    tf.dispose([x, w, b, r, ...got]);
  });
});

describe('fused matmul tile sides on webgpu', () => {
  afterEach(() => {
    delete matmulTuning.tile;
  });

  it('takes 16×16 tiles on SwiftShader and 64×64 on a GPU', async () => {
    // These tests' WebGPU is Dawn's SwiftShader (no GPU on this machine).
    expect(await useBackend('webgpu')).toContain('swiftshader');
    expect(MATMUL_TILES).toEqual({ gpu: 64, swiftShader: 16 });
  });

  it('gives bit-identical results with every tile side (each output sums its products in the same order)', async () => {
    await useBackend('webgpu');
    // Odd and vec4 sizes, both transposes, packed B, the epilogue; M and N past one 64-tile.
    const cases: [Case, boolean][] = [
      [{ M: 67, K: 21, N: 68, opts: EVERYTHING }, false],
      [{ M: 66, K: 19, N: 9, opts: { transposeA: true, preA: { dropout: drop(0.5, 13) } } }, false],
      [{ M: 68, K: 40, N: 12, opts: { transposeA: true, transposeB: true, preA: { gelu: true } } }, false],
      [{ M: 70, K: 36, N: 68, opts: { transposeB: true, bias: true, residual: true } }, true],
    ];
    for (const [c, packedB] of cases) {
      const built = build(c, 17);
      const [rows, cols] = built.b.shape;
      const b = packedB ? new PackedFp16Matrix((await built.b.data()) as Float32Array, rows, cols) : built.b;
      const results: Float32Array[] = [];
      for (const tile of [16, 32, 64] as const) {
        matmulTuning.tile = tile;
        const y = matmul(built.a, b, built.opts);
        results.push((await y.data()) as Float32Array);
        y.dispose();
      }
      expectClose(results[2], built.want, `${c.M}x${c.K}x${c.N} packed=${packedB}`);
      expect(Array.from(results[0]), `${c.M}x${c.K}x${c.N} packed=${packedB}: 16 vs 64`).toEqual(Array.from(results[2]));
      expect(Array.from(results[1]), `${c.M}x${c.K}x${c.N} packed=${packedB}: 32 vs 64`).toEqual(Array.from(results[2]));
      if (b instanceof PackedFp16Matrix) b.dispose();
      dispose(built);
    }
  });
});

describe('fused matmul dispatches on webgpu', () => {
  it('runs every option at once, and packed B, as exactly one dispatch', async () => {
    await useBackend('webgpu');
    const cases: [Case, boolean][] = [
      [{ M: 67, K: 21, N: 68, opts: EVERYTHING }, false],
      [{ M: 70, K: 36, N: 68, opts: { bias: true, residual: true } }, true],
    ];
    for (const [c, packedB] of cases) {
      const built = build(c, 7);
      const packed = packedB ? new PackedFp16Matrix((await built.b.data()) as Float32Array, c.K, c.N) : null;
      const { result, dispatches } = await countDispatches(async () => {
        const y = matmul(built.a, packed ?? built.b, built.opts);
        const data = await y.data();
        y.dispose();
        return data;
      });
      expect(dispatches, `packed=${packedB}`).toBe(1);
      expectClose(result, built.want, `counted call, packed=${packedB}`);
      const dry = await dryRunDispatches(async () => {
        const y = matmul(built.a, packed ?? built.b, built.opts);
        await y.data();
        y.dispose();
      });
      expect(dry.dispatches).toBe(1);
      if (!packedB) {
        // The counter sees ordinary TF.js kernels too.
        const { dispatches: composite } = await countDispatches(async () => {
          const y = matmulComposite(built.a, built.b, built.opts);
          await y.data();
          y.dispose();
        });
        expect(composite).toBeGreaterThan(5);
      }
      packed?.dispose();
      dispose(built);
    }
  });
});
