import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { buildMnistDataset, createMnistTask, MNIST_PIXELS, patchifyMnist, type MnistDataset, type MnistRawDigits } from './mnist';
import { loadMnistDigitsNode } from './node-data';

let raw: MnistRawDigits;
let dataset: MnistDataset;

beforeAll(async () => {
  raw = await loadMnistDigitsNode();
  dataset = buildMnistDataset(raw);
});

describe('mnist patches', () => {
  it('puts pixel (r, c) at token (r/4|0)*7 + (c/4|0), offset (r%4)*4 + c%4', () => {
    const image = Float32Array.from({ length: 784 }, (_, i) => i);
    const out = new Float32Array(49 * 16);
    patchifyMnist(image, out);
    expect(out[9 * 16 + 5]).toBe(5 * 28 + 9); // (5, 9): token 1*7+2 = 9, offset 1*4+1 = 5
    expect(out[48 * 16 + 15]).toBe(783); // (27, 27): last token, last offset
    expect(Array.from(out.subarray(0, 16))).toEqual([0, 1, 2, 3, 28, 29, 30, 31, 56, 57, 58, 59, 84, 85, 86, 87]);
    for (let r = 0; r < 28; r++) {
      for (let c = 0; c < 28; c++) expect(out[((r / 4) | 0) * 7 * 16 + ((c / 4) | 0) * 16 + (r % 4) * 4 + (c % 4)]).toBe(r * 28 + c);
    }
  });
});

describe('mnist split', () => {
  it('uses all 10,000 digits: 8,000 train and 2,000 test', () => {
    expect(raw.reduce((n, d) => n + d.length / 784, 0)).toBe(10000);
    expect(dataset.train.count).toBe(8000);
    expect(dataset.test.count).toBe(2000);
    const perClass = (labels: Uint8Array) => labels.reduce((acc, l) => (acc[l]++, acc), new Array<number>(10).fill(0));
    expect(perClass(dataset.test.labels)).toEqual(raw.map((d) => Math.round(d.length / 784 / 5)));
    for (const l of dataset.train.labels) expect(l >= 0 && l <= 9).toBe(true);
  });

  it('is deterministic and keeps train and test disjoint', () => {
    const again = buildMnistDataset(raw);
    expect(Buffer.from(again.test.images.buffer).equals(Buffer.from(dataset.test.images.buffer))).toBe(true);
    expect(Buffer.from(again.train.labels).equals(Buffer.from(dataset.train.labels))).toBe(true);
    const key = (images: Float32Array, i: number) => Buffer.from(images.buffer, images.byteOffset + i * MNIST_PIXELS * 4, MNIST_PIXELS * 4).toString('base64');
    const train = new Set(Array.from({ length: dataset.train.count }, (_, i) => key(dataset.train.images, i)));
    let shared = 0;
    for (let i = 0; i < dataset.test.count; i++) if (train.has(key(dataset.test.images, i))) shared++;
    expect(shared).toBe(0);
  });

  it('keeps pixel values in [0,1] and the raw order within a class', () => {
    // Image 0 of digit 0 is a train image (the first test image of a class of n is at index ≥ 2).
    expect(Array.from(dataset.train.images.subarray(0, 784))).toEqual(Array.from(Float32Array.from(Array.from(raw[0]).slice(0, 784))));
    expect(dataset.train.labels[0]).toBe(0);
    let min = Infinity;
    let max = -Infinity;
    for (const v of dataset.test.images) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
  });
});

describe('mnist task', () => {
  it('batches 49 × 16 patches of the drawn image with its label', () => {
    const task = createMnistTask(dataset);
    expect([task.seqLen, task.input, task.outputTokens, task.classes]).toEqual([49, { kind: 'vector', dim: 16 }, 1, 10]);
    const batch = task.batch(3, 'test', new Rng(13));
    expect(batch.x.length).toBe(3 * 49 * 16);
    // The first three records of the stream's shuffled epoch (Fisher-Yates from the end, rng.int(0, i)).
    const replay = new Rng(13);
    const order = Array.from({ length: dataset.test.count }, (_, k) => k);
    for (let k = order.length - 1; k > 0; k--) {
      const j = replay.int(0, k);
      [order[k], order[j]] = [order[j], order[k]];
    }
    for (let b = 0; b < 3; b++) {
      const i = order[b];
      const expected = new Float32Array(784);
      patchifyMnist(dataset.test.images.subarray(i * 784, (i + 1) * 784), expected);
      expect(Array.from(batch.x.subarray(b * 784, (b + 1) * 784))).toEqual(Array.from(expected));
      expect(batch.y[b]).toBe(dataset.test.labels[i]);
    }
  });

  it('gives the same batch for the same seed', () => {
    const task = createMnistTask(dataset);
    const a = task.batch(4, 'train', new Rng(99));
    const b = task.batch(4, 'train', new Rng(99));
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
    expect(Array.from(a.y)).toEqual(Array.from(b.y));
  });
});
