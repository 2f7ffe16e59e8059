import type { Rng } from '../rng';
import type { Batch } from './task';

/**
 * A batch of examples drawn uniformly, with replacement, from a dataset of `count` records: for each
 * example, one record index is drawn, then `fill` writes its `valuesPerExample` inputs at `offset` of
 * x and returns its label (it may draw more from `rng`, e.g. for augmentation).
 */
export function sampleRecordBatch(
  batchSize: number,
  count: number,
  valuesPerExample: number,
  rng: Rng,
  fill: (record: number, x: Float32Array, offset: number) => number,
): Batch {
  const x = new Float32Array(batchSize * valuesPerExample);
  const y = new Int32Array(batchSize);
  for (let b = 0; b < batchSize; b++) y[b] = fill(rng.int(0, count - 1), x, b * valuesPerExample);
  return { x, y, batchSize };
}
