/** Previews for the patch-token image tasks (MNIST, CIFAR-10): undoes the 4×4 patch layout. */
import type { Batch, ExampleImage, Task } from './task';

const PATCH = 4;

/**
 * Example `index` of a batch of `side`×`side` images in 4×4 patch tokens (patches row-major, pixels
 * row-major within a patch, channels interleaved per pixel) as a picture; `unnormalize` maps a
 * token value back to [0, 1] per channel (values outside are clipped).
 */
export function patchTokensToImage(
  task: Task,
  batch: Batch,
  index: number,
  side: number,
  channels: 1 | 3,
  unnormalize: (value: number, channel: number) => number = (v) => v,
): ExampleImage {
  const grid = side / PATCH;
  const dim = PATCH * PATCH * channels;
  const x = batch.x as Float32Array;
  const pixels = new Float32Array(side * side * channels);
  const base = index * task.seqLen * dim;
  for (let t = 0; t < task.seqLen; t++) {
    for (let p = 0; p < PATCH * PATCH; p++) {
      const r = Math.floor(t / grid) * PATCH + Math.floor(p / PATCH);
      const c = (t % grid) * PATCH + (p % PATCH);
      for (let ch = 0; ch < channels; ch++) {
        const v = unnormalize(x[base + t * dim + p * channels + ch], ch);
        pixels[(r * side + c) * channels + ch] = Math.min(1, Math.max(0, v));
      }
    }
  }
  return { width: side, height: side, channels, pixels };
}

/** Token names "pR,C" for a grid×grid patch layout (row, column of the patch). */
export function patchTokenLabels(seqLen: number, grid: number): string[] {
  return Array.from({ length: seqLen }, (_, i) => `p${Math.floor(i / grid)},${i % grid}`);
}
