/** Fixtures shared by the sweep tests. */
import type { SweepSettings } from './run';

/** A sweep small enough for a test: Table 19's preset on the tiny model on the CPU, 2 steps of batches of 2, one evaluation batch. */
export const TINY_SWEEP: SweepSettings = {
  preset: 'table19',
  model: 'tiny',
  backend: 'cpu',
  steps: 2,
  batchSize: 2,
  lr: 1e-3,
  dropout: 0.1,
  evalEvery: 2,
  evalBatches: 1,
};
