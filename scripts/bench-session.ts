/**
 * Where a playing page's time goes, without the page: drives the worker's TrainingSession (the code
 * the page's worker runs) on Dawn's WebGPU (SwiftShader without a GPU) with the page's default
 * settings, and times each part of an update: the training steps, the held-out evaluation, the
 * views read back for the screen (attention map and prediction), and the snapshot. Prints one line per part
 * (ms per step, over the measured steps) and the wall time per step of playing.
 *
 *   nice -n 10 npx tsx scripts/bench-session.ts [--steps 40] [--per-update 5] [--batch 16] [--backend webgpu]
 *
 * The first update (shader compilation) is left out of the figures. Speed figures only, no asserts.
 */
import { DEFAULT_SETTINGS, DEFAULT_STEPS_PER_UPDATE } from '../src/app/settings';
import { startBackend, type BackendName } from '../src/engine/backend';
import { loadTinyCheckpoint } from '../src/engine/test-support';
import { tf } from '../src/engine/tf';
import { Trainer } from '../src/engine/train/trainer';
import type { FromWorker } from '../src/worker/protocol';
import { TrainingSession } from '../src/worker/training-session';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const steps = Number(opt('--steps', '40'));
const perUpdate = Number(opt('--per-update', String(DEFAULT_STEPS_PER_UPDATE)));
const backend = opt('--backend', 'webgpu') as BackendName;
const batchSize = Number(opt('--batch', String(DEFAULT_SETTINGS.batchSize)));

if (backend === 'webgpu') (await import('../src/engine/node-webgpu')).installNodeWebGpu();
tf.enableProdMode();

/** Wraps a method so that its wall time adds up under `part`. */
const spent = new Map<string, { ms: number; calls: number }>();
function time(part: string, owner: object, name: string): void {
  const target = owner as Record<string, (...a: unknown[]) => Promise<unknown>>;
  const original = target[name];
  target[name] = async function (this: unknown, ...a: unknown[]) {
    const started = performance.now();
    try {
      return await original.apply(this, a);
    } finally {
      const s = spent.get(part) ?? { ms: 0, calls: 0 };
      spent.set(part, { ms: s.ms + performance.now() - started, calls: s.calls + 1 });
    }
  };
}
time('train step (forward, backward, Adam, loss read back)', Trainer.prototype, 'step');
time('held-out evaluation (8 batches)', Trainer.prototype, 'evaluate');
time('views: attention map and example prediction', TrainingSession.prototype, 'publishViews');
time('snapshot (trained values read back)', Trainer.prototype, 'snapshot');

let step = 0;
let onStep: ((n: number) => void) | null = null;
const session = new TrainingSession(
  (message: FromWorker) => {
    if (message.type === 'metrics') {
      step = Math.max(step, ...message.points.map((p) => p.step));
      onStep?.(step);
    }
    if (message.type === 'error') throw new Error(message.message);
  },
  {
    startBackend: (preference, strict) => startBackend(preference, strict),
    loadModel: async (model) => {
      const { config, tensors } = await loadTinyCheckpoint();
      return { label: model, config, tensors, warnings: [] };
    },
    taskData: {},
    watchDevice: () => {},
    loseDevice: async () => {},
  },
);
const until = (target: number) =>
  new Promise<void>((resolve) => {
    onStep = (n) => n >= target && resolve();
  });

session.handle({ type: 'init', settings: { ...DEFAULT_SETTINGS, batchSize, backend } });
await session.idle();
session.handle({ type: 'setSpeed', stepsPerUpdate: perUpdate });
session.handle({ type: 'play' });
// Warm-up: shaders compile on first use (the first evaluation comes at step 10).
const warm = Math.max(10, perUpdate);
await until(warm);
spent.clear();
const started = performance.now();
await until(warm + steps);
const wall = performance.now() - started;
session.handle({ type: 'pause' });
await session.idle();
const measured = step - warm;

console.log(`backend ${backend}, batch ${batchSize}, ${perUpdate} step(s) per update, ${measured} steps measured after ${warm} warm-up steps`);
let parts = 0;
for (const [part, { ms, calls }] of spent) {
  parts += ms;
  console.log(`  ${part}: ${(ms / measured).toFixed(1)} ms per step (${calls} calls, ${(ms / calls).toFixed(1)} ms each)`);
}
console.log(`  everything else in the session: ${((wall - parts) / measured).toFixed(1)} ms per step`);
console.log(`  wall: ${(wall / measured).toFixed(1)} ms per step`);
process.exit(0);
