/**
 * The transfer experiment of README "A language-pretrained mini backbone": one GPT-2 shape, frozen
 * under the FPT groups (input, output, positions, layer norms train), its body initialised three
 * ways: `pretrained` (the checkpoint), `random` (Hugging Face's init) and `statistics` (random with
 * each tensor's pretrained mean and std); several seeds each, on one task. Prints one JSON line per
 * run and, at the end, two markdown tables: per seed (final test accuracy, and the first evaluation
 * step at which test accuracy reached 90% and 100%) and per body (mean ± sd over seeds).
 * `--stop-at 1` ends a run at its first evaluation at 100% (`--steps` is then a cap).
 *
 *   npx tsx scripts/transfer-experiment.ts --model models/mini-brown-gpt2 --task bit-xor \
 *     --steps 2000 --eval-every 50 --seeds 3 --backend wasm [--inits pretrained,random,statistics] \
 *     [--lr 1e-3] [--first-seed 0] [--stop-at 1] [--out FILE.json]
 */
import { rename, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { resolveModel } from '../src/cli/models';
import { startBackend, type BackendName } from '../src/engine/backend';
import type { BackboneInit } from '../src/engine/backbone';
import { FPT_DEFAULT_GROUPS } from '../src/engine/groups';
import { createTask, TASK_NAMES, type TaskName } from '../src/engine/tasks';
import { nodeTaskData } from '../src/engine/tasks/node-data';
import { Trainer } from '../src/engine/train/trainer';
import { tf } from '../src/engine/tf';
import { firstReaching, summaryTable, trainUntil, type RunRow } from './transfer-lib';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/mini-brown-gpt2' },
    task: { type: 'string', default: 'bit-xor' },
    steps: { type: 'string', default: '2000' },
    'eval-every': { type: 'string', default: '50' },
    'eval-batches': { type: 'string', default: '25' },
    seeds: { type: 'string', default: '3' },
    'first-seed': { type: 'string', default: '0' },
    'stop-at': { type: 'string' },
    batch: { type: 'string', default: '4' },
    lr: { type: 'string', default: '1e-3' },
    inits: { type: 'string', default: 'pretrained,random,statistics' },
    backend: { type: 'string', default: 'wasm' },
    out: { type: 'string' },
  },
});

const taskName = values.task as TaskName;
if (!(TASK_NAMES as readonly string[]).includes(taskName)) throw new Error(`--task must be one of ${TASK_NAMES.join(', ')}`);
tf.enableProdMode();
const backend = await startBackend([values.backend as BackendName], true);
const model = await resolveModel(values.model!, true);
const task = await createTask(taskName, { data: nodeTaskData({}) });
const inits = values.inits!.split(',') as BackboneInit[];
const stopAt = values['stop-at'] === undefined ? undefined : Number(values['stop-at']);
if (stopAt !== undefined && !(stopAt > 0 && stopAt <= 1)) throw new Error(`--stop-at must be an accuracy in (0, 1], got ${values['stop-at']}`);
const firstSeed = Number(values['first-seed']);
const rows: (RunRow & Record<string, unknown>)[] = [];
/** Writes every run so far to --out (atomically), so a stopped experiment keeps its finished runs. */
async function save(): Promise<void> {
  if (!values.out) return;
  await writeFile(`${values.out}.tmp`, `${JSON.stringify({ settings: values, rows }, null, 1)}\n`);
  await rename(`${values.out}.tmp`, values.out);
}
for (const init of inits) {
  for (let seed = firstSeed; seed < firstSeed + Number(values.seeds); seed++) {
    const trainer = new Trainer(
      task,
      model.config,
      init,
      {
        batchSize: Number(values.batch),
        lr: Number(values.lr),
        randomInit: 'hf-scaled',
        seed,
        groups: FPT_DEFAULT_GROUPS,
        evalBatches: Number(values['eval-batches']),
      },
      model.checkpoint!.tensors,
    );
    const started = performance.now();
    const curve = await trainUntil(trainer, { steps: Number(values.steps), evalEvery: Number(values['eval-every']), stopAt });
    trainer.dispose();
    const row = {
      task: taskName,
      model: model.label,
      init,
      seed,
      final_acc: curve.at(-1)!.testAccuracy,
      best_acc: Math.max(...curve.map((p) => p.testAccuracy)),
      steps_to_90: firstReaching(curve, 0.9),
      steps_to_100: firstReaching(curve, 1),
      steps_run: curve.at(-1)!.step,
      seconds: Math.round((performance.now() - started) / 100) / 10,
      backend: backend.name,
      curve: curve.map((p) => [p.step, Math.round(p.testAccuracy * 1000) / 1000]),
      test_loss: curve.map((p) => Math.round(p.testLoss * 1000) / 1000),
    };
    rows.push(row);
    console.log(JSON.stringify(row));
    await save();
  }
}
const fmt = (x: number | null) => (x === null ? '—' : String(x));
const table = [
  `| body (${model.config.nLayer}×${model.config.nEmbd}) | seed | final test acc | best | steps to 90% | steps to 100% |`,
  '|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.init} | ${r.seed} | ${((r.final_acc as number) * 100).toFixed(1)}% | ${((r.best_acc as number) * 100).toFixed(1)}% | ${fmt(r.steps_to_90 as number | null)} | ${fmt(r.steps_to_100 as number | null)} |`,
  ),
].join('\n');
console.log(`\n${table}\n\n${summaryTable(rows, `${model.config.nLayer}×${model.config.nEmbd}, frozen`)}`);
process.exit(0);
