import type { Rng } from '../rng';
import type { Batch } from './task';

/** Writes record `record`'s inputs at `offset` of x and returns its label (it may draw more from `rng`, e.g. for augmentation). */
export type RecordFill = (record: number, x: Float32Array, offset: number) => number;

/**
 * Batches of a dataset of `count` records in shuffled epochs, as a PyTorch DataLoader with
 * shuffle=True gives them (what the paper's code uses for MNIST and CIFAR-10): each stream (each Rng
 * object that asks) walks its own random permutation of all records, drawn from that stream, and
 * draws a new permutation when it has used every record once. So within an epoch every record is
 * seen exactly once, and the sequence stays a pure function of the stream's seed.
 */
export function createEpochSampler(count: number, valuesPerExample: number): (batchSize: number, rng: Rng, fill: RecordFill) => Batch {
  if (!Number.isInteger(count) || count < 1) throw new Error(`a dataset needs at least one record (got ${count})`);
  const streams = new WeakMap<Rng, { order: Uint32Array; next: number }>();
  const shuffle = (rng: Rng, order: Uint32Array) => {
    for (let i = 0; i < order.length; i++) order[i] = i;
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  };
  return (batchSize, rng, fill) => {
    let state = streams.get(rng);
    if (!state) {
      state = { order: new Uint32Array(count), next: count };
      streams.set(rng, state);
    }
    const x = new Float32Array(batchSize * valuesPerExample);
    const y = new Int32Array(batchSize);
    for (let b = 0; b < batchSize; b++) {
      if (state.next === count) {
        shuffle(rng, state.order);
        state.next = 0;
      }
      y[b] = fill(state.order[state.next++], x, b * valuesPerExample);
    }
    return { x, y, batchSize };
  };
}

/** Records start .. start + size - 1 in order (the whole held-out set, one slice at a time). */
export function recordSlice(start: number, size: number, count: number, valuesPerExample: number, fill: RecordFill): Batch {
  if (!Number.isInteger(start) || !Number.isInteger(size) || start < 0 || size < 1 || start + size > count) {
    throw new Error(`records ${start}..${start + size - 1} lie outside the ${count} records`);
  }
  const x = new Float32Array(size * valuesPerExample);
  const y = new Int32Array(size);
  for (let b = 0; b < size; b++) y[b] = fill(start + b, x, b * valuesPerExample);
  return { x, y, batchSize: size };
}
