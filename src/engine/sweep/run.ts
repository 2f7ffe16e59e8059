/**
 * The sweep runner: a grid of cells (task × configuration × seed), each one training run, run in a
 * fixed order and written to a store as soon as it finishes, so an interrupted sweep resumes with the
 * missing cells only. Framework-free: the store (files in Node, see src/cli/sweep-files.ts) and the
 * cell runner are injected.
 */
import type { Gpt2Config } from '../../weights/gpt2-checkpoint';
import { runTrainingLoop, type CurvePoint } from '../train/training-loop';
import { describeBody } from '../backbone';
import type { TaskName } from '../tasks/task';
import type { Task } from '../tasks/task';
import type { TensorMap } from '../tensors';
import type { RandomInit } from '../init';
import { Trainer, type HeldOutEvaluation, type TrainSettings } from '../train/trainer';
import { layersFor, LSTM_LR, type PresetName, type SweepConfig } from './presets';

/** Settings shared by every cell of a sweep; a store holding cells made with other settings is refused. */
export interface SweepSettings {
  preset: PresetName;
  model: string;
  backend: string;
  steps: number;
  batchSize: number;
  lr: number;
  dropout: number;
  evalEvery: number;
  evalBatches: number;
  /** Learning rate of LSTM cells (the paper's 3e-4, App. C, unless told otherwise); `lr` is the transformers'. */
  lstmLr?: number;
  /** How random GPT-2 bodies are drawn (init.ts); absent means the paper's N(0, 0.02) everywhere. */
  randomInit?: RandomInit;
  /** Generated tasks: examples of the fixed held-out sample each cell ends on (default 2,000). */
  heldOutSample?: number;
}

export type { CurvePoint };

export interface SweepCell {
  id: string;
  task: TaskName;
  config: SweepConfig;
  seed: number;
}


export interface CellResult {
  id: string;
  task: TaskName;
  config: string;
  label: string;
  body: string;
  groups: string[];
  seed: number;
  settings: SweepSettings;
  final: CurvePoint;
  /** The paper's evaluation after the last step: the whole held-out split, or a fixed large sample for generated tasks. */
  held_out?: HeldOutEvaluation;
  curve: CurvePoint[];
  trainable_params: number;
  total_params: number;
  seconds: number;
  finished_at: string;
}

export interface CellStore {
  /** The finished cell, or null when it has not been written. */
  read(id: string): Promise<CellResult | null>;
  /** Writes a finished cell atomically (a crash leaves either no cell or the whole cell). */
  write(result: CellResult): Promise<void>;
}

export function cellId(task: TaskName, config: SweepConfig, seed: number, steps: number): string {
  return `${task}__${config.id}__seed${seed}__${steps}steps`;
}

export function planCells(tasks: readonly TaskName[], configs: readonly SweepConfig[], seeds: readonly number[], steps: number): SweepCell[] {
  return tasks.flatMap((task) => configs.flatMap((config) => seeds.map((seed) => ({ id: cellId(task, config, seed, steps), task, config, seed }))));
}

const SETTINGS_KEYS: (keyof SweepSettings)[] = ['preset', 'model', 'steps', 'batchSize', 'lr', 'dropout', 'evalBatches', 'lstmLr', 'randomInit', 'heldOutSample'];

export interface SweepOutcome {
  results: CellResult[];
  ran: string[];
  skipped: string[];
}

/**
 * Runs every cell the store lacks, in plan order, writing each as it finishes. Finished cells are
 * read back, not rerun; one made with different settings (model, steps, batch, lr, dropout, eval
 * batches) is an error rather than silently mixed in.
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
  for (const cell of cells) {
    const done = await store.read(cell.id);
    if (!done) {
      todo.push(cell);
      continue;
    }
    const differs = SETTINGS_KEYS.filter((k) => done.settings[k] !== settings[k]);
    if (differs.length > 0) {
      throw new Error(`cell ${cell.id} in this output was made with other settings (${differs.map((k) => `${k}: ${done.settings[k]} vs ${settings[k]}`).join(', ')}); use another --out`);
    }
    outcome.results.push(done);
    outcome.skipped.push(cell.id);
  }
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
    randomInit: settings.randomInit ?? 'paper',
    heldOutSample: settings.heldOutSample ?? 2000,
    seed: cell.seed,
    groups: cell.config.groups,
    dropout: settings.dropout,
    evalBatches: settings.evalBatches,
  };
  const started = performance.now();
  const trainer = new Trainer(ctx.task, depth.config, cell.config.body, trainSettings, depth.tensors);
  try {
    const curve = await runTrainingLoop(trainer, { steps: settings.steps, evalEvery: settings.evalEvery });
    const heldOut = await trainer.evaluateHeldOut();
    const counts = trainer.counts();
    return {
      id: cell.id,
      task: cell.task,
      config: cell.config.id,
      label: cell.config.label,
      body: describeBody(cell.config.body) + (layers === undefined ? '' : `, ${layers} layers`) + (cell.config.body === 'random' ? `, ${settings.randomInit ?? 'paper'} random init` : ''),
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
