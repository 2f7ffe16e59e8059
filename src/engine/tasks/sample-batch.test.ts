import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { createEpochSampler, recordSlice } from './sample-batch';

describe('shuffled epochs', () => {
  it('every stream sees each record exactly once per epoch, in an order of its own that its seed fixes', () => {
    const sample = createEpochSampler(10, 1);
    const seen = (rng: Rng, batches: number, size: number) => {
      const out: number[] = [];
      for (let b = 0; b < batches; b++) sample(size, rng, (record, x, offset) => (out.push(record), (x[offset] = record), record));
      return out;
    };
    const a = seen(new Rng(1), 5, 4); // two full epochs (20 records)
    expect([...a.slice(0, 10)].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...a.slice(10, 20)].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(a.slice(0, 10)).not.toEqual(a.slice(10, 20));
    expect(seen(new Rng(1), 5, 4)).toEqual(a);
    expect(seen(new Rng(2), 5, 4)).not.toEqual(a);
    const batch = sample(3, new Rng(7), (r, x, o) => ((x[o] = r), r));
    expect(Array.from(batch.x)).toEqual(Array.from(batch.y));
  });

  it('slices the held-out records in order and refuses ranges outside them', () => {
    const slice = recordSlice(8, 2, 10, 1, (r, x, o) => ((x[o] = r * 10), r));
    expect([Array.from(slice.x), Array.from(slice.y), slice.batchSize]).toEqual([[80, 90], [8, 9], 2]);
    expect(() => recordSlice(9, 2, 10, 1, () => 0)).toThrow(/outside the 10 records/);
    expect(() => createEpochSampler(0, 1)).toThrow(/at least one record/);
  });
});
