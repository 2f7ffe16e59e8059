/**
 * The sweep runner: a grid of cells (task × configuration × seed), each one training run, run in a
 * fixed order and written to a store as soon as it finishes, so an interrupted sweep resumes with the
 * missing cells only. Framework-free: the store (files in Node, see src/cli/sweep-files.ts) and the
 * cell runner are injected.
 */
import type { Gpt2Config } from '../../weights/gpt2-checkpoint';
import { runTrainingLoop } from '../train/training-loop';
import { describeBody } from '../backbone';
import type { TaskName } from '../tasks/task';
import type { Task } from '../tasks/task';
import type { TensorMap } from '../tensors';
import type { RandomInit } from '../init';
import { DEFAULT_TRAIN_SETTINGS } from '../train/settings';
import { Trainer, type TrainSettings } from '../train/trainer';
import { FptError } from '../errors';
import { cellIdOf, curveRow, type CellResult, type SweepSettings } from './cell-file';
import { layersFor, LSTM_LR, type SweepConfig } from './presets';

export type { CellResult, SweepSettings };

export interface SweepCell {
  id: string;
  task: TaskName;
  config: SweepConfig;
  seed: number;
}

export interface CellStore {
  /** The finished cell, or null when it has not been written; an FptError naming the file when it is damaged or misplaced. */
  read(id: string): Promise<CellResult | null>;
  /** Writes a finished cell atomically (a crash leaves either no cell or the whole cell). */
  write(result: CellResult): Promise<void>;
  /** Where the cell lives, for messages (a file path). */
  where(id: string): string;
}

export function cellId(task: TaskName, config: SweepConfig, seed: number, steps: number): string {
  return cellIdOf(task, config.id, seed, steps);
}

export function planCells(tasks: readonly TaskName[], configs: readonly SweepConfig[], seeds: readonly number[], steps: number): SweepCell[] {
  return tasks.flatMap((task) => configs.flatMap((config) => seeds.map((seed) => ({ id: cellId(task, config, seed, steps), task, config, seed }))));
}

/**
 * Settings that may differ between the cells of one sweep: the backend (shards on CPU and GPU nodes
 * run the same experiment) and how often the curve is sampled. Every other setting, including any
 * added later, must match.
 */
const FREE_SETTINGS: readonly string[] = ['backend', 'evalEvery'];

/** The settings in which a cell differs from the sweep's, as "lr: 0.001 vs 0.003" (empty when none). */
export function settingsDifferences(cell: SweepSettings, sweep: SweepSettings): string[] {
  const a = cell as unknown as Record<string, unknown>;
  const b = sweep as unknown as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => !FREE_SETTINGS.includes(k));
  return keys.filter((k) => a[k] !== b[k]).map((k) => `${k}: ${String(a[k])} vs ${String(b[k])}`);
}

/** The body as a cell records it: describeBody, plus the layer count where the configuration sets one, and a random body's init scheme. */
export function configBody(config: SweepConfig, task: TaskName, randomInit: RandomInit | undefined): string {
  const layers = layersFor(config, task);
  return (
    describeBody(config.body) + (layers === undefined ? '' : `, ${layers} layers`) + (config.body === 'random' ? `, ${randomInit ?? 'paper'} random init` : '')
  );
}

/**
 * Why a stored cell cannot stand for the planned cell (null when it can): another task, configuration,
 * seed, body or trainable groups than the plan's. Settings are compared separately (settingsDifferences).
 */
export function cellMismatch(result: CellResult, cell: SweepCell, settings: SweepSettings): string | null {
  const { steps } = settings;
  const body = configBody(cell.config, cell.task, settings.randomInit);
  const wrong: string[] = [];
  if (result.id !== cell.id) wrong.push(`id ${result.id}`);
  if (result.task !== cell.task) wrong.push(`task ${result.task}`);
  if (result.config !== cell.config.id) wrong.push(`configuration ${result.config}`);
  if (result.seed !== cell.seed) wrong.push(`seed ${result.seed}`);
  if (result.settings.steps !== steps) wrong.push(`${result.settings.steps} steps`);
  if (result.body !== body) wrong.push(`body "${result.body}" where the configuration now says "${body}"`);
  const groups = [...cell.config.groups].sort().join(',');
  if ([...result.groups].sort().join(',') !== groups)
    wrong.push(`groups ${result.groups.join(',')} where the configuration now trains ${cell.config.groups.join(',')}`);
  return wrong.length === 0 ? null : `holds ${wrong.join(', ')}`;
}

/** The cells of shard `index` of `count` (0-based): every count-th cell of the plan, so shards get similar mixes of tasks and configurations. */
export function shardCells(cells: readonly SweepCell[], shard: { index: number; count: number }): SweepCell[] {
  if (!Number.isInteger(shard.count) || shard.count < 1 || !Number.isInteger(shard.index) || shard.index < 0 || shard.index >= shard.count) {
    throw new FptError(`shard ${shard.index}/${shard.count}: the index must be an integer in 0..count-1`);
  }
  return cells.filter((_, i) => i % shard.count === shard.index);
}

export interface SweepOutcome {
  results: CellResult[];
  ran: string[];
  skipped: string[];
}

/**
 * Runs every cell the store lacks, in plan order, writing each as it finishes. Finished cells are
 * read back, not rerun. Before anything runs, every stored cell is checked: one that is damaged, that
 * holds another cell (another task, configuration, seed, body or groups) or that was made with other
 * settings (model, steps, batch, lr, dropout, eval batches, ...) is an FptError naming its file,
 * never averaged in.
 */
export async function runSweep(
  cells: readonly SweepCell[],
  settings: SweepSettings,
  store: CellStore,
  runCell: (cell: SweepCell) => Promise<CellResult>,
  log: (message: string) => void = () => {},
): Promise<SweepOutcome> {
  const outcome: SweepOutcome = { results: [], ran: [], skipped: [] };
  const todo: SweepCell[] = [];
  const bad: string[] = [];
  for (const cell of cells) {
    let done: CellResult | null;
    try {
      done = await store.read(cell.id);
    } catch (err) {
      if (!(err instanceof FptError)) throw err;
      bad.push(err.message);
      continue;
    }
    if (!done) {
      todo.push(cell);
      continue;
    }
    const mismatch = cellMismatch(done, cell, settings);
    if (mismatch) {
      bad.push(`${store.where(cell.id)}: ${mismatch}, not what cell ${cell.id} of this sweep is; delete it to recompute this cell`);
      continue;
    }
    const differs = settingsDifferences(done.settings, settings);
    if (differs.length > 0) {
      bad.push(`${store.where(cell.id)}: cell ${cell.id} in this output was made with other settings (${differs.join(', ')}); use another --out`);
      continue;
    }
    outcome.results.push(done);
    outcome.skipped.push(cell.id);
  }
  if (bad.length === 1) throw new FptError(bad[0]);
  if (bad.length > 1) throw new FptError(`${bad.length} stored cells cannot be used, nothing was run:\n  ${bad.join('\n  ')}`);
  if (outcome.skipped.length > 0) log(`skipping ${outcome.skipped.length} finished cell(s) of ${cells.length}; ${todo.length} to run`);
  for (const [i, cell] of todo.entries()) {
    log(`[${i + 1}/${todo.length}] ${cell.id}`);
    const result = await runCell(cell);
    await store.write(result);
    outcome.results.push(result);
    outcome.ran.push(cell.id);
    log(`  done: test acc ${(100 * result.final.test_acc).toFixed(2)}% in ${result.seconds.toFixed(1)} s`);
  }
  const order = new Map(cells.map((c, i) => [c.id, i]));
  outcome.results.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  return outcome;
}

/**
 * The first `layers` blocks of a GPT-2 (config and, when given, weights; ln_f and wpe kept). A
 * depth above the checkpoint's only makes sense for a random body, which is drawn from the config.
 */
export function truncateGpt2(config: Gpt2Config, layers: number, tensors?: TensorMap): { config: Gpt2Config; tensors?: TensorMap } {
  const kept = tensors && new Map([...tensors].filter(([name]) => !/^h\.(\d+)\./.test(name) || Number(/^h\.(\d+)\./.exec(name)![1]) < layers));
  return { config: { ...config, nLayer: layers }, tensors: kept };
}

export interface CellContext {
  task: Task;
  config: Gpt2Config;
  pretrained?: TensorMap;
  settings: SweepSettings;
}

/** One cell: a Trainer from the cell's configuration, `steps` steps, evaluations every evalEvery and at the end. */
export async function trainCell(cell: SweepCell, ctx: CellContext): Promise<CellResult> {
  const { settings } = ctx;
  const layers = layersFor(cell.config, cell.task);
  if (layers !== undefined && layers > ctx.config.nLayer && cell.config.body !== 'random') {
    throw new Error(`${cell.id}: a ${String(cell.config.body)} body cannot have ${layers} layers (the model has ${ctx.config.nLayer})`);
  }
  const depth = layers === undefined ? { config: ctx.config, tensors: ctx.pretrained } : truncateGpt2(ctx.config, layers, ctx.pretrained);
  const isLstm = typeof cell.config.body !== 'string';
  const trainSettings: Partial<TrainSettings> = {
    batchSize: settings.batchSize,
    lr: isLstm ? (settings.lstmLr ?? LSTM_LR) : settings.lr,
    randomInit: settings.randomInit ?? DEFAULT_TRAIN_SETTINGS.randomInit,
    heldOutSample: settings.heldOutSample ?? DEFAULT_TRAIN_SETTINGS.heldOutSample,
    seed: cell.seed,
    groups: cell.config.groups,
    dropout: settings.dropout,
    evalBatches: settings.evalBatches,
  };
  const started = performance.now();
  const trainer = new Trainer(ctx.task, depth.config, cell.config.body, trainSettings, depth.tensors);
  try {
    const curve = (await runTrainingLoop(trainer, { steps: settings.steps, evalEvery: settings.evalEvery })).map(curveRow);
    const heldOut = await trainer.evaluateHeldOut();
    const counts = trainer.counts();
    return {
      id: cell.id,
      task: cell.task,
      config: cell.config.id,
      label: cell.config.label,
      body: configBody(cell.config, cell.task, settings.randomInit),
      groups: trainer.model.groups,
      seed: cell.seed,
      settings,
      final: curve[curve.length - 1],
      held_out: heldOut,
      curve,
      trainable_params: counts.filter((c) => c.trainable).reduce((a, c) => a + c.params, 0),
      total_params: counts.reduce((a, c) => a + c.params, 0),
      seconds: (performance.now() - started) / 1000,
      finished_at: new Date().toISOString(),
    };
  } finally {
    trainer.dispose();
  }
}
