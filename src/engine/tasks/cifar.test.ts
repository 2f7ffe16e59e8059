import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { CIFAR_TEST_FILE, CIFAR_TRAIN_FILES, parseCifar10Files } from './cifar-binary';
import { augmentCifarImage, createCifar10Task, drawCifarAugmentation } from './cifar10';
import { createCifar10LraTask } from './cifar10-lra';
import { fixtureImage, fixturePixel, makeCifarFixture } from './fixtures/cifar-fixture';
import { loadCifar10FilesNode } from './node-data';

const fixture = makeCifarFixture();
const splits = parseCifar10Files(fixture);
const tempDirs: string[] = [];

function writeFixture(dir: string): void {
  mkdirSync(dir, { recursive: true });
  CIFAR_TRAIN_FILES.forEach((f, i) => writeFileSync(join(dir, f), fixture.train[i]));
  writeFileSync(join(dir, CIFAR_TEST_FILE), fixture.test);
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fpt-cifar-'));
  tempDirs.push(dir);
  return dir;
}

afterAll(() => tempDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Index of pixel (r, c), channel ch in the 64 × 48 token layout. */
const at = (r: number, c: number, ch: number) => (((r / 4) | 0) * 8 + ((c / 4) | 0)) * 48 + ((r % 4) * 4 + (c % 4)) * 3 + ch;

describe('cifar10 binary records', () => {
  it('reads labels and planar pixels across files', () => {
    expect(splits.train.count).toBe(10);
    expect(splits.test.count).toBe(3);
    expect(splits.train.label(7)).toBe(7); // second record of data_batch_4
    expect(splits.test.label(1)).toBe(8);
    const px = splits.test.pixels(1);
    expect(px[0 * 1024 + 5 * 32 + 6]).toBe(86); // 8*37 = 296 → 40, + 5*8 + 6
    expect(px[1 * 1024 + 5 * 32 + 6]).toBe(171); // 40 + 85 + 46
    expect(px[2 * 1024 + 5 * 32 + 6]).toBe(0); // (296 + 170 + 46) mod 256
  });

  it('loads the directory in Node, also when given its parent', async () => {
    const dir = tempDir();
    writeFixture(join(dir, 'cifar-10-batches-bin'));
    for (const d of [join(dir, 'cifar-10-batches-bin'), dir]) {
      const files = await loadCifar10FilesNode(d);
      expect(files.train.length).toBe(5);
      expect(Buffer.from(files.test).equals(Buffer.from(fixture.test))).toBe(true);
    }
  });

  it('names the directory, the expected files and the download when data is missing', async () => {
    const dir = tempDir();
    await expect(loadCifar10FilesNode(dir)).rejects.toThrow(dir);
    await expect(loadCifar10FilesNode(dir)).rejects.toThrow(/data_batch_1\.bin.*test_batch\.bin/);
    await expect(loadCifar10FilesNode(dir)).rejects.toThrow(/cifar-10-binary\.tar\.gz/);
  });

  it('rejects files that are not whole records', () => {
    expect(() => parseCifar10Files({ train: [new Uint8Array(100)], test: fixture.test })).toThrow(/3073/);
  });
});

describe('cifar10 task', () => {
  it('has the paper layout', () => {
    const task = createCifar10Task(splits);
    expect([task.seqLen, task.input, task.outputTokens, task.classes]).toEqual([64, { kind: 'vector', dim: 48 }, 1, 10]);
  });

  it('writes 4×4 patches with RGB interleaved and per-channel normalisation (augmentation off)', () => {
    const task = createCifar10Task(splits, { augment: false });
    const batch = task.batch(8, 'test', new Rng(3));
    expect(batch.x.length).toBe(8 * 64 * 48);
    const b = Array.from(batch.y).indexOf(8);
    expect(b).toBeGreaterThanOrEqual(0);
    const x = batch.x.subarray(b * 3072, (b + 1) * 3072);
    // Pixel (5, 6) of the label-8 record is (86, 171, 0): token 9, offset 6.
    expect(at(5, 6, 0)).toBe(9 * 48 + 18);
    expect(x[at(5, 6, 0)]).toBeCloseTo((86 / 255 - 0.4914) / 0.2023, 5);
    expect(x[at(5, 6, 0)]).toBeCloseTo(-0.761963, 5);
    expect(x[at(5, 6, 1)]).toBeCloseTo(0.944776, 5);
    expect(x[at(5, 6, 2)]).toBeCloseTo(-2.221393, 5);
    const mean = [0.4914, 0.4822, 0.4465];
    const std = [0.2023, 0.1994, 0.201];
    for (let r = 0; r < 32; r++) {
      for (let c = 0; c < 32; c++) {
        for (let ch = 0; ch < 3; ch++) expect(x[at(r, c, ch)]).toBeCloseTo((fixturePixel(8, ch, r, c) / 255 - mean[ch]) / std[ch], 5);
      }
    }
  });

  it('draws records uniformly from the split (test split = test_batch only)', () => {
    const task = createCifar10Task(splits, { augment: false });
    const labels = new Set(task.batch(64, 'test', new Rng(1)).y);
    expect([...labels].sort()).toEqual([7, 8, 9]);
    const trainLabels = new Set(task.batch(200, 'train', new Rng(1)).y);
    expect(trainLabels.size).toBe(10);
  });

  it('augments train batches deterministically per seed, and changes the image', () => {
    const augmented = createCifar10Task(splits);
    const plain = createCifar10Task(splits, { augment: false });
    const a = augmented.batch(4, 'train', new Rng(17));
    const b = augmented.batch(4, 'train', new Rng(17));
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
    expect(Array.from(a.y)).toEqual(Array.from(b.y));
    // Batch of one: the record index is the first draw in both tasks, so only augmentation differs.
    const one = augmented.batch(1, 'train', new Rng(5));
    const base = plain.batch(1, 'train', new Rng(5));
    expect(one.y[0]).toBe(base.y[0]);
    expect(Array.from(one.x)).not.toEqual(Array.from(base.x));
    // Test batches are never augmented.
    expect(Array.from(augmented.batch(2, 'test', new Rng(6)).x)).toEqual(Array.from(plain.batch(2, 'test', new Rng(6)).x));
  });

  it('draws crop offsets in 0..8, a coin flip and |angle| ≤ 20°', () => {
    const rng = new Rng(2);
    let flips = 0;
    for (let i = 0; i < 200; i++) {
      const aug = drawCifarAugmentation(rng);
      expect(aug.top >= 0 && aug.top <= 8 && aug.left >= 0 && aug.left <= 8).toBe(true);
      expect(Math.abs(aug.degrees)).toBeLessThanOrEqual(20);
      flips += aug.flip ? 1 : 0;
    }
    expect(flips).toBeGreaterThan(70);
    expect(flips).toBeLessThan(130);
  });

  it('implements crop, flip and rotation as hand-checked pixel moves', () => {
    const src = Float32Array.from(fixtureImage(3), (v) => v / 255);
    const px = (img: Float32Array, ch: number, r: number, c: number) => img[ch * 1024 + r * 32 + c];
    const identity = augmentCifarImage(src, { top: 4, left: 4, flip: false, degrees: 0 });
    expect(Array.from(identity)).toEqual(Array.from(src));
    // Crop at the padded origin: the image moves 4 down and 4 right, zeros fill the border.
    const shifted = augmentCifarImage(src, { top: 0, left: 0, flip: false, degrees: 0 });
    expect(px(shifted, 1, 10, 12)).toBe(px(src, 1, 6, 8));
    expect(px(shifted, 0, 3, 20)).toBe(0);
    expect(px(shifted, 2, 20, 2)).toBe(0);
    const flipped = augmentCifarImage(src, { top: 4, left: 4, flip: true, degrees: 0 });
    expect(px(flipped, 0, 7, 0)).toBe(px(src, 0, 7, 31));
    expect(px(flipped, 2, 30, 10)).toBe(px(src, 2, 30, 21));
    // 90° counter-clockwise: the source's top-right corner becomes the top-left.
    const turned = augmentCifarImage(src, { top: 4, left: 4, flip: false, degrees: 90 });
    expect(px(turned, 0, 0, 0)).toBe(px(src, 0, 0, 31));
    expect(px(turned, 1, 5, 9)).toBe(px(src, 1, 9, 26));
    // A small rotation leaves the centre in place and blacks out corners.
    const tilted = augmentCifarImage(src, { top: 4, left: 4, flip: false, degrees: 20 });
    expect(px(tilted, 0, 16, 16)).toBe(px(src, 0, 16, 16));
    expect(px(tilted, 0, 0, 0)).toBe(0);
  });
});

describe('cifar10-lra task', () => {
  it('has the LRA layout: 1024 tokens of 1', () => {
    const task = createCifar10LraTask(splits);
    expect([task.seqLen, task.input, task.outputTokens, task.classes]).toEqual([1024, { kind: 'vector', dim: 1 }, 1, 10]);
  });

  it('turns RGB into grayscale in [-1, 1], pixels row-major', () => {
    const task = createCifar10LraTask(splits);
    const batch = task.batch(8, 'test', new Rng(4));
    const b = Array.from(batch.y).indexOf(7);
    expect(b).toBeGreaterThanOrEqual(0);
    const x = batch.x.subarray(b * 1024, (b + 1) * 1024);
    // Label-7 record, pixel (0, 0) = (3, 88, 173): 0.2989*3 + 0.587*88 + 0.114*173 = 72.2747.
    expect(x[0]).toBeCloseTo((72.2747 / 255) * 2 - 1, 5);
    expect(x[0]).toBeCloseTo(-0.43314, 5);
    // Pixel (10, 3) = (86, 171, 0): gray 126.0824.
    expect(x[10 * 32 + 3]).toBeCloseTo(-0.011118, 5);
    for (const v of x) expect(v >= -1 && v <= 1).toBe(true);
  });

  it('gives the same batch for the same seed', () => {
    const task = createCifar10LraTask(splits);
    expect(Array.from(task.batch(3, 'train', new Rng(8)).x)).toEqual(Array.from(task.batch(3, 'train', new Rng(8)).x));
  });

  it('augments train batches only on request (off by default, as LRA): crop, flip and rotation of the gray image', () => {
    const plain = createCifar10LraTask(splits);
    const augmented = createCifar10LraTask(splits, { augment: true });
    // Off by default: a train batch is the plain grayscale of its records.
    const a = plain.batch(10, 'train', new Rng(5));
    const b = augmented.batch(10, 'train', new Rng(5));
    // The same stream draws the same epoch order first; the augmented images then differ.
    expect(Array.from(b.y)).toEqual(Array.from(a.y));
    expect(Array.from(b.x)).not.toEqual(Array.from(a.x));
    // Every augmented image is the hand path: the gray image in [0, 1], augmentCifarImage with the drawn
    // parameters (zero fill), back to [-1, 1]. Replay record 0's draw: the epoch shuffle, then its augmentation.
    const replay = new Rng(5);
    for (let k = 9; k > 0; k--) replay.int(0, k);
    const aug = drawCifarAugmentation(replay);
    const gray3 = new Float32Array(3 * 1024);
    for (let p = 0; p < 1024; p++) gray3[p] = gray3[1024 + p] = gray3[2048 + p] = (a.x[p] + 1) / 2;
    const expected = augmentCifarImage(gray3, aug)
      .subarray(0, 1024)
      .map((v) => v * 2 - 1);
    Array.from(b.x.subarray(0, 1024)).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
    // The held-out split is never augmented.
    expect(Array.from(augmented.batch(3, 'test', new Rng(9)).x)).toEqual(Array.from(plain.batch(3, 'test', new Rng(9)).x));
    expect(augmented.heldOut!.count).toBe(3);
  });
});
