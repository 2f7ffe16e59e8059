import type { Rng } from '../rng';
import { CIFAR_CLASS_NAMES, CIFAR_PLANE, type CifarSplits } from './cifar-binary';
import { sampleRecordBatch } from './sample-batch';
import type { Batch, Split, Task } from './task';

/** Grayscale weights of torchvision's Grayscale (ITU-R 601-2 luma). */
export const GRAY_WEIGHTS = [0.2989, 0.587, 0.114] as const;

/** Writes one planar RGB byte image as 1024 grayscale values in [-1, 1], pixels row-major. */
export function grayscaleCifar(pixels: ArrayLike<number>, out: Float32Array, offset = 0): void {
  for (let p = 0; p < CIFAR_PLANE; p++) {
    const gray =
      GRAY_WEIGHTS[0] * pixels[p] + GRAY_WEIGHTS[1] * pixels[CIFAR_PLANE + p] + GRAY_WEIGHTS[2] * pixels[2 * CIFAR_PLANE + p];
    out[offset + p] = (gray / 255) * 2 - 1;
  }
}

/** CIFAR-10 in the LRA layout: 1024 grayscale pixels, one per token, no augmentation. */
export function createCifar10LraTask(data: CifarSplits): Task {
  return {
    name: 'cifar10-lra',
    seqLen: CIFAR_PLANE,
    input: { kind: 'vector', dim: 1 },
    outputTokens: 1,
    labelsPerToken: 1,
    classes: 10,
    metric: 'accuracy',
    batch(batchSize: number, split: Split, rng: Rng): Batch {
      const records = data[split];
      return sampleRecordBatch(batchSize, records.count, CIFAR_PLANE, rng, (i, x, offset) => {
        grayscaleCifar(records.pixels(i), x, offset);
        return records.label(i);
      });
    },
    describe(batch: Batch, index: number): string {
      const label = batch.y[index];
      return `label ${label} (${CIFAR_CLASS_NAMES[label] ?? '?'})`;
    },
  };
}
