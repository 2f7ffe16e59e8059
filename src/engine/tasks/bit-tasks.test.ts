import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { createBitMemoryTask, drawBitMemoryExample } from './bit-memory';
import { createBitXorTask } from './bit-xor';

describe('bit-xor', () => {
  it('has the paper layout: 10 tokens of 1, last 5 tokens → 2 classes', () => {
    const task = createBitXorTask();
    expect([task.seqLen, task.input, task.outputTokens, task.labelsPerToken, task.classes, task.metric]).toEqual([
      10,
      { kind: 'vector', dim: 1 },
      5,
      1,
      2,
      'per-bit accuracy',
    ]);
  });

  it('labels each position with a_i XOR b_i, bits drawn a1..an then b1..bn', () => {
    const n = 5;
    const batch = createBitXorTask({ bits: n }).batch(3, 'train', new Rng(11));
    expect(batch.x).toBeInstanceOf(Float32Array);
    expect(batch.x.length).toBe(3 * 2 * n);
    expect(batch.y.length).toBe(3 * n);
    const replay = new Rng(11);
    for (let b = 0; b < 3; b++) {
      const a = Array.from({ length: n }, () => replay.bit());
      const c = Array.from({ length: n }, () => replay.bit());
      expect(Array.from(batch.x.subarray(b * 2 * n, (b + 1) * 2 * n))).toEqual([...a, ...c]);
      const xor = a.map((v, i) => (v === c[i] ? 0 : 1));
      expect(Array.from(batch.y.subarray(b * n, (b + 1) * n))).toEqual(xor);
    }
  });

  it('renders a hand-made example', () => {
    const task = createBitXorTask({ bits: 3 });
    const batch = { x: new Float32Array([1, 0, 1, 1, 1, 0]), y: new Int32Array([0, 1, 1]), batchSize: 1 };
    expect(task.describe?.(batch, 0)).toBe('101 XOR 110 = 011');
  });

  it('supports longer strings and rejects sizes past 1024 positions', () => {
    const task = createBitXorTask({ bits: 256 });
    expect(task.seqLen).toBe(512);
    const batch = task.batch(2, 'test', new Rng(3));
    for (let b = 0; b < 2; b++) {
      for (let i = 0; i < 256; i++) {
        expect(batch.y[b * 256 + i]).toBe(batch.x[b * 512 + i] !== batch.x[b * 512 + 256 + i] ? 1 : 0);
      }
    }
    expect(() => createBitXorTask({ bits: 513 })).toThrow(/1\.\.512/);
  });
});

describe('bit-memory', () => {
  it('has the paper layout: 120 tokens of 50, last 20 tokens × 50 bits', () => {
    const task = createBitMemoryTask();
    expect([task.seqLen, task.input, task.outputTokens, task.labelsPerToken, task.classes]).toEqual([120, { kind: 'vector', dim: 50 }, 20, 50, 2]);
  });

  it('masks a copy of one string and labels it with that string', () => {
    const task = createBitMemoryTask();
    const batch = task.batch(4, 'train', new Rng(5));
    expect(batch.x.length).toBe(4 * 120 * 50);
    expect(batch.y.length).toBe(4 * 1000);
    for (let b = 0; b < 4; b++) {
      const row = batch.x.subarray(b * 6000, (b + 1) * 6000);
      for (let i = 0; i < 5000; i++) expect(Math.abs(row[i])).toBe(1);
      const query = row.subarray(5000);
      const labels = batch.y.subarray(b * 1000, (b + 1) * 1000);
      const matching = [0, 1, 2, 3, 4].filter((s) => row.subarray(s * 1000, (s + 1) * 1000).every((v, i) => (v > 0 ? 1 : 0) === labels[i]));
      expect(matching.length).toBe(1);
      const chosen = row.subarray(matching[0] * 1000, (matching[0] + 1) * 1000);
      let zeros = 0;
      for (let i = 0; i < 1000; i++) {
        if (query[i] === 0) zeros++;
        else expect(query[i]).toBe(chosen[i]);
      }
      expect(zeros).toBeGreaterThan(440);
      expect(zeros).toBeLessThan(560);
    }
  });

  it('lays tokens out as consecutive chunks of `patch` values, y in string bit order', () => {
    const task = createBitMemoryTask({ numStrings: 2, stringLength: 4, patch: 2 });
    expect([task.seqLen, task.outputTokens, task.labelsPerToken]).toEqual([6, 2, 2]);
    const batch = task.batch(1, 'train', new Rng(9));
    const ex = drawBitMemoryExample(new Rng(9), 2, 4);
    expect(Array.from(batch.x)).toEqual([...ex.strings, ...ex.query]);
    const original = Array.from(ex.strings.subarray(ex.chosen * 4, ex.chosen * 4 + 4));
    expect(Array.from(batch.y)).toEqual(original.map((v) => (v === 1 ? 1 : 0)));
  });

  it('rejects a patch that does not divide the string', () => {
    expect(() => createBitMemoryTask({ stringLength: 1000, patch: 30 })).toThrow(/divide/);
  });
});
