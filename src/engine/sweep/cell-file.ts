/**
 * The sweep cell file, one schema shared by its writer and its readers, and results.json's schema.
 *
 * A cell file is `cells/<id>.json`:
 *
 *   {"format":"fpt-sweep-cell","version":1,"sha256":"<hex>","cell":{ id, task, config, seed, settings, final, curve, ... }}
 *
 * - `cell` carries its own identity: task, configuration id, seed and the sweep settings (steps among
 *   them); its `id` is `cellIdOf(task, config, seed, steps)`. The reader checks that against the file's
 *   name here, and runSweep checks it against the planned cell (run.ts, `cellMismatch`), so a cell copied
 *   under another cell's name is refused, never averaged into the wrong row.
 * - `sha256` is SHA-256 of `JSON.stringify(cell)`. JSON round-trips plain data exactly (every double
 *   prints back to itself), so re-serialising the parsed `cell` reproduces the writer's string: a file
 *   that loads at all loads exactly the data that was written, and any edit, bit flip or truncation is
 *   refused with a message naming the file.
 * - Non-finite losses (a diverged run) are written as null, as JSON.stringify does, and read back as NaN.
 *
 * - Cells written before version 1 (the bare cell object, no sha256) are still read, with every check
 *   but the sha256 (a cell whose settings or body differ from the sweep's, e.g. made before the paper-fidelity settings existed, is then refused as made with other settings).
 *
 * Every failure is an FptError whose message starts with the file (`where`); never a raw SyntaxError.
 */
import { z } from 'zod';
import { FptError } from '../errors';
import { ALL_GROUPS, type GroupName } from '../groups';
import { RANDOM_INITS, type RandomInit } from '../init';
import { taskNameSchema } from '../tasks/registry';
import { LIMITS, rangeSchema } from '../train/limits';
import type { EvaluatedPoint } from '../train/metrics';
import { PRESET_NAMES, type PresetName } from './presets';

export const CELL_FILE_FORMAT = 'fpt-sweep-cell';
export const CELL_FILE_VERSION = 1;
/** No cell file is larger (a 100,000-point curve is about 10 MB); a reader refuses larger files before reading them. */
export const MAX_CELL_FILE_BYTES = 32 * 1024 * 1024;

/** A cell's id and file name: `<task>__<configuration>__seed<seed>__<steps>steps`. */
export function cellIdOf(task: string, configId: string, seed: number, steps: number): string {
  return `${task}__${configId}__seed${seed}__${steps}steps`;
}

const taskSchema = taskNameSchema;
const text = z.string().min(1).max(10_000);

/** Settings shared by every cell of a sweep; cells made with other settings are refused (run.ts). */
export const sweepSettingsSchema = z.object({
  preset: z.enum(PRESET_NAMES as [PresetName, ...PresetName[]]),
  model: text,
  backend: text,
  steps: rangeSchema(LIMITS.steps),
  batchSize: rangeSchema(LIMITS.batchSize),
  lr: rangeSchema(LIMITS.lr),
  dropout: rangeSchema(LIMITS.dropout),
  evalEvery: rangeSchema(LIMITS.evalEvery),
  evalBatches: rangeSchema(LIMITS.evalBatches),
  /** Learning rate of LSTM cells (the paper's 3e-4, App. C, unless told otherwise); `lr` is the transformers'. */
  lstmLr: rangeSchema(LIMITS.lr).optional(),
  /** How random GPT-2 bodies are drawn (init.ts); absent means the paper's N(0, 0.02) everywhere. */
  randomInit: z.enum(RANDOM_INITS as [RandomInit, ...RandomInit[]]).optional(),
  /** Generated tasks: examples of the fixed held-out sample each cell ends on (default 2,000). */
  heldOutSample: z.number().int().min(1).max(1_000_000).optional(),
});
export type SweepSettings = z.output<typeof sweepSettingsSchema>;

/** A loss: finite, or null for a diverged run's NaN/Infinity (as JSON writes them), read back as NaN. */
const loss = z
  .number()
  .nullable()
  .transform((v) => v ?? NaN);

export const curvePointSchema = z.object({
  step: z.number().int().min(1),
  train_loss: loss,
  test_acc: z.number().min(0).max(1),
  test_loss: loss,
});

/** A curve point as cell files write it (since before version 1): the engine's evaluated point, snake_case. */
export type CurveRow = z.output<typeof curvePointSchema>;
export const curveRow = (p: EvaluatedPoint): CurveRow => ({ step: p.step, train_loss: p.trainLoss, test_acc: p.testAccuracy, test_loss: p.testLoss });

const heldOutSchema = z.object({
  loss: loss,
  accuracy: z.number().min(0).max(1),
  examples: z.number().int().min(1),
  step: z.number().int().min(0),
  set: z.enum(['test split', 'fixed sample']),
});

const samePoint = (a: CurveRow, b: CurveRow) =>
  a.step === b.step && Object.is(a.train_loss, b.train_loss) && a.test_acc === b.test_acc && Object.is(a.test_loss, b.test_loss);

export const cellResultSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9._-]{1,200}$/, 'a cell id of letters, digits, ".", "_" and "-"'),
    task: taskSchema,
    config: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'a configuration id of letters, digits, ".", "_" and "-"'),
    label: text,
    body: text,
    groups: z
      .array(z.enum(ALL_GROUPS as [GroupName, ...GroupName[]]))
      .min(1)
      .max(ALL_GROUPS.length),
    seed: rangeSchema(LIMITS.seed),
    settings: sweepSettingsSchema,
    final: curvePointSchema,
    /** The paper's evaluation after the last step: the whole held-out split, or a fixed sample for generated tasks. */
    held_out: heldOutSchema.optional(),
    curve: z.array(curvePointSchema).min(1).max(100_000),
    trainable_params: z.number().int().min(0),
    total_params: z.number().int().min(1),
    seconds: z.number().min(0),
    finished_at: z.iso.datetime(),
  })
  .superRefine((c, ctx) => {
    const problem = (message: string, path: (string | number)[]) => ctx.addIssue({ code: 'custom', message, path });
    if (c.id !== cellIdOf(c.task, c.config, c.seed, c.settings.steps))
      problem(`is not ${cellIdOf(c.task, c.config, c.seed, c.settings.steps)}, the id of its own task, configuration, seed and steps`, ['id']);
    for (let i = 1; i < c.curve.length; i++) if (c.curve[i].step <= c.curve[i - 1].step) problem('steps must increase', ['curve', i, 'step']);
    const last = c.curve[c.curve.length - 1];
    if (last.step !== c.settings.steps) problem(`the last evaluation is at step ${last.step}, not at the sweep's ${c.settings.steps} steps`, ['curve']);
    if (!samePoint(c.final, last)) problem('is not the last point of the curve', ['final']);
    if (c.trainable_params > c.total_params) problem('exceeds total_params', ['trainable_params']);
  });
export type CellResult = z.output<typeof cellResultSchema>;

const cellFileSchema = z.object({
  format: z.literal(CELL_FILE_FORMAT),
  version: z.literal(CELL_FILE_VERSION),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  cell: z.unknown(),
});

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** zod's issues as one line: "settings.lr: Too small: expected number to be >0; curve: ...". */
export function describeIssues(error: z.ZodError, max = 4): string {
  const lines = error.issues.slice(0, max).map((i) => `${i.path.length > 0 ? i.path.join('.') : '(file)'}: ${i.message}`);
  if (error.issues.length > max) lines.push(`and ${error.issues.length - max} more`);
  return lines.join('; ');
}

/** The file's text for a finished cell; a result the reader would refuse is refused here instead. */
export async function encodeCellFile(result: CellResult, where: string): Promise<string> {
  const body = JSON.stringify(result);
  const check = cellResultSchema.safeParse(JSON.parse(body));
  if (!check.success) throw new FptError(`${where}: refusing to write an invalid sweep cell (${describeIssues(check.error)})`);
  return `{"format":"${CELL_FILE_FORMAT}","version":${CELL_FILE_VERSION},"sha256":"${await sha256Hex(body)}","cell":${body}}\n`;
}

/**
 * The cell in a file's text, exactly as written, or an FptError naming `where`. With `expectedId`
 * (the id its file name gives), a cell holding another id is refused: it was copied or renamed.
 */
export async function decodeCellFile(text: string, where: string, expectedId?: string): Promise<CellResult> {
  if (text.length > MAX_CELL_FILE_BYTES)
    throw new FptError(`${where}: ${text.length} characters, more than any sweep cell file (${MAX_CELL_FILE_BYTES} bytes); not a cell`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new FptError(`${where}: not a complete JSON file, so it is truncated or damaged (${(err as Error).message}); delete it to recompute this cell`);
  }
  // Written before version 1 (bare cell, no sha256): decoded and checked like any cell (run.ts then compares its settings).
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw) && !('format' in raw) && 'id' in raw && 'curve' in raw) {
    return checkedCell(raw, where, expectedId);
  }
  const file = cellFileSchema.safeParse(raw);
  if (!file.success) {
    throw new FptError(
      `${where}: not a sweep cell file (format "${CELL_FILE_FORMAT}", version ${CELL_FILE_VERSION}): ${describeIssues(file.error)}; delete it to recompute this cell`,
    );
  }
  const cell = checkedCell(file.data.cell, where, expectedId);
  if ((await sha256Hex(JSON.stringify(file.data.cell))) !== file.data.sha256) {
    throw new FptError(`${where}: the cell does not match its sha256, so it was edited or damaged; delete it to recompute this cell`);
  }
  return cell;
}

function checkedCell(raw: unknown, where: string, expectedId: string | undefined): CellResult {
  const cell = cellResultSchema.safeParse(raw);
  if (!cell.success) throw new FptError(`${where}: invalid sweep cell: ${describeIssues(cell.error)}; delete it to recompute this cell`);
  if (expectedId !== undefined && cell.data.id !== expectedId) {
    throw new FptError(`${where}: holds cell ${cell.data.id}, not ${expectedId} (copied or renamed?); move it back or delete it`);
  }
  return cell.data;
}

/** results.json: the settings, the table's rows and every cell. Written only when it passes. */
export const summaryRowSchema = z.object({
  task: taskSchema,
  config: z.string().min(1),
  label: text,
  mean: z.number().min(0).max(100),
  std: z.number().min(0),
  seeds: z.number().int().min(1),
  steps: rangeSchema(LIMITS.steps),
  paper: z.number().nullable(),
  accuracies: z.array(z.number().min(0).max(100)).min(1),
  heldOut: z
    .object({ mean: z.number().min(0).max(100), examples: z.number().int().min(1), set: z.string() })
    .nullable()
    .optional(),
  paperSource: z.string().nullable().optional(),
});

export const sweepResultsSchema = z.object({
  settings: sweepSettingsSchema,
  summary: z.array(summaryRowSchema),
  cells: z.array(cellResultSchema),
});
export type SweepResults = z.output<typeof sweepResultsSchema>;
