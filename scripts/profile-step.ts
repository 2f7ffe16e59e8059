/**
 * Where one fused training step's GPU time goes: the page's default run (random test model, every
 * group trainable, Bit XOR 5 bits, batch 16) on Dawn's WebGPU (SwiftShader without a GPU), profiled
 * with tf.profile (kernel times from timestamp queries). Prints the kernels grouped by name (count,
 * total ms, ms each), slowest first; then the GPU programs by class, including the ones tf.profile
 * leaves untimed (programs run outside a registered kernel, e.g. in a customGrad's backward pass);
 * and the wall time of a step. Raw dispatches (raw-dispatch.ts: layer-norm parameter gradients, the
 * fused Adam) are timed by neither.
 *
 *   nice -n 10 npx tsx scripts/profile-step.ts [--steps 3] [--batch 16] [--warmup 2] [--attention-tiles 8,8] [--matmul-tile 64]
 *
 * The warm-up steps (shader compilation) are left out. Speed figures only, no asserts.
 */
import { DEFAULT_SETTINGS } from '../src/app/settings';
import { startBackend } from '../src/engine/backend';
import { attentionTuning } from '../src/engine/kernels/attention';
import { matmulTuning } from '../src/engine/kernels/matmul-program';
import { installNodeWebGpu } from '../src/engine/node-webgpu';
import { createTask } from '../src/engine/tasks';
import { loadTinyCheckpoint } from '../src/engine/test-support';
import { tf } from '../src/engine/tf';
import { Trainer } from '../src/engine/train/trainer';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const steps = Number(opt('--steps', '3'));
const warmup = Number(opt('--warmup', '2'));
const batchSize = Number(opt('--batch', String(DEFAULT_SETTINGS.batchSize)));
// Forces the attention kernels' [queries, keys] tiles (attentionTuning), e.g. --attention-tiles 8,8.
// Forces the fused matmul's output tile side (matmulTuning), e.g. --matmul-tile 64.
if (args.includes('--matmul-tile')) matmulTuning.tile = Number(opt('--matmul-tile', '')) as 16 | 32 | 64;
if (args.includes('--attention-tiles')) attentionTuning.tiles = opt('--attention-tiles', '').split(',').map(Number) as [number, number];

installNodeWebGpu();
await startBackend(['webgpu'], true);
tf.enableProdMode();
const { config, tensors } = await loadTinyCheckpoint();
const task = await createTask(DEFAULT_SETTINGS.task, { bits: DEFAULT_SETTINGS.bits, data: {} });
const trainer = new Trainer(task, config, 'pretrained', { batchSize, lr: DEFAULT_SETTINGS.lr, seed: 0, groups: DEFAULT_SETTINGS.groups, fused: true }, tensors);
for (let i = 0; i < warmup; i++) await trainer.step();

// Programs dispatched outside any kernel get a timer of their own (TF.js times only those inside one).
interface TimedBackend {
  activeTimers: { name: string; query: Promise<number> }[] | null;
  runWebGPUProgram(program: { constructor: { name: string } }, ...rest: unknown[]): unknown;
}
const backend = tf.backend() as unknown as TimedBackend;
const untimed: { name: string; query: Promise<number> }[] = [];
let timeAll = false;
const run = backend.runWebGPUProgram.bind(backend);
backend.runWebGPUProgram = (program, ...rest) => {
  if (!timeAll || backend.activeTimers != null) return run(program, ...rest);
  backend.activeTimers = [];
  try {
    return run(program, ...rest);
  } finally {
    untimed.push(...backend.activeTimers);
    backend.activeTimers = null;
  }
};
const programs = new Map<string, { count: number; ms: number }>();
const addProgram = (name: string, ms: number) => {
  const e = programs.get(name) ?? { count: 0, ms: 0 };
  programs.set(name, { count: e.count + 1, ms: e.ms + ms });
};

const byName = new Map<string, { count: number; ms: number }>();
let kernels = 0;
let wall = 0;
for (let i = 0; i < steps; i++) {
  const started = performance.now();
  timeAll = true;
  const info = await tf.profile(async () => {
    await trainer.step();
  });
  timeAll = false;
  for (const t of untimed.splice(0)) addProgram(`${t.name} (outside a kernel)`, await t.query);
  wall += performance.now() - started;
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const e = byName.get(k.name) ?? { count: 0, ms: 0 };
    byName.set(k.name, { count: e.count + 1, ms: e.ms + ms });
    kernels++;
    const extra = typeof k.extraInfo === 'string' ? k.extraInfo : '';
    for (const part of extra.split(', ').filter(Boolean)) {
      const at = part.lastIndexOf(': ');
      addProgram(`${part.slice(0, at)} (in ${k.name})`, Number(part.slice(at + 2)));
    }
  }
}
// Unprofiled steps: the wall time of a step as the page runs it.
const plainStarted = performance.now();
for (let i = 0; i < steps; i++) await trainer.step();
const plain = (performance.now() - plainStarted) / steps;

const rows = [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms);
const total = rows.reduce((s, [, e]) => s + e.ms, 0);
console.log(`${kernels / steps} kernels a step, ${(total / steps).toFixed(0)} ms of kernel time a step`);
for (const [name, e] of rows) {
  console.log(
    `${name.padEnd(28)} ×${String(e.count / steps).padEnd(4)} ${(e.ms / steps).toFixed(1).padStart(8)} ms  ${(e.ms / e.count).toFixed(1).padStart(7)} ms each`,
  );
}
const progRows = [...programs.entries()].sort((a, b) => b[1].ms - a[1].ms);
const progTotal = progRows.reduce((s, [, e]) => s + e.ms, 0);
console.log(`\nGPU programs: ${(progTotal / steps).toFixed(0)} ms a step`);
for (const [name, e] of progRows) {
  console.log(
    `${name.padEnd(52)} ×${String(e.count / steps).padEnd(4)} ${(e.ms / steps).toFixed(1).padStart(8)} ms  ${(e.ms / e.count).toFixed(1).padStart(7)} ms each`,
  );
}
console.log(`step wall time: ${(wall / steps).toFixed(0)} ms profiled, ${plain.toFixed(0)} ms unprofiled`);
