import type { Rng } from '../rng';
import { CIFAR_CLASS_NAMES, CIFAR_PLANE, CIFAR_SIDE, parseCifar10Files, type CifarSplits } from './cifar-binary';
import { createEpochSampler, recordSlice, type RecordFill } from './sample-batch';
import { patchTokenLabels, patchTokensToImage } from './patch-image';
import { requireSource, type Batch, type Split, type Task, type TaskDefinition, type TaskName, type TaskOptions } from './task';

export const CIFAR_MEAN = [0.4914, 0.4822, 0.4465] as const;
export const CIFAR_STD = [0.2023, 0.1994, 0.201] as const;
const PATCH = 4;
const GRID = CIFAR_SIDE / PATCH;
const TOKEN_DIM = PATCH * PATCH * 3;
const IMAGE_VALUES = 3 * CIFAR_PLANE;

export interface Cifar10Options {
  /** Train-split augmentation (pad-4 crop, horizontal flip, rotation ≤ 20°). Default true, as the paper. */
  augment?: boolean;
}

export interface CifarAugmentation {
  /** Crop origin in the 4-pixel zero-padded 40×40 image, 0..8 each. */
  top: number;
  left: number;
  flip: boolean;
  /** Counter-clockwise degrees, uniform in [-20, 20]. */
  degrees: number;
}

/** torchvision's order: RandomCrop(32, padding=4), RandomHorizontalFlip, RandomRotation(20). */
export function drawCifarAugmentation(rng: Rng): CifarAugmentation {
  const top = rng.int(0, 8);
  const left = rng.int(0, 8);
  const flip = rng.next() < 0.5;
  const degrees = (rng.next() * 2 - 1) * 20;
  return { top, left, flip, degrees };
}

/**
 * Applies crop, flip and rotation (nearest neighbour, zero fill, about the image centre) to a planar
 * image in [0,1], by mapping each output pixel back to its source pixel.
 */
export function augmentCifarImage(src: Float32Array, aug: CifarAugmentation, out = new Float32Array(IMAGE_VALUES)): Float32Array {
  const rad = (aug.degrees * Math.PI) / 180;
  const cos = Math.cos(rad);
  const sin = Math.sin(rad);
  const centre = (CIFAR_SIDE - 1) / 2;
  for (let r = 0; r < CIFAR_SIDE; r++) {
    for (let c = 0; c < CIFAR_SIDE; c++) {
      // Inverse of a counter-clockwise rotation in image coordinates (y pointing down).
      const dx = c - centre;
      const dy = r - centre;
      const rr = Math.round(centre + dx * sin + dy * cos);
      let cc = Math.round(centre + dx * cos - dy * sin);
      const inside = rr >= 0 && rr < CIFAR_SIDE && cc >= 0 && cc < CIFAR_SIDE;
      if (aug.flip) cc = CIFAR_SIDE - 1 - cc;
      const sr = rr + aug.top - 4;
      const sc = cc + aug.left - 4;
      const valid = inside && sr >= 0 && sr < CIFAR_SIDE && sc >= 0 && sc < CIFAR_SIDE;
      for (let ch = 0; ch < 3; ch++) {
        out[ch * CIFAR_PLANE + r * CIFAR_SIDE + c] = valid ? src[ch * CIFAR_PLANE + sr * CIFAR_SIDE + sc] : 0;
      }
    }
  }
  return out;
}

/**
 * Normalises a planar [0,1] image per channel and writes it as 64 tokens of 48: 4×4 patches
 * row-major over the 8×8 grid, pixels row-major within a patch, R,G,B interleaved per pixel.
 */
export function patchifyCifar(image: Float32Array, out: Float32Array, offset = 0): void {
  for (let r = 0; r < CIFAR_SIDE; r++) {
    for (let c = 0; c < CIFAR_SIDE; c++) {
      const token = ((r / PATCH) | 0) * GRID + ((c / PATCH) | 0);
      const base = offset + token * TOKEN_DIM + ((r % PATCH) * PATCH + (c % PATCH)) * 3;
      for (let ch = 0; ch < 3; ch++) {
        out[base + ch] = (image[ch * CIFAR_PLANE + r * CIFAR_SIDE + c] - CIFAR_MEAN[ch]) / CIFAR_STD[ch];
      }
    }
  }
}

/** The splits of CIFAR-10 from the loader in options.data (an error naming `task` when there is none). */
export async function loadCifarSplits(options: TaskOptions, task: TaskName): Promise<CifarSplits> {
  return parseCifar10Files(await requireSource(options.data, 'cifar10', task)());
}

/**
 * A CIFAR-10 task in one of its layouts, `seqLen` vector tokens of `dim` values each. What the
 * layouts share: ten classes, one label per example, batches of either split in shuffled epochs,
 * the held-out split read in order, and the label in words. `fill` writes one record of `records`;
 * it augments with `augment` (the stream's rng, on the train split only) and never when `augment`
 * is null.
 */
export function cifarTask(
  name: 'cifar10' | 'cifar10-lra',
  tokens: { seqLen: number; dim: number },
  data: CifarSplits,
  fill: (records: CifarSplits[Split], augment: Rng | null) => RecordFill,
): Task {
  const tokenValues = tokens.seqLen * tokens.dim;
  const samplers = { train: createEpochSampler(data.train.count, tokenValues), test: createEpochSampler(data.test.count, tokenValues) };
  return {
    name,
    seqLen: tokens.seqLen,
    input: { kind: 'vector', dim: tokens.dim },
    outputTokens: 1,
    labelsPerToken: 1,
    classes: 10,
    metric: 'accuracy',
    batch: (batchSize, split, rng) => samplers[split](batchSize, rng, fill(data[split], split === 'train' ? rng : null)),
    trainExamples: data.train.count,
    heldOut: { count: data.test.count, batch: (start, size) => recordSlice(start, size, data.test.count, tokenValues, fill(data.test, null)) },
    describe(batch: Batch, index: number): string {
      const label = batch.y[index];
      return `label ${label} (${CIFAR_CLASS_NAMES[label] ?? '?'})`;
    },
  };
}

/** CIFAR-10 as 64 × 48 patch tokens; each stream of batches walks the split in shuffled epochs. */
export function createCifar10Task(data: CifarSplits, options: Cifar10Options = {}): Task {
  const augment = options.augment ?? true;
  const scaled = new Float32Array(IMAGE_VALUES);
  const augmented = new Float32Array(IMAGE_VALUES);
  return cifarTask('cifar10', { seqLen: GRID * GRID, dim: TOKEN_DIM }, data, (records, rng) => (i, x, offset) => {
    const pixels = records.pixels(i);
    for (let k = 0; k < IMAGE_VALUES; k++) scaled[k] = pixels[k] / 255;
    const image = augment && rng ? augmentCifarImage(scaled, drawCifarAugmentation(rng), augmented) : scaled;
    patchifyCifar(image, x, offset);
    return records.label(i);
  });
}

export const CIFAR10: TaskDefinition<'cifar10'> = {
  name: 'cifar10',
  label: 'CIFAR-10',
  paperName: 'CIFAR-10',
  inputKind: 'vector',
  fromScratchLayers: 3,
  create: async (options) => createCifar10Task(await loadCifarSplits(options, 'cifar10'), options.cifar10),
  tokenLabels: (task) => patchTokenLabels(task.seqLen, GRID),
  image: (task, batch, index) => patchTokensToImage(task, batch, index, CIFAR_SIDE, 3, (v, ch) => v * CIFAR_STD[ch] + CIFAR_MEAN[ch]),
};
