/**
 * Counter-based dropout masks. Whether element `index` is kept is a pure function of (seed, index),
 * so a kernel decides it where it needs it and the backward pass recomputes the same mask: no mask
 * is stored, and none is made on the CPU and uploaded (TF.js's tf.dropout does that, which costs
 * seconds per step at GPT-2 size). The WGSL and the JavaScript hash are the same arithmetic on u32,
 * so every backend draws the same mask for the same seed.
 *
 * The hash is PCG's output permutation (Jarzynski and Olano, "Hash Functions for GPU Rendering",
 * JCGT 2020), applied to the index offset by the hashed seed.
 */

/** Which elements a dropout drops: a pure function of (seed, element index). */
export interface DropoutSpec {
  /** Fraction dropped, in [0, 1); 0 means no dropout. */
  rate: number;
  /** u32 seed of the counter-based mask. */
  seed: number;
}

/** WGSL: `dropoutKeep(seed, index, threshold)` and `dropoutFactor(...)` (0 or 1/(1-rate)). */
export const DROPOUT_WGSL = /* wgsl */ `
fn pcgHash(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}
fn dropoutKeep(seed: u32, index: u32, threshold: u32) -> bool {
  return pcgHash(index + pcgHash(seed)) >= threshold;
}
fn dropoutFactor(seed: u32, index: u32, threshold: u32, scale: f32) -> f32 {
  return select(0.0, scale, dropoutKeep(seed, index, threshold));
}
`;

export function pcgHash(v: number): number {
  const state = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/** Elements whose hash is below this are dropped: rate · 2^32, as an integer. */
export function dropoutThreshold(rate: number): number {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout rate must be in [0, 1), got ${rate}`);
  return Math.min(Math.round(rate * 2 ** 32), 2 ** 32 - 1);
}

export function dropoutKeep(seed: number, index: number, threshold: number): boolean {
  return pcgHash((index + pcgHash(seed)) >>> 0) >= threshold;
}

/** The mask's factors for elements 0..n-1: 0 where dropped, 1/(1-rate) where kept. */
export function dropoutFactors(seed: number, n: number, rate: number): Float32Array {
  const threshold = dropoutThreshold(rate);
  const scale = 1 / (1 - rate);
  const out = new Float32Array(n);
  const base = pcgHash(seed);
  for (let i = 0; i < n; i++) out[i] = pcgHash((i + base) >>> 0) >= threshold ? scale : 0;
  return out;
}

/** A kernel's dropout uniforms: seed, threshold, keep scale. Rate 0 gives threshold 0, which keeps everything. */
export function dropoutUniformValues(dropout?: DropoutSpec): { seed: number; threshold: number; scale: number } {
  const rate = dropout?.rate ?? 0;
  return { seed: rate > 0 ? dropout!.seed >>> 0 : 0, threshold: dropoutThreshold(rate), scale: 1 / (1 - rate) };
}
