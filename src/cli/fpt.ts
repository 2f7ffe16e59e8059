/**
 * The headless FPT command line: `fpt train`, `fpt sweep` and `fpt parity` (see README). Runs the same engine as
 * the browser, on TF.js's `cpu` backend or on `webgpu` through Dawn (npm package `webgpu`). Each command is
 * one option table (src/cli/options.ts): flags, ranges, defaults and help in one place; `fpt <command> --help`.
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { tf } from '../engine/tf';
import { startBackend, type BackendName } from '../engine/backend';
import { BACKBONE_INITS, describeBody, type BodySpec } from '../engine/backbone';
import { ALL_GROUPS, parseGroups, type GroupName } from '../engine/groups';
import { runParity, type GoldenFile } from '../engine/parity';
import { createTask, taskDefinition, taskNames, type Task, type TaskName, type TaskOptions } from '../engine/tasks';
import { nodeTaskData } from '../engine/tasks/node-data';
import { CachedHeadTrainer, measureUncachedEpoch } from '../engine/train/feature-cache';
import { runTrainingLoop } from '../engine/train/training-loop';
import { DEFAULT_RUN_LENGTH, DEFAULT_TASK, DEFAULT_TRAIN_SETTINGS, type TrainSettings } from '../engine/train/settings';
import { Trainer } from '../engine/train/trainer';
import { LIMITS } from '../engine/train/limits';
import { PAPER_LSTM } from '../engine/lstm';
import { droppedDepths, LSTM_LR, PRESET_NAMES, presetConfigs } from '../engine/sweep/presets';
import { RANDOM_INITS } from '../engine/init';
import { planCells, shardCells, trainCell, type SweepSettings } from '../engine/sweep/run';
import { curveRow } from '../engine/sweep/cell-file';
import { resolveModel } from './models';
import { initLabel } from '../weights/embedded-models';
import { mergeSweepDirs, sweepToDir } from './sweep-files';
import { choice, commandHelp, custom, defineCommand, flag, list, number, parseCommand, text, UsageError, type Command, type OptionValues } from './options';
import { FptError } from '../engine/errors';

const BACKENDS = ['cpu', 'wasm', 'webgpu'] as const;
type CliBackend = (typeof BACKENDS)[number];

async function useBackend(name: CliBackend): Promise<string> {
  if (name === 'webgpu') (await import('../engine/node-webgpu')).installNodeWebGpu();
  tf.enableProdMode(); // also silences TF.js's "install tfjs-node" banner
  const info = await startBackend([name as BackendName], true);
  return info.adapter ? `${info.name} (${info.adapter})` : info.name;
}

/**
 * Options that train and sweep share (a new training command spreads them too). Training defaults
 * come from the engine's DEFAULT_TRAIN_SETTINGS, DEFAULT_RUN_LENGTH and PAPER_LSTM, tasks from the
 * task registry, ranges from LIMITS: one source each.
 */
export const TRAINING_OPTIONS = {
  model: text({
    placeholder: 'DIR|tiny|mini|gpt2',
    default: 'tiny',
    help: 'checkpoint directory, tiny (the committed random test model, 2 layers, 64 wide: its own weights are random), mini (models/mini-brown-gpt2, pretrained on English here, 4 layers, 128 wide) or gpt2 / gpt2-medium / gpt2-large',
  }),
  steps: number(LIMITS.steps, { default: DEFAULT_RUN_LENGTH.steps, help: 'training steps' }),
  batch: number(LIMITS.batchSize, { default: DEFAULT_TRAIN_SETTINGS.batchSize, help: 'examples per batch' }),
  lr: number(LIMITS.lr, { default: DEFAULT_TRAIN_SETTINGS.lr, help: "Adam's learning rate" }),
  dropout: number(LIMITS.dropout, { placeholder: 'P', default: DEFAULT_TRAIN_SETTINGS.dropout, help: 'dropout probability' }),
  'eval-every': number(LIMITS.evalEvery, { default: DEFAULT_RUN_LENGTH.evalEvery, help: 'evaluate every N steps (and after the last)' }),
  'eval-batches': number(LIMITS.evalBatches, { default: DEFAULT_TRAIN_SETTINGS.evalBatches, help: 'held-out batches per evaluation' }),
  'random-init': choice(RANDOM_INITS, {
    default: DEFAULT_TRAIN_SETTINGS.randomInit,
    help: "how random GPT-2 bodies are drawn: the paper's N(0, 0.02) for every weight, or Hugging Face's with c_proj scaled by 1/sqrt(2 n_layer)",
  }),
  bits: number(LIMITS.bits, { help: `bits per string, for ${bitsTasksHelp()}` }),
  'cifar-dir': text({ placeholder: 'DIR', help: 'CIFAR-10 binary files (default data/cifar-10-batches-bin)' }),
  backend: choice(BACKENDS, { default: 'cpu', help: 'TF.js backend (webgpu: through Dawn; SwiftShader without a GPU)' }),
  json: flag('machine-readable output: one JSON object per line'),
};

/** "Bit XOR (default 5)": the built-in tasks that take --bits, with their defaults. */
function bitsTasksHelp(): string {
  return taskNames()
    .map(taskDefinition)
    .filter((t) => t.bits)
    .map((t) => `${t.label} (default ${t.bits!.default})`)
    .join(', ');
}

type TrainingValues = OptionValues<typeof TRAINING_OPTIONS>;

/** The task options both commands pass: --bits and the Node data loaders. */
function taskOptions(values: Pick<TrainingValues, 'bits' | 'cifar-dir'>): TaskOptions {
  return { bits: values.bits, data: nodeTaskData({ cifarDir: values['cifar-dir'] }) };
}

/** The trainer settings the shared options set (train and sweep add seed, groups and their lr rule). */
function sharedTrainSettings(
  values: Pick<TrainingValues, 'batch' | 'random-init' | 'dropout' | 'eval-batches'>,
): Pick<TrainSettings, 'batchSize' | 'randomInit' | 'dropout' | 'evalBatches'> {
  return { batchSize: values.batch, randomInit: values['random-init'], dropout: values.dropout, evalBatches: values['eval-batches'] };
}

function trainableGroups(raw: string): GroupName[] {
  const groups = parseGroups(raw);
  if (groups.length === 0) throw new Error('name at least one group');
  return groups;
}

const TRAIN_OPTIONS = {
  task: choice(taskNames, { default: DEFAULT_TASK, help: 'the task' }),
  ...TRAINING_OPTIONS,
  lr: number(LIMITS.lr, { help: `Adam's learning rate (default ${DEFAULT_TRAIN_SETTINGS.lr}; ${LSTM_LR} with --init lstm, the paper's LSTM rate, App. C)` }),
  init: choice([...BACKBONE_INITS, 'lstm'], { default: 'pretrained', help: 'the body: GPT-2 pretrained / random / statistics-only, or the LSTM baseline' }),
  'lstm-width': number(LIMITS.lstmWidth, { default: PAPER_LSTM.width, help: 'LSTM width (with --init lstm)' }),
  'lstm-layers': number(LIMITS.lstmLayers, { default: PAPER_LSTM.layers, help: 'LSTM layers (with --init lstm)' }),
  groups: custom({
    placeholder: 'LIST',
    allowed: `a comma-separated list of ${ALL_GROUPS.join(', ')} or all`,
    default: DEFAULT_TRAIN_SETTINGS.groups.join(','),
    parse: trainableGroups,
    help: 'trainable parameter groups',
  }),
  seed: number(LIMITS.seed, { default: DEFAULT_TRAIN_SETTINGS.seed, help: 'the seed of every random draw' }),
  composite: flag('the GPT-2 body on TF.js ops, not the fused kernels (which webgpu uses by default)'),
  'cache-features': flag('output-only training on cached features (needs --groups output)'),
  dataset: custom({
    placeholder: 'N|all',
    allowed: `an integer in ${LIMITS.dataset.min}..${LIMITS.dataset.max}, or all`,
    default: '1024',
    parse: (raw): number | 'all' => (raw.trim() === 'all' ? 'all' : number(LIMITS.dataset, { help: '' }).parse(raw)!),
    help: 'with --cache-features: examples in the cache (all: every training example once, as the paper)',
  }),
  'speed-steps': number(LIMITS.speedSteps, { default: 10, help: 'with --cache-features: uncached steps timed for the comparison' }),
};

type TrainValues = OptionValues<typeof TRAIN_OPTIONS>;

const trainCommand = defineCommand({
  name: 'train',
  summary: 'train one model; one line per evaluation, then the final figures',
  options: TRAIN_OPTIONS,
  run: train,
});

/** One line of output: JSON with --json, else the text. */
type Log = (line: object, text: string) => void;

/** fpt train: check the flags, build the trainer, (optionally) the feature cache, train, report. */
async function train(values: TrainValues): Promise<number> {
  checkTrainFlags(values);
  const backend = await useBackend(values.backend);
  const run = await buildTrainRun(values);
  const log: Log = (line, text) => console.log(values.json ? JSON.stringify(line) : text);
  if (!values.json) printRunHeader(run, backend);
  const cache = values['cache-features'] ? await startFeatureCache(run.trainer, values, log) : null;
  const started = performance.now();
  const curve = await runTrainingLoop(run.trainer, {
    steps: values.steps,
    evalEvery: values['eval-every'],
    step: cache ? () => cache.cached.step() : undefined,
    onEvaluation: (p) =>
      log(curveRow(p), `step ${p.step}  train loss ${p.trainLoss.toFixed(4)}  test ${run.task.metric} ${(100 * p.testAccuracy).toFixed(2)}%`),
  });
  const seconds = (performance.now() - started) / 1000;
  const speed = cache ? finishFeatureCache(cache, log) : null;
  const last = curve.length ? curveRow(curve[curve.length - 1]) : { step: 0, train_loss: NaN, test_acc: NaN, test_loss: NaN };
  const final = { ...last, ...runSummary(run, backend), seconds, ...(speed ? { feature_cache: speed } : {}) };
  log({ final }, `done in ${seconds.toFixed(1)} s`);
  cache?.cached.dispose();
  run.trainer.dispose();
  return 0;
}

function checkTrainFlags(values: TrainValues): void {
  if (values['cache-features'] && (values.groups.length !== 1 || values.groups[0] !== 'output')) {
    throw new UsageError(`--cache-features needs --groups output (the output head alone trains on cached features), not --groups ${values.groups.join(',')}`);
  }
}

interface TrainRun {
  task: Task;
  body: BodySpec;
  /** The model's label: the checkpoint's, or the LSTM's description. */
  modelLabel: string;
  /** How the body's weights are described: an embedded model's own words for its pretrained weights (random test weights are never "pretrained"). */
  initText: string;
  trainer: Trainer;
}

async function buildTrainRun(values: TrainValues): Promise<TrainRun> {
  const isLstm = values.init === 'lstm';
  const model = await resolveModel(values.model, !isLstm && values.init !== 'random');
  const body: BodySpec = values.init === 'lstm' ? { kind: 'lstm', width: values['lstm-width'], layers: values['lstm-layers'] } : values.init;
  const task = await createTask(values.task, taskOptions(values));
  const trainer = new Trainer(
    task,
    model.config,
    body,
    {
      ...sharedTrainSettings(values),
      // The paper's learning rates (App. C): 1e-3 for transformers, 3e-4 for LSTMs, unless --lr is given.
      lr: values.lr ?? (isLstm ? LSTM_LR : DEFAULT_TRAIN_SETTINGS.lr),
      seed: values.seed,
      groups: values.groups,
      fused: values.composite ? false : 'auto',
    },
    model.checkpoint?.tensors,
  );
  const initText = model.embedded && body === 'pretrained' ? initLabel(model.embedded.dir, body) : describeBody(body);
  return { task, body, modelLabel: isLstm ? describeBody(body) : model.label, initText, trainer };
}

/** Trainable and total parameters of the run's model. */
function parameterCounts(trainer: Trainer): { trainable: number; total: number } {
  const counts = trainer.counts();
  return { trainable: counts.filter((c) => c.trainable).reduce((a, c) => a + c.params, 0), total: counts.reduce((a, c) => a + c.params, 0) };
}

function printRunHeader({ task, body, modelLabel, initText, trainer }: TrainRun, backend: string): void {
  const { trainable, total } = parameterCounts(trainer);
  const engine = trainer.model.fused ? ', fused kernels' : ', TF.js ops';
  const scheme = body === 'random' ? ` (${trainer.settings.randomInit} scheme)` : '';
  console.log(`task ${task.name}, model ${modelLabel}, init ${initText}${scheme}, lr ${trainer.settings.lr}, backend ${backend}${engine}`);
  console.log(`trainable ${trainable} of ${total} parameters (${((100 * trainable) / total).toFixed(3)}%): ${trainer.model.groups.join(', ')}`);
}

/** The final line's description of the run (besides the last evaluation and the time). */
function runSummary({ task, body, modelLabel, trainer }: TrainRun, backend: string) {
  const { trainable, total } = parameterCounts(trainer);
  return {
    task: task.name,
    model: modelLabel,
    init: describeBody(body),
    ...(body === 'random' ? { random_init: trainer.settings.randomInit } : {}),
    lr: trainer.settings.lr,
    backend,
    groups: trainer.model.groups,
    trainable_params: trainable,
    total_params: total,
  };
}

interface CacheFigures {
  dataset: number;
  steps_per_epoch: number;
  cache_build_s: number;
  uncached_epoch_s: number;
  uncached_measured_steps: number;
}

interface FeatureCacheRun {
  cached: CachedHeadTrainer;
  speed: CacheFigures;
}

/** Output-only on cached features (paper 3.9): builds the cache and measures an uncached epoch to compare. */
async function startFeatureCache(trainer: Trainer, values: TrainValues, log: Log): Promise<FeatureCacheRun> {
  const cached = new CachedHeadTrainer(trainer, values.dataset);
  const cache = await cached.build();
  const uncached = await measureUncachedEpoch(trainer, cached.data, values['speed-steps']);
  const speed: CacheFigures = {
    dataset: cached.datasetSize,
    steps_per_epoch: cached.stepsPerEpoch,
    cache_build_s: cache.buildSeconds,
    uncached_epoch_s: uncached.secondsPerEpoch,
    uncached_measured_steps: uncached.steps,
  };
  log(
    { cache: speed },
    `cached features of ${cached.datasetSize} examples in ${cache.buildSeconds.toFixed(2)} s; uncached epoch (${cached.stepsPerEpoch} steps, from ${uncached.steps} measured) ${uncached.secondsPerEpoch.toFixed(2)} s`,
  );
  return { cached, speed };
}

/** The cached run's per-epoch time beside the uncached one. */
function finishFeatureCache({ cached, speed: built }: FeatureCacheRun, log: Log): Record<string, number> {
  const cachedEpoch = cached.secondsPerEpoch!;
  const speed = {
    ...built,
    cached_epoch_s: cachedEpoch,
    epochs: cached.stepCount / cached.stepsPerEpoch,
    speedup_per_epoch: built.uncached_epoch_s / cachedEpoch,
  };
  log(
    { cache: speed },
    `per epoch: uncached ${speed.uncached_epoch_s.toFixed(3)} s, cached ${cachedEpoch.toFixed(4)} s: ${speed.speedup_per_epoch.toFixed(1)}× faster (cache built once in ${speed.cache_build_s.toFixed(2)} s)`,
  );
  return speed;
}

const SHARD = /^(\d+)\/(\d+)$/;
const MAX_SHARDS = 100_000;

const SWEEP_OPTIONS = {
  preset: choice(PRESET_NAMES, { help: 'the grid (required)' }),
  tasks: list(choice(taskNames, { help: '' }), { placeholder: 'LIST', default: DEFAULT_TASK, help: 'tasks' }),
  seeds: number(LIMITS.seedCount, { placeholder: 'K', default: 3, help: 'seeds 0..K-1 per cell' }),
  ...TRAINING_OPTIONS,
  out: text({ placeholder: 'DIR', help: 'output directory (default sweeps/<preset>-<model>)' }),
  'lstm-width': number(LIMITS.lstmWidth, { help: "table2's LSTM width (default: the model's width)" }),
  'lstm-lr': number(LIMITS.lr, { default: LSTM_LR, help: "table2's LSTM learning rate (the paper's, App. C); --lr is the transformers'" }),
  'held-out': number(LIMITS.heldOutSample, {
    default: DEFAULT_TRAIN_SETTINGS.heldOutSample,
    help: 'generated tasks: examples of the fixed held-out sample every cell ends on (datasets use their whole test split)',
  }),
  inits: list(choice(['pretrained', 'random'], { help: '' }), { placeholder: 'LIST', default: 'pretrained', help: "table19's GPT-2 bodies" }),
  layers: list(number(LIMITS.layers, { help: '' }), { placeholder: 'LIST', help: "depth's layer counts (default 1, 2, 4, ... n_layer)" }),
  shard: custom({
    placeholder: 'K/N',
    allowed: `K/N with integers 0 <= K < N <= ${MAX_SHARDS}`,
    parse: (raw) => {
      const m = SHARD.exec(raw.trim());
      const shard = m ? { index: Number(m[1]), count: Number(m[2]) } : null;
      if (!shard || shard.count < 1 || shard.count > MAX_SHARDS || shard.index >= shard.count) throw new Error('K counts from 0, as array jobs do');
      return shard;
    },
    help: 'run only shard K of N: every N-th cell of the grid, from the K-th (array jobs: one shard per task)',
  }),
  merge: flag("join the cells of the shard directories given after the options into --out, then write the table (the grid flags must be the shards')"),
};

const sweepCommand = defineCommand({
  name: 'sweep',
  summary: 'train a grid of tasks × configurations × seeds into DIR/cells, then DIR/results.json and results.md; resumes where it stopped',
  options: SWEEP_OPTIONS,
  positionals: { placeholder: 'DIR...', help: 'with --merge: the shard directories to join' },
  run: sweep,
});

async function sweep(values: OptionValues<typeof SWEEP_OPTIONS>, dirs: string[]): Promise<number> {
  const preset = values.preset;
  if (preset === undefined) throw new UsageError(`fpt sweep needs --preset (one of ${PRESET_NAMES.join(', ')})`);
  if (dirs.length > 0 && !values.merge)
    throw new UsageError(`unexpected argument "${dirs[0].slice(0, 60)}": only --merge takes directories (fpt sweep --help)`);
  if (values.merge && dirs.length === 0)
    throw new UsageError("--merge needs the shard directories to join: fpt sweep <the shards' flags> --out DIR --merge DIR...");
  if (values.merge && values.shard) throw new UsageError('--merge and --shard do not go together: run the shards first, then merge their directories');
  const tasks = values.tasks;
  // Merging trains nothing, so it needs no backend.
  const backend = values.merge ? 'none (merge)' : await useBackend(values.backend);
  const steps = values.steps;
  const model = await resolveModel(values.model, true);
  if (preset === 'depth') {
    const dropped = droppedDepths({ modelWidth: model.config.nEmbd, modelLayers: model.config.nLayer, layers: values.layers });
    if (dropped.length > 0)
      console.error(
        `depth: pretrained depths ${dropped.join(', ')} exceed the model's ${model.config.nLayer} layers and are left out (random bodies run at every depth)`,
      );
  }
  const configs = presetConfigs(preset, {
    modelWidth: model.config.nEmbd,
    modelLayers: model.config.nLayer,
    lstmWidth: values['lstm-width'],
    inits: values.inits,
    layers: values.layers,
  });
  const settings: SweepSettings = {
    preset,
    model: values.model,
    backend: values.backend,
    steps,
    ...sharedTrainSettings(values),
    lr: values.lr,
    lstmLr: values['lstm-lr'],
    heldOutSample: values['held-out'],
    evalEvery: values['eval-every'],
  };
  const outDir = values.out ?? `sweeps/${preset}-${values.model.replace(/[^A-Za-z0-9._-]+/g, '_')}`;
  const seeds = Array.from({ length: values.seeds }, (_, i) => i);
  const plan = planCells(tasks, configs, seeds, steps);
  const cells = values.shard ? shardCells(plan, values.shard) : plan;
  const taskCache = new Map<TaskName, Task>();
  const taskOf = async (name: TaskName) => {
    if (!taskCache.has(name)) taskCache.set(name, await createTask(name, taskOptions(values)));
    return taskCache.get(name)!;
  };
  const log = (message: string) => (values.json ? console.error(message) : console.log(message));
  const grid = `${tasks.length} task(s) × ${configs.length} configuration(s) × ${seeds.length} seed(s) = ${plan.length} cells`;
  let files: { rows: unknown; jsonPath?: string; markdownPath?: string; ran: number; skipped: number };
  if (values.merge) {
    log(`sweep ${preset}: merging ${dirs.length} director${dirs.length === 1 ? 'y' : 'ies'} (${grid}, ${steps} steps each) into ${outDir}`);
    const merged = await mergeSweepDirs({ dirs, outDir, cells: plan, configs, tasks, settings, log });
    files = { ...merged, ran: 0, skipped: 0 };
  } else {
    const slice = values.shard ? `shard ${values.shard.index}/${values.shard.count}: ${cells.length} of ` : '';
    log(`sweep ${preset}: ${slice}${grid}, ${steps} steps each, model ${model.label}, backend ${backend}, into ${outDir}`);
    const run = await sweepToDir({
      outDir,
      cells,
      configs,
      tasks,
      settings,
      log,
      writeResults: !values.shard,
      runCell: async (cell) => trainCell(cell, { task: await taskOf(cell.task), config: model.config, pretrained: model.checkpoint?.tensors, settings }),
    });
    files = { ...run, ran: run.ran.length, skipped: run.skipped.length };
  }
  if (values.json)
    console.log(
      JSON.stringify({
        out: outDir,
        results: files.jsonPath ?? null,
        table: files.markdownPath ?? null,
        ran: files.ran,
        skipped: files.skipped,
        summary: files.rows,
      }),
    );
  else if (files.markdownPath)
    console.log(
      `\n${await readFile(files.markdownPath, 'utf8')}\nwrote ${files.jsonPath} and ${files.markdownPath} (ran ${files.ran}, skipped ${files.skipped} finished)`,
    );
  else
    console.log(
      `shard done: ${outDir}/cells (ran ${files.ran}, skipped ${files.skipped} finished); when every shard is done: fpt sweep <these flags without --shard> --out DIR --merge <the shard directories>`,
    );
  return 0;
}

const PARITY_OPTIONS = {
  model: text({ placeholder: 'DIR', help: 'checkpoint directory (required)' }),
  golden: text({ placeholder: 'FILE', help: 'golden.json (required)' }),
  backend: TRAINING_OPTIONS.backend,
  fused: flag('the GPT-2 body on the fused kernels'),
};

const parityCommand = defineCommand({
  name: 'parity',
  summary: "replay PyTorch's float64 golden values; exit status 1 when outside tolerance",
  options: PARITY_OPTIONS,
  run: parity,
});

async function parity(values: OptionValues<typeof PARITY_OPTIONS>): Promise<number> {
  if (!values.model || !values.golden) throw new UsageError('parity needs --model DIR and --golden FILE');
  const backend = await useBackend(values.backend);
  const model = await resolveModel(values.model, true);
  let golden: GoldenFile;
  try {
    golden = JSON.parse(await readFile(values.golden, 'utf8')) as GoldenFile;
  } catch (err) {
    throw new FptError(`--golden ${values.golden}: cannot be read as JSON (${(err as Error).message})`);
  }
  const report = await runParity(model.config, model.checkpoint!.tensors, golden, { fused: values.fused });
  for (const c of report.cases) {
    console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}`);
    for (const q of c.quantities) {
      console.log(
        `  ${q.ok ? 'ok  ' : 'FAIL'} ${q.quantity.padEnd(34)} max error ${q.maxAbsError.toExponential(2)}  (${(100 * q.worstToTolerance).toFixed(1)}% of tolerance)`,
      );
    }
  }
  const worst = Math.max(...report.cases.flatMap((c) => c.quantities.map((q) => q.worstToTolerance)));
  console.log(
    JSON.stringify({ ok: report.ok, backend, fused: values.fused, model: model.label, cases: report.cases.length, worst_fraction_of_tolerance: worst }),
  );
  return report.ok ? 0 : 1;
}

/** Every command: one table each (options.ts). A new command is one more entry. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each command's `run` takes its own table's values (contravariant): only Command<any> holds them all
export const COMMANDS: Command<any>[] = [trainCommand, sweepCommand, parityCommand];

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  const pretrain = `  ${'pretrain'.padEnd(width)}pretrain a byte-level GPT-2 language model on the Brown Corpus or a text file (src/cli/pretrain.ts)`;
  return [
    'usage: fpt <command> [options]   (fpt <command> --help lists its options, their ranges and defaults)',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    pretrain,
  ].join('\n');
}

async function runPretrain(argv: readonly string[]): Promise<number> {
  try {
    return await (await import('./pretrain')).pretrain([...argv]);
  } catch (err) {
    if (!(err instanceof Error)) throw err;
    console.error(`fpt pretrain: ${err.message}`);
    return err instanceof FptError ? 2 : 1;
  }
}

/** Runs one command line (argv without node and the script); returns the exit status. Bad input: status 2 and a message naming the flag. */
export async function fpt(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(overview());
    return 0;
  }
  // pretrain keeps its own option table (zod, resumable settings) in src/cli/pretrain.ts.
  if (name === 'pretrain') return runPretrain(rest);
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    console.error(`fpt: unknown command "${name}"\n${overview()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(commandHelp(command));
    return 0;
  }
  try {
    const { values, positionals } = parseCommand(command, rest);
    return await command.run(values, positionals);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`fpt ${name}: ${err.message}`);
      return 2;
    }
    if (err instanceof Error) {
      console.error(`fpt ${name}: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  fpt(process.argv.slice(2)).then((code) => process.exit(code));
}
