/**
 * The headless FPT command line: `fpt train` and `fpt parity` (see README). Runs the same engine as
 * the browser, on TF.js's `cpu` backend or on `webgpu` through Dawn (npm package `webgpu`).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { tf } from '../engine/tf';
import { startBackend, type BackendName } from '../engine/backend';
import { BACKBONE_INITS, type BackboneInit } from '../engine/backbone';
import { parseGroups } from '../engine/groups';
import { runParity, type GoldenFile } from '../engine/parity';
import { createTask, TASK_NAMES, type TaskName } from '../engine/tasks';
import { nodeTaskData } from '../engine/tasks/node-data';
import { Trainer } from '../engine/train/trainer';
import { resolveModel } from './models';

const USAGE = `usage:
  fpt train  --task ${TASK_NAMES.join('|')} [--model DIR|tiny|gpt2] [--init ${BACKBONE_INITS.join('|')}]
             [--groups input,output,positions,layernorm] [--steps N] [--batch B] [--lr X] [--seed S]
             [--eval-every N] [--eval-batches N] [--dropout P] [--bits N] [--cifar-dir DIR] [--backend cpu|webgpu] [--json]
  fpt parity --model DIR --golden FILE [--backend cpu|webgpu]`;

async function useBackend(name: string): Promise<string> {
  if (name !== 'cpu' && name !== 'webgpu') throw new Error(`--backend must be cpu or webgpu, not "${name}"`);
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
      json: { type: 'boolean', default: false },
    },
  });
  const init = values.init as BackboneInit;
  if (!BACKBONE_INITS.includes(init)) throw new Error(`--init must be one of ${BACKBONE_INITS.join(', ')}`);
  const taskName = values.task as TaskName;
  if (!TASK_NAMES.includes(taskName)) throw new Error(`--task must be one of ${TASK_NAMES.join(', ')}`);
  const backend = await useBackend(values.backend!);
  const model = await resolveModel(values.model!, init !== 'random');
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
    init,
    {
      batchSize: numberOption(values.batch, 'batch', 4),
      lr: numberOption(values.lr, 'lr', 1e-3),
      seed: numberOption(values.seed, 'seed', 0),
      groups: parseGroups(values.groups!),
      evalBatches: numberOption(values['eval-batches'], 'eval-batches', 25),
      dropout: numberOption(values.dropout, 'dropout', 0.1),
    },
    model.checkpoint?.tensors,
  );
  const log = (line: object, text: string) => console.log(values.json ? JSON.stringify(line) : text);
  const counts = trainer.counts();
  const trainable = counts.filter((c) => c.trainable).reduce((a, c) => a + c.params, 0);
  const total = counts.reduce((a, c) => a + c.params, 0);
  if (!values.json) {
    console.log(`task ${task.name}, model ${model.label}, init ${init}, backend ${backend}`);
    console.log(`trainable ${trainable} of ${total} parameters (${((100 * trainable) / total).toFixed(3)}%): ${trainer.model.groups.join(', ')}`);
  }
  const started = performance.now();
  let lossSum = 0;
  let lossCount = 0;
  let last = { step: 0, train_loss: NaN, test_acc: NaN, test_loss: NaN };
  for (let s = 1; s <= steps; s++) {
    lossSum += await trainer.step();
    lossCount++;
    if (s % evalEvery === 0 || s === steps) {
      const ev = await trainer.evaluate();
      last = { step: s, train_loss: lossSum / lossCount, test_acc: ev.accuracy, test_loss: ev.loss };
      lossSum = 0;
      lossCount = 0;
      log(last, `step ${s}  train loss ${last.train_loss.toFixed(4)}  test ${task.metric} ${(100 * ev.accuracy).toFixed(2)}%`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const final = { ...last, task: task.name, model: model.label, init, backend, groups: trainer.model.groups, trainable_params: trainable, total_params: total, seconds };
  log({ final }, `done in ${seconds.toFixed(1)} s`);
  trainer.dispose();
  return 0;
}

async function parity(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { model: { type: 'string' }, golden: { type: 'string' }, backend: { type: 'string', default: 'cpu' } },
  });
  if (!values.model || !values.golden) throw new Error('parity needs --model DIR and --golden FILE');
  const backend = await useBackend(values.backend!);
  const model = await resolveModel(values.model, true);
  const golden = JSON.parse(await readFile(values.golden, 'utf8')) as GoldenFile;
  const report = await runParity(model.config, model.checkpoint!.tensors, golden);
  for (const c of report.cases) {
    console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}`);
    for (const q of c.quantities) {
      console.log(`  ${q.ok ? 'ok  ' : 'FAIL'} ${q.quantity.padEnd(34)} max error ${q.maxAbsError.toExponential(2)}  (${(100 * q.worstToTolerance).toFixed(1)}% of tolerance)`);
    }
  }
  const worst = Math.max(...report.cases.flatMap((c) => c.quantities.map((q) => q.worstToTolerance)));
  console.log(JSON.stringify({ ok: report.ok, backend, model: model.label, cases: report.cases.length, worst_fraction_of_tolerance: worst }));
  return report.ok ? 0 : 1;
}

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  if (command === 'train') return train(rest);
  if (command === 'parity') return parity(rest);
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
