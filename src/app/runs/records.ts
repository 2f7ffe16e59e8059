/**
 * The schemas of what autosave keeps in IndexedDB (autosave.ts): a kept run (RunRecord), the
 * current-run mark, and, from the worker's schemas, a run's settings and snapshot. The storage checks
 * each record against its schema when writing it and again when reading it back, so a record damaged
 * on disk (or written by another version of the page) is set aside, named, instead of crashing a panel.
 */
import { z } from 'zod';
import { runSettingsSchema, snapshotSchema } from '../../worker/settings-schema';
import type { MetricsPoint } from '../../worker/protocol';
import type { RunRecord } from './run-history';

/** A loss: any number, NaN and ±Infinity included (a diverged run's losses are kept as they were). */
const loss = z.custom<number>((v) => typeof v === 'number', 'expected a number');

export const metricsPointSchema = z.object({
  step: z.number().int().nonnegative(),
  trainLoss: loss.optional(),
  gradNorm: z.number().nonnegative().optional(),
  testAccuracy: z.number().min(0).max(1).optional(),
  testLoss: loss.optional(),
}) satisfies z.ZodType<MetricsPoint>;

export const runRecordSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  renamed: z.boolean(),
  settings: runSettingsSchema,
  metric: z.string(),
  points: z.array(metricsPointSchema),
  createdAt: z.number(),
  updatedAt: z.number(),
}) satisfies z.ZodType<RunRecord>;

export const currentRunSchema = z.string().nullable();

export { runSettingsSchema, snapshotSchema };

/** A stored run that does not fit its schema: kept in storage (nothing is lost) until the user discards it. */
export interface RejectedRecord {
  /** Its key in the store. */
  id: string;
  /** What the Runs panel calls it: its name when it has one. */
  label: string;
  /** Why it was set aside. */
  problem: string;
}
