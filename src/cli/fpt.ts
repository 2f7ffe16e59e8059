/**
 * The headless FPT command line: `fpt train`, `fpt sweep` and `fpt parity` (see README). Runs the same engine as
 * the browser, on TF.js's `cpu` backend or on `webgpu` through Dawn (npm package `webgpu`).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { tf } from '../engine/tf';
import { startBackend, type BackendName } from '../engine/backend';
import { BACKBONE_INITS, describeBody, type BackboneInit, type BodySpec } from '../engine/backbone';
import { parseGroups } from '../engine/groups';
import { runParity, type GoldenFile } from '../engine/parity';
import { createTask, TASK_NAMES, type TaskName } from '../engine/tasks';
import { nodeTaskData } from '../engine/tasks/node-data';
import { CachedHeadTrainer, measureUncachedEpoch } from '../engine/train/feature-cache';
import { runTrainingLoop } from '../engine/train/training-loop';
import { Trainer } from '../engine/train/trainer';
import { PRESET_NAMES, presetConfigs, type PresetName } from '../engine/sweep/presets';
import { planCells, trainCell, type SweepSettings } from '../engine/sweep/run';
import { resolveModel } from './models';
import { sweepToDir } from './sweep-files';
import { FptModel } from '../engine/model';

const USAGE = `usage:
  fpt train  --task ${TASK_NAMES.join('|')} [--model DIR|tiny|gpt2] [--init ${BACKBONE_INITS.join('|')}|lstm]
             [--lstm-width N] [--lstm-layers N]
             [--groups input,output,positions,layernorm] [--steps N] [--batch B] [--lr X] [--seed S]
             [--eval-every N] [--eval-batches N] [--dropout P] [--bits N] [--cifar-dir DIR] [--backend cpu|wasm|webgpu] [--composite] [--json]
             [--cache-features [--dataset N] [--speed-steps N]]   (with --groups output only)
  fpt sweep  --preset ${PRESET_NAMES.join('|')} --tasks bit-xor,... [--steps N] [--seeds K] [--model DIR|tiny|gpt2]
             [--backend cpu|wasm|webgpu] [--out DIR] [--batch B] [--lr X] [--dropout P] [--eval-every N] [--eval-batches N]
             [--lstm-width N] [--inits pretrained,random] [--layers 1,2,...] [--bits N] [--cifar-dir DIR] [--json]
  fpt parity --model DIR --golden FILE [--backend cpu|wasm|webgpu] [--fused]
  (--fused: the GPT-2 body on the fused kernels; train uses them on webgpu unless --composite)`;

async function useBackend(name: string): Promise<string> {
  if (name !== 'cpu' && name !== 'wasm' && name !== 'webgpu') throw new Error(`--backend must be cpu, wasm or webgpu, not "${name}"`);
  if (name === 'webgpu') (await import('../engine/node-webgpu')).installNodeWebGpu();
  tf.enableProdMode(); // also silences TF.js's "install tfjs-node" banner
  const info = await startBackend([name as BackendName], true);
  return info.adapter ? `${info.name} (${info.adapter})` : info.name;
}

function numberOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, not "${value}"`);
  return n;
}

async function train(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      task: { type: 'string', default: 'bit-xor' },
      model: { type: 'string', default: 'tiny' },
      init: { type: 'string', default: 'pretrained' },
      'lstm-width': { type: 'string' },
      'lstm-layers': { type: 'string', default: '3' },
      'cache-features': { type: 'boolean', default: false },
      dataset: { type: 'string', default: '1024' },
      'speed-steps': { type: 'string', default: '10' },
      groups: { type: 'string', default: 'input,output,positions,layernorm' },
      steps: { type: 'string', default: '500' },
      batch: { type: 'string', default: '4' },
      lr: { type: 'string', default: '1e-3' },
      seed: { type: 'string', default: '0' },
      'eval-every': { type: 'string', default: '100' },
      'eval-batches': { type: 'string', default: '25' },
      dropout: { type: 'string', default: '0.1' },
      bits: { type: 'string' },
      'cifar-dir': { type: 'string' },
      backend: { type: 'string', default: 'cpu' },
      composite: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const isLstm = values.init === 'lstm';
  const init = values.init as BackboneInit;
  if (!isLstm && !BACKBONE_INITS.includes(init)) throw new Error(`--init must be one of ${BACKBONE_INITS.join(', ')}, lstm`);
  const taskName = values.task as TaskName;
  if (!TASK_NAMES.includes(taskName)) throw new Error(`--task must be one of ${TASK_NAMES.join(', ')}`);
  const backend = await useBackend(values.backend!);
  const model = await resolveModel(values.model!, !isLstm && init !== 'random');
  const body: BodySpec = isLstm
    ? { kind: 'lstm', width: numberOption(values['lstm-width'], 'lstm-width', 768), layers: numberOption(values['lstm-layers'], 'lstm-layers', 3) }
    : init;
  const bits = values.bits === undefined ? undefined : numberOption(values.bits, 'bits', 5);
  const task = await createTask(taskName, {
    bitXor: bits === undefined ? undefined : { bits },
    data: nodeTaskData({ cifarDir: values['cifar-dir'] }),
  });
  const steps = numberOption(values.steps, 'steps', 500);
  const evalEvery = numberOption(values['eval-every'], 'eval-every', 100);
  const trainer = new Trainer(
    task,
    model.config,
    body,
    {
      batchSize: numberOption(values.batch, 'batch', 4),
      lr: numberOption(values.lr, 'lr', 1e-3),
      seed: numberOption(values.seed, 'seed', 0),
      groups: parseGroups(values.groups!),
      evalBatches: numberOption(values['eval-batches'], 'eval-batches', 25),
      dropout: numberOption(values.dropout, 'dropout', 0.1),
      fused: values.composite ? false : 'auto',
    },
    model.checkpoint?.tensors,
  );
  const log = (line: object, text: string) => console.log(values.json ? JSON.stringify(line) : text);
  const counts = trainer.counts();
  const trainable = counts.filter((c) => c.trainable).reduce((a, c) => a + c.params, 0);
  const total = counts.reduce((a, c) => a + c.params, 0);
  if (!values.json) {
    const engine = trainer.model instanceof FptModel ? (trainer.model.fused ? ', fused kernels' : ', TF.js ops') : '';
    console.log(`task ${task.name}, model ${isLstm ? describeBody(body) : model.label}, init ${describeBody(body)}, backend ${backend}${engine}`);
    console.log(`trainable ${trainable} of ${total} parameters (${((100 * trainable) / total).toFixed(3)}%): ${trainer.model.groups.join(', ')}`);
  }
  // Output-only on cached features (paper 3.9): build the cache, measure an uncached epoch to compare.
  let cached: CachedHeadTrainer | null = null;
  let speed: Record<string, number> | null = null;
  if (values['cache-features']) {
    cached = new CachedHeadTrainer(trainer, numberOption(values.dataset, 'dataset', 1024));
    const cache = await cached.build();
    const uncached = await measureUncachedEpoch(trainer, cached.data, numberOption(values['speed-steps'], 'speed-steps', 10));
    speed = { dataset: cached.datasetSize, steps_per_epoch: cached.stepsPerEpoch, cache_build_s: cache.buildSeconds, uncached_epoch_s: uncached.secondsPerEpoch, uncached_measured_steps: uncached.steps };
    log({ cache: speed }, `cached features of ${cached.datasetSize} examples in ${cache.buildSeconds.toFixed(2)} s; uncached epoch (${cached.stepsPerEpoch} steps, from ${uncached.steps} measured) ${uncached.secondsPerEpoch.toFixed(2)} s`);
  }
  const started = performance.now();
  const curve = await runTrainingLoop(trainer, {
    steps,
    evalEvery,
    step: cached ? () => cached.step() : undefined,
    onEvaluation: (p) => log(p, `step ${p.step}  train loss ${p.train_loss.toFixed(4)}  test ${task.metric} ${(100 * p.test_acc).toFixed(2)}%`),
  });
  const last = curve[curve.length - 1] ?? { step: 0, train_loss: NaN, test_acc: NaN, test_loss: NaN };
  const seconds = (performance.now() - started) / 1000;
  if (cached && speed) {
    const cachedEpoch = cached.secondsPerEpoch!;
    speed = { ...speed, cached_epoch_s: cachedEpoch, epochs: cached.stepCount / cached.stepsPerEpoch, speedup_per_epoch: speed.uncached_epoch_s / cachedEpoch };
    log({ cache: speed }, `per epoch: uncached ${speed.uncached_epoch_s.toFixed(3)} s, cached ${cachedEpoch.toFixed(4)} s: ${speed.speedup_per_epoch.toFixed(1)}× faster (cache built once in ${speed.cache_build_s.toFixed(2)} s)`);
  }
  const final = { ...last, task: task.name, model: isLstm ? describeBody(body) : model.label, init: describeBody(body), backend, groups: trainer.model.groups, trainable_params: trainable, total_params: total, seconds, ...(speed ? { feature_cache: speed } : {}) };
  log({ final }, `done in ${seconds.toFixed(1)} s`);
  cached?.dispose();
  trainer.dispose();
  return 0;
}

function listOption(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

async function sweep(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      preset: { type: 'string' },
      tasks: { type: 'string', default: 'bit-xor' },
      steps: { type: 'string', default: '500' },
      seeds: { type: 'string', default: '3' },
      model: { type: 'string', default: 'tiny' },
      backend: { type: 'string', default: 'cpu' },
      out: { type: 'string' },
      batch: { type: 'string', default: '4' },
      lr: { type: 'string', default: '1e-3' },
      dropout: { type: 'string', default: '0.1' },
      'eval-every': { type: 'string', default: '100' },
      'eval-batches': { type: 'string', default: '25' },
      'lstm-width': { type: 'string' },
      inits: { type: 'string', default: 'pretrained' },
      layers: { type: 'string' },
      bits: { type: 'string' },
      'cifar-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const preset = values.preset as PresetName;
  if (!PRESET_NAMES.includes(preset)) throw new Error(`--preset must be one of ${PRESET_NAMES.join(', ')}`);
  const tasks = listOption(values.tasks) as TaskName[];
  for (const t of tasks) if (!TASK_NAMES.includes(t)) throw new Error(`--tasks: unknown task "${t}" (known: ${TASK_NAMES.join(', ')})`);
  const inits = listOption(values.inits) as ('pretrained' | 'random')[];
  for (const i of inits) if (i !== 'pretrained' && i !== 'random') throw new Error(`--inits takes pretrained and/or random, not "${i}"`);
  const backend = await useBackend(values.backend!);
  const seedsCount = numberOption(values.seeds, 'seeds', 3);
  const steps = numberOption(values.steps, 'steps', 500);
  const model = await resolveModel(values.model!, true);
  const configs = presetConfigs(preset, {
    modelWidth: model.config.nEmbd,
    modelLayers: model.config.nLayer,
    lstmWidth: values['lstm-width'] === undefined ? undefined : numberOption(values['lstm-width'], 'lstm-width', 768),
    inits,
    layers: values.layers === undefined ? undefined : listOption(values.layers).map((l) => numberOption(l, 'layers', 1)),
  });
  const settings: SweepSettings = {
    preset,
    model: values.model!,
    backend: values.backend!,
    steps,
    batchSize: numberOption(values.batch, 'batch', 4),
    lr: numberOption(values.lr, 'lr', 1e-3),
    dropout: numberOption(values.dropout, 'dropout', 0.1),
    evalEvery: numberOption(values['eval-every'], 'eval-every', 100),
    evalBatches: numberOption(values['eval-batches'], 'eval-batches', 25),
  };
  const outDir = values.out ?? `sweeps/${preset}-${values.model!.replace(/[^A-Za-z0-9._-]+/g, '_')}`;
  const seeds = Array.from({ length: seedsCount }, (_, i) => i);
  const cells = planCells(tasks, configs, seeds, steps);
  const bits = values.bits === undefined ? undefined : numberOption(values.bits, 'bits', 5);
  const taskCache = new Map<TaskName, Awaited<ReturnType<typeof createTask>>>();
  const taskOf = async (name: TaskName) => {
    if (!taskCache.has(name)) {
      taskCache.set(name, await createTask(name, { bitXor: bits === undefined ? undefined : { bits }, data: nodeTaskData({ cifarDir: values['cifar-dir'] }) }));
    }
    return taskCache.get(name)!;
  };
  const log = (message: string) => (values.json ? console.error(message) : console.log(message));
  log(`sweep ${preset}: ${tasks.length} task(s) × ${configs.length} configuration(s) × ${seeds.length} seed(s) = ${cells.length} cells, ${steps} steps each, model ${model.label}, backend ${backend}, into ${outDir}`);
  const files = await sweepToDir({
    outDir,
    cells,
    configs,
    tasks,
    settings,
    log,
    runCell: async (cell) => trainCell(cell, { task: await taskOf(cell.task), config: model.config, pretrained: model.checkpoint?.tensors, settings }),
  });
  if (values.json) console.log(JSON.stringify({ out: outDir, results: files.jsonPath, table: files.markdownPath, ran: files.ran.length, skipped: files.skipped.length, summary: files.rows }));
  else console.log(`\n${await readFile(files.markdownPath, 'utf8')}\nwrote ${files.jsonPath} and ${files.markdownPath} (ran ${files.ran.length}, skipped ${files.skipped.length} finished)`);
  return 0;
}

async function parity(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { model: { type: 'string' }, golden: { type: 'string' }, backend: { type: 'string', default: 'cpu' }, fused: { type: 'boolean', default: false } },
  });
  if (!values.model || !values.golden) throw new Error('parity needs --model DIR and --golden FILE');
  const backend = await useBackend(values.backend!);
  const model = await resolveModel(values.model, true);
  const golden = JSON.parse(await readFile(values.golden, 'utf8')) as GoldenFile;
  const report = await runParity(model.config, model.checkpoint!.tensors, golden, { fused: values.fused });
  for (const c of report.cases) {
    console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}`);
    for (const q of c.quantities) {
      console.log(`  ${q.ok ? 'ok  ' : 'FAIL'} ${q.quantity.padEnd(34)} max error ${q.maxAbsError.toExponential(2)}  (${(100 * q.worstToTolerance).toFixed(1)}% of tolerance)`);
    }
  }
  const worst = Math.max(...report.cases.flatMap((c) => c.quantities.map((q) => q.worstToTolerance)));
  console.log(JSON.stringify({ ok: report.ok, backend, fused: values.fused, model: model.label, cases: report.cases.length, worst_fraction_of_tolerance: worst }));
  return report.ok ? 0 : 1;
}

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  if (command === 'train') return train(rest);
  if (command === 'parity') return parity(rest);
  if (command === 'sweep') return sweep(rest);
  if (command === 'pretrain') return (await import('./pretrain')).pretrain(rest);
  console.error(USAGE);
  return command === undefined || command === '--help' ? 0 : 2;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`fpt: ${err.message}`);
    process.exit(1);
  },
);
