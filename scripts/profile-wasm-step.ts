/**
 * Where one FPT training step's time goes on TF.js's `wasm` backend (the CPU path): the transfer
 * experiment's step (scripts/transfer-experiment.ts: a checkpoint frozen under the FPT groups,
 * pretrained body, dropout 0.1, Adam) on one task. Prints the median wall time of a step and its
 * median CPU time (the process's; wasm runs on one thread, so on a shared machine this is the
 * steadier figure), then the kernels of one profiled step grouped by name (count, total ms, ms
 * each; tf.profile times a wasm kernel by wall clock, so nested kernels count in their parent too),
 * slowest first.
 *
 *   nice -n 10 npx tsx scripts/profile-wasm-step.ts [--task listops] [--model models/mini-brown-gpt2] \
 *     [--batch 4] [--steps 3] [--warmup 1] [--top 25] [--shapes]
 *
 * `--shapes` groups the kernels by name and input shapes.
 *
 * `--blocks 64,128,256,512`: instead, one GPT-2 block's forward and backward (the mini model's shape:
 * d = 128, 4 heads, batch 4, dropout 0.1, every block group trainable) at each sequence length,
 * median of `--steps` runs after `--warmup`.
 * Speed figures only, no asserts.
 */
import { parseArgs } from 'node:util';
import { resolveModel } from '../src/cli/models';
import { startBackend } from '../src/engine/backend';
import type { BlockParams } from '../src/engine/block';
import { FPT_DEFAULT_GROUPS } from '../src/engine/groups';
import { compositeBody } from '../src/engine/ops/gpt2-block';
import { Rng } from '../src/engine/rng';
import { createTask, TASK_NAMES, type TaskName } from '../src/engine/tasks';
import { nodeTaskData } from '../src/engine/tasks/node-data';
import { tf } from '../src/engine/tf';
import { Trainer } from '../src/engine/train/trainer';

const { values } = parseArgs({
  options: {
    task: { type: 'string', default: 'listops' },
    model: { type: 'string', default: 'models/mini-brown-gpt2' },
    batch: { type: 'string', default: '4' },
    steps: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    top: { type: 'string', default: '25' },
    blocks: { type: 'string' },
    shapes: { type: 'boolean', default: false },
  },
});
const steps = Number(values.steps);
const warmup = Number(values.warmup);
const batchSize = Number(values.batch);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

tf.enableProdMode();
const backend = await startBackend(['wasm'], true);
console.log(`backend: ${backend.name}`);

/** Median ms of `f` (its tensors disposed) over `steps` runs after `warmup`. */
async function timeIt(f: () => tf.Tensor[], runs = steps): Promise<{ median: number; all: number[] }> {
  const all: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const started = performance.now();
    const out = f();
    await Promise.all(out.map((t) => t.data()));
    if (i >= warmup) all.push(performance.now() - started);
    out.forEach((t) => t.dispose());
  }
  return { median: median(all), all };
}

if (values.blocks) {
  const [B, d, H] = [batchSize, 128, 4];
  const rng = new Rng(1);
  const random = (shape: number[], scale: number) =>
    tf.tensor(
      Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => scale * rng.normal()),
      shape,
    );
  const norm = () => ({ gamma: tf.ones([d]) as tf.Tensor1D, beta: tf.zeros([d]) as tf.Tensor1D });
  const affine = (i: number, o: number) => ({ weight: random([i, o], 0.02) as tf.Tensor2D, bias: tf.zeros([o]) as tf.Tensor1D });
  const params: BlockParams = { ln1: norm(), attn: affine(d, 3 * d), attnProj: affine(d, d), ln2: norm(), fc: affine(d, 4 * d), fcProj: affine(4 * d, d) };
  const drop = { rate: 0.1, seeds: { 'attention-probs': 11, 'attention-out': 12, 'mlp-out': 13 } };
  const trainable = { layernorm: true, attention: true, feedforward: true };
  for (const T of values.blocks.split(',').map(Number)) {
    const body = compositeBody(T);
    const h = random([B * T, d], 1);
    const shape = { batch: B, seqLen: T, heads: H, eps: 1e-5 };
    const grads = () => tf.grads((x: tf.Tensor) => tf.sum(tf.square(body.block(x as tf.Tensor2D, params, shape, drop, trainable))))([h]);
    const t = await timeIt(grads);
    console.log(`block T=${T} B=${B} d=${d}: forward+backward median ${t.median.toFixed(0)} ms (${t.all.map((x) => x.toFixed(0)).join(', ')})`);
    h.dispose();
    body.dispose();
  }
  process.exit(0);
}

const taskName = values.task as TaskName;
if (!(TASK_NAMES as readonly string[]).includes(taskName)) throw new Error(`--task must be one of ${TASK_NAMES.join(', ')}`);
const model = await resolveModel(values.model!, true);
const task = await createTask(taskName, { data: nodeTaskData({}) });
const trainer = new Trainer(
  task,
  model.config,
  'pretrained',
  { batchSize, lr: 1e-3, randomInit: 'hf-scaled', seed: 0, groups: FPT_DEFAULT_GROUPS, evalBatches: 1, dropout: 0.1 },
  model.checkpoint!.tensors,
);
for (let i = 0; i < warmup; i++) await trainer.step();
const wall: number[] = [];
const cpu: number[] = [];
for (let i = 0; i < steps; i++) {
  const [started, cpuStarted] = [performance.now(), process.cpuUsage()];
  await trainer.step();
  wall.push(performance.now() - started);
  const used = process.cpuUsage(cpuStarted);
  cpu.push((used.user + used.system) / 1000);
}
const list = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
console.log(`${taskName}, ${model.label}, batch ${batchSize}, T ${task.seqLen}: step median ${median(wall).toFixed(0)} ms (${list(wall)})`);
// CPU time of the process (wasm runs on this one thread), less sensitive than wall time to a loaded machine.
console.log(`CPU time a step: median ${median(cpu).toFixed(0)} ms (${list(cpu)})`);

const info = await tf.profile(async () => {
  await trainer.step();
});
const byName = new Map<string, { count: number; ms: number }>();
for (const k of info.kernels) {
  const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
  const key = values.shapes ? `${k.name} ${k.inputShapes.map((s) => `[${s}]`).join('')}` : k.name;
  const e = byName.get(key) ?? { count: 0, ms: 0 };
  byName.set(key, { count: e.count + 1, ms: e.ms + ms });
}
const rows = [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms);
console.log(`profiled step: ${info.kernels.length} kernels, ${rows.reduce((s, [, e]) => s + e.ms, 0).toFixed(0)} ms of kernel time`);
for (const [name, e] of rows.slice(0, Number(values.top))) {
  console.log(
    `${name.padEnd(values.shapes ? 60 : 28)} ×${String(e.count).padEnd(5)} ${e.ms.toFixed(1).padStart(9)} ms  ${(e.ms / e.count).toFixed(2).padStart(8)} ms each`,
  );
}
trainer.dispose();
process.exit(0);
