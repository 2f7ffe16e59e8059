/**
 * The ranges a training run's numbers may take, shared by the command line's option tables
 * (src/cli/options.ts) and the sweep cell schema (src/engine/sweep/cell-file.ts), so that what the CLI
 * accepts is exactly what a cell file may record. Bounds are generous but finite: each one keeps an
 * allocation or a loop from running away (a billion seeds, a billion-row batch), not a choice of science.
 */
import { z } from 'zod';
import { InputError } from '../errors';

export interface Range {
  min: number;
  max: number;
  /** The bound itself is not allowed (lr > 0, dropout < 1). */
  minExclusive?: boolean;
  maxExclusive?: boolean;
  integer: boolean;
}

const int = (min: number, max: number): Range => ({ min, max, integer: true });

export const LIMITS = {
  /** Optimizer steps per run (the paper's longest runs are 4·10^5). */
  steps: int(1, 10_000_000),
  /** Examples per batch. */
  batchSize: int(1, 1024),
  /** Adam's learning rate. */
  lr: { min: 0, max: 1, minExclusive: true, integer: false },
  /** A seed is 32 bits (src/engine/rng.ts): larger, fractional or negative values would alias others. */
  seed: int(0, 2 ** 32 - 1),
  /** How many seeds a sweep runs per cell (0, 1, 2, …). */
  seedCount: int(1, 1000),
  /** Dropout probability; 1 would drop everything. */
  dropout: { min: 0, max: 1, maxExclusive: true, integer: false },
  evalEvery: int(1, 10_000_000),
  /** Held-out batches averaged per evaluation (the reference uses 25); at least one, or accuracy is 0/0. */
  evalBatches: int(1, 1000),
  lstmWidth: int(1, 4096),
  lstmLayers: int(1, 16),
  /** Examples in the output-only feature cache. */
  dataset: int(1, 65_536),
  speedSteps: int(1, 10_000),
  /** Bit XOR string length: two strings of n bits fill 2n of GPT-2's 1024 positions. */
  bits: int(1, 512),
  /** GPT-2 blocks kept by the depth preset (further bounded by the model's n_layer). */
  layers: int(1, 1024),
  /** Generated tasks: examples in the fixed held-out sample a sweep cell ends on. */
  heldOutSample: int(1, 1_000_000),
  /** Global gradient norm clipping threshold (the paper's is 1); a huge one turns clipping off. */
  maxGradNorm: { min: 0, max: 1e9, minExclusive: true, integer: false },
  /** Training steps between two updates of the page (its speed control). */
  stepsPerUpdate: int(1, 10_000),
} satisfies Record<string, Range>;

/** The range in words, as every message and the help print it: "an integer in 1..1024", "a number > 0 and <= 1". */
export function describeRange(r: Range): string {
  if (r.integer) return `an integer in ${r.min}..${r.max}`;
  return `a number ${r.minExclusive ? '>' : '>='} ${r.min} and ${r.maxExclusive ? '<' : '<='} ${r.max}`;
}

/**
 * `value` when it lies in `range`, else an InputError naming the setting, e.g. "Trainer setting
 * batchSize: must be an integer in 1..1024, not 0". The test is rangeSchema's, so NaN, ±Infinity and
 * non-numbers never pass.
 */
export function checkRange(source: string, value: unknown, r: Range): number {
  if (!rangeSchema(r).safeParse(value).success) throw new InputError(source, `must be ${describeRange(r)}, not ${String(value).slice(0, 40)}`);
  return value as number;
}

/** The zod schema of a range (zod's numbers are finite: NaN and ±Infinity never pass). */
export function rangeSchema(r: Range): z.ZodNumber {
  let s = z.number();
  s = r.minExclusive ? s.gt(r.min) : s.gte(r.min);
  s = r.maxExclusive ? s.lt(r.max) : s.lte(r.max);
  return r.integer ? s.int() : s;
}
