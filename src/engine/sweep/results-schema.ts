/**
 * The schema of a sweep's `results.json` (written by `fpt sweep`, src/cli/sweep-files.ts; read by the
 * page's Sweep results panel), and of the index the server lists them in (`/sweeps/index.json`).
 * One schema for writer and reader: a file that does not fit is refused with an InvalidRecordError
 * naming the file and the fields, so one damaged sweep never takes the page down.
 *
 * The writer's own, stricter check is `sweepResultsSchema` in ./cell-file.ts (fpt sweep writes only
 * files whose accuracies were all measured); this reader also accepts the results.json files written
 * before that check existed, which is why it is looser: every file the writer writes passes here
 * (results-schema.test.ts), not the other way round.
 *
 * Measured values (losses, accuracies, their means) are numbers or null: JSON has no NaN, so a value
 * that was NaN (no held-out batches evaluated, or a diverged run) is written as null, and shown as "—".
 */
import { z } from 'zod';
import { taskNameSchema } from '../tasks/registry';
import { parseJsonRecord } from '../records';
import type { PresetName } from './presets';

const count = z.number().int().nonnegative();
/** A measured value; null where it was NaN (JSON.stringify writes NaN and ±Infinity as null). */
const measured = z.number().nullable();

export const sweepTaskSchema = taskNameSchema;

export const sweepSettingsSchema = z.object({
  preset: z.enum(['table2', 'table19', 'depth']) satisfies z.ZodType<PresetName>,
  model: z.string().min(1),
  backend: z.string(),
  steps: count,
  batchSize: count,
  lr: z.number(),
  dropout: z.number(),
  evalEvery: count,
  evalBatches: count,
  lstmLr: z.number().optional(),
  randomInit: z.string().optional(),
  heldOutSample: count.optional(),
});

export const curvePointSchema = z.object({
  step: count,
  train_loss: measured,
  test_acc: measured,
  test_loss: measured,
});

export const cellResultSchema = z.object({
  id: z.string().min(1),
  task: sweepTaskSchema,
  config: z.string().min(1),
  label: z.string(),
  body: z.string(),
  groups: z.array(z.string()),
  seed: count,
  settings: sweepSettingsSchema,
  final: curvePointSchema,
  held_out: z.object({ loss: measured, accuracy: measured, examples: count, step: count, set: z.string() }).optional(),
  curve: z.array(curvePointSchema),
  trainable_params: count,
  total_params: count,
  seconds: z.number().nonnegative(),
  finished_at: z.string(),
});

export const summaryRowSchema = z.object({
  task: sweepTaskSchema,
  config: z.string().min(1),
  label: z.string(),
  /** Mean final test accuracy over seeds, in %; null when a cell's accuracy was not measured. */
  mean: measured,
  std: measured,
  seeds: count,
  steps: count,
  paper: z.number().nullable(),
  accuracies: z.array(measured),
  heldOut: z.object({ mean: measured, examples: count, set: z.string() }).nullable().optional(),
  paperSource: z.string().nullable().optional(),
});

export const sweepResultsSchema = z.object({
  settings: sweepSettingsSchema,
  summary: z.array(summaryRowSchema),
  cells: z.array(cellResultSchema),
});

export type SweepResultsFile = z.infer<typeof sweepResultsSchema>;
export type SweepCellRecord = z.infer<typeof cellResultSchema>;
export type SweepSummaryRecord = z.infer<typeof summaryRowSchema>;

/** `/sweeps/index.json`: the sweeps with a results.json, newest first. */
export const sweepIndexSchema = z.array(
  z.object({
    name: z.string().min(1),
    url: z.string().min(1),
    modified: z.string(),
  }),
);
export type SweepIndexEntry = z.infer<typeof sweepIndexSchema>[number];

/** A results.json's text, checked; throws InvalidRecordError naming `source` (its path or URL). */
export function parseSweepResults(text: string, source: string): SweepResultsFile {
  return parseJsonRecord(sweepResultsSchema, text, source);
}

/**
 * The text of a results.json for `results`, checked as it will be read back (NaN becomes null), so
 * the writer never puts down a file the page refuses. Throws InvalidRecordError naming `source`.
 */
export function serializeSweepResults(results: unknown, source = 'results.json'): string {
  const text = JSON.stringify(results, null, 1) + '\n';
  parseSweepResults(text, source);
  return text;
}
