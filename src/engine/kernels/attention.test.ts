import { afterEach, describe, expect, it } from 'vitest';
import type { BackendName } from '../backend';
import { useBackend } from '../test-support';
import { tf } from '../tf';
import { attentionProbabilities, attentionTiles, attentionTuning, causalAttention, causalAttentionBackward, causalAttentionForward } from './attention';
import { countDispatches } from '../testing/dispatch-counter';
import { dropoutFactors } from './dropout-mask';
import { expectClose } from '../testing/expect-close';

interface Case {
  B: number;
  T: number;
  H: number;
  dh: number;
  dropout?: { rate: number; seed: number };
}

function values(n: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

const qkvFor = ({ B, T, H, dh }: Case, seed = 1) => tf.tensor2d(values(B * T * 3 * H * dh, seed + T * 31 + dh, 2), [B * T, 3 * H * dh]);

/**
 * The reference: GPT-2 attention written head by head with plain TF.js ops (slice, matMul, additive
 * causal mask, softmax, dropout as a multiplication by the same counter-based mask), differentiated
 * by TF.js's autodiff.
 */
function reference(qkv: tf.Tensor2D, { B, T, H, dh, dropout }: Case): tf.Tensor2D {
  const d = H * dh;
  const x = tf.reshape(qkv, [B, T, 3 * d]);
  const maskValues = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) maskValues[i * T + j] = -1e9;
  const causal = tf.tensor2d(maskValues, [T, T]);
  const drop = dropout ? tf.tensor4d(dropoutFactors(dropout.seed, B * H * T * T, dropout.rate), [B, H, T, T]) : undefined;
  const heads: tf.Tensor[] = [];
  for (let h = 0; h < H; h++) {
    const q = tf.slice(x, [0, 0, h * dh], [B, T, dh]);
    const k = tf.slice(x, [0, 0, d + h * dh], [B, T, dh]);
    const v = tf.slice(x, [0, 0, 2 * d + h * dh], [B, T, dh]);
    let p = tf.softmax(tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dh)), causal));
    if (drop) p = tf.mul(p, tf.reshape(tf.slice(drop, [0, h, 0, 0], [B, 1, T, T]), [B, T, T]));
    heads.push(tf.matMul(p, v));
  }
  return tf.reshape(tf.concat(heads, 2), [B * T, d]) as tf.Tensor2D;
}

/** Forward, explicit backward, and tf.grads through causalAttention, all against the reference. */
async function checkCase(c: Case): Promise<void> {
  const { B, T, H, dh, dropout } = c;
  const qkv = qkvFor(c);
  const dContext = tf.tensor2d(values(B * T * H * dh, 99 + T), [B * T, H * dh]);
  const expected = reference(qkv, c);
  const context = causalAttentionForward(qkv, B, T, H, dropout);
  await expectClose(context, expected);
  const [expectedGrad] = tf.grads((x: tf.Tensor) => tf.sum(tf.mul(reference(x as tf.Tensor2D, c), dContext)))([qkv]);
  await expectClose(causalAttentionBackward(qkv, context, dContext, B, T, H, dropout), expectedGrad);
  const [viaCustomGrad] = tf.grads((x: tf.Tensor) => tf.sum(tf.mul(causalAttention(x as tf.Tensor2D, B, T, H, dropout), dContext)))([qkv]);
  await expectClose(viaCustomGrad, expectedGrad);
}

describe.each<BackendName>(['cpu', 'webgpu'])('causal attention kernels on %s', (backend) => {
  afterEach(() => {
    delete attentionTuning.tiles;
    delete attentionTuning.maxSharedBytes;
    delete attentionTuning.prefer;
  });

  it('matches the composite reference: forward and gradients, T from 1 to 65, dh 8 to 128', async () => {
    await useBackend(backend);
    const cases: Case[] = [
      { B: 2, T: 1, H: 2, dh: 8 },
      { B: 2, T: 10, H: 2, dh: 32 }, // the tiny test model: d = 64, H = 2
      { B: 1, T: 65, H: 2, dh: 8 }, // one past four 16-row tiles
      { B: 2, T: 17, H: 3, dh: 10 }, // d = 30: head rows not a whole number of vec4s
      { B: 1, T: 12, H: 12, dh: 64 }, // GPT-2 small's d = 768, H = 12
      { B: 1, T: 20, H: 1, dh: 128 },
    ];
    for (const c of cases) await checkCase(c);
  });

  it('applies dropout to the probabilities with the counter-based mask, forward and backward', async () => {
    await useBackend(backend);
    await checkCase({ B: 2, T: 10, H: 2, dh: 32, dropout: { rate: 0.2, seed: 7 } });
    await checkCase({ B: 1, T: 65, H: 2, dh: 8, dropout: { rate: 0.5, seed: 123456789 } });
    await checkCase({ B: 2, T: 3, H: 1, dh: 16, dropout: { rate: 0, seed: 5 } });

    // With v_j the unit vector e_j, context row i of a head is exactly row i of the dropped
    // probabilities: the zero pattern must be the mask's, and the kept values P_ij / (1 - rate).
    const B = 2,
      T = 10,
      H = 2,
      dh = 32,
      d = H * dh;
    const dropout = { rate: 0.3, seed: 42 };
    const raw = values(B * T * 3 * d, 3, 2);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) for (let c = 0; c < d; c++) raw[(b * T + t) * 3 * d + 2 * d + c] = c % dh === t ? 1 : 0;
    }
    const qkv = tf.tensor2d(raw, [B * T, 3 * d]);
    const context = await causalAttentionForward(qkv, B, T, H, dropout).data();
    const probs = await reference(qkv, { B, T, H, dh }).data(); // undropped: P_ij in column h·dh + j
    const mask = dropoutFactors(dropout.seed, B * H * T * T, dropout.rate);
    let dropped = 0;
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        for (let i = 0; i < T; i++) {
          for (let j = 0; j < dh; j++) {
            const at = (b * T + i) * d + h * dh + j;
            const keep = j <= i && mask[((b * H + h) * T + i) * T + j] !== 0;
            if (!keep) {
              expect(context[at]).toBe(0);
              if (j <= i) dropped++;
            } else {
              expect(context[at]).not.toBe(0);
              expect(Math.abs(context[at] - probs[at] / (1 - dropout.rate))).toBeLessThanOrEqual(1e-6);
            }
          }
        }
      }
    }
    expect(dropped).toBeGreaterThan(20); // ~30% of the 220 causal entries
  });

  it('attentionProbabilities is the softmax of the masked scores; rows sum to 1', async () => {
    await useBackend(backend);
    for (const c of [
      { B: 3, T: 19, H: 2, dh: 16 },
      { B: 2, T: 1, H: 3, dh: 8 },
    ]) {
      const { B, T, H, dh } = c;
      const d = H * dh;
      const qkv = qkvFor(c, 5);
      const probs = attentionProbabilities(qkv, B, T, H, B - 1);
      expect(probs.shape).toEqual([H, T, T]);
      const x = tf.reshape(tf.slice(qkv, [(B - 1) * T, 0], [T, 3 * d]), [T, 3, H, dh]);
      const q = tf.transpose(tf.reshape(tf.slice(x, [0, 0, 0, 0], [T, 1, H, dh]), [T, H, dh]), [1, 0, 2]);
      const k = tf.transpose(tf.reshape(tf.slice(x, [0, 1, 0, 0], [T, 1, H, dh]), [T, H, dh]), [1, 0, 2]);
      const upper = tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([T, T]), -1, 0)), -1e9);
      await expectClose(probs, tf.softmax(tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dh)), upper)));
      const p = await probs.data();
      for (let h = 0; h < H; h++) {
        for (let i = 0; i < T; i++) {
          let sum = 0;
          for (let j = 0; j < T; j++) {
            const v = p[(h * T + i) * T + j];
            if (j > i) expect(v).toBe(0);
            sum += v;
          }
          expect(Math.abs(sum - 1)).toBeLessThanOrEqual(1e-5);
        }
      }
    }
  });

  if (backend === 'webgpu') {
    it('every tile shape gives the same results (small tiles, queries ≠ keys per tile)', async () => {
      await useBackend(backend);
      const c: Case = { B: 2, T: 21, H: 2, dh: 16, dropout: { rate: 0.25, seed: 9 } };
      // 16×16: a GPU's default; 4×4: SwiftShader's (the default of these tests' device).
      for (const tiles of [
        [16, 16],
        [8, 16],
        [16, 8],
        [4, 4],
      ] as [number, number][]) {
        attentionTuning.tiles = tiles;
        await checkCase(c);
      }
      // A 16 KiB budget (the WebGPU default) makes the backward at dh = 64 use 16×8 tiles where the largest are preferred.
      delete attentionTuning.tiles;
      attentionTuning.prefer = 'large';
      attentionTuning.maxSharedBytes = 16384;
      expect(attentionTiles('backward', 64)).toEqual([16, 8]);
      await checkCase({ B: 1, T: 18, H: 2, dh: 64, dropout: { rate: 0.1, seed: 3 } });
    });

    it('takes the smallest tiles on SwiftShader and the largest that fit on a GPU', async () => {
      const adapter = await useBackend(backend);
      // The tests' WebGPU is Dawn's SwiftShader (no GPU on this machine); the default follows the adapter.
      expect(adapter).toContain('swiftshader');
      expect(attentionTiles('forward', 16)).toEqual([4, 4]);
      expect(attentionTiles('backward', 16)).toEqual([4, 4]);
      attentionTuning.prefer = 'large';
      expect(attentionTiles('forward', 16)).toEqual([16, 16]);
      expect(attentionTiles('backward', 16)).toEqual([16, 16]);
      attentionTuning.tiles = [8, 4];
      expect(attentionTiles('backward', 16)).toEqual([8, 4]);
    });

    it('each kernel call is exactly one GPU dispatch', async () => {
      await useBackend(backend);
      const B = 2,
        T = 10,
        H = 2,
        dh = 32;
      const qkv = qkvFor({ B, T, H, dh });
      const dContext = tf.tensor2d(values(B * T * H * dh, 4), [B * T, H * dh]);
      const once = async (f: () => tf.Tensor) => (await countDispatches(async () => await f().data())).dispatches;
      const context = causalAttentionForward(qkv, B, T, H);
      await context.data();
      const dropout = { rate: 0.1, seed: 1 };
      expect(await once(() => causalAttentionForward(qkv, B, T, H))).toBe(1);
      expect(await once(() => causalAttentionForward(qkv, B, T, H, dropout))).toBe(1);
      expect(await once(() => causalAttentionBackward(qkv, context, dContext, B, T, H))).toBe(1);
      expect(await once(() => causalAttentionBackward(qkv, context, dContext, B, T, H, dropout))).toBe(1);
      expect(await once(() => attentionProbabilities(qkv, B, T, H, 1))).toBe(1);
    });
  }
});
