/**
 * The training session on the cpu backend with the committed tiny GPT-2: what the page sees for each
 * message, in order. The host is the test's: the real backend start, the tiny checkpoint for every
 * model name, and a simulated device whose loss `debugLoseDevice` reports as WebGPU's `device.lost` would.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { startBackend } from '../engine/backend';
import { FPT_DEFAULT_GROUPS, type GroupName } from '../engine/groups';
import { loadTinyCheckpoint, useBackend } from '../engine/test-support';
import { createTask } from '../engine/tasks';
import { tf } from '../engine/tf';
import { Trainer } from '../engine/train/trainer';
import type { Gpt2Checkpoint } from '../weights/gpt2-checkpoint';
import { abortReason } from '../weights/load-errors';
import { PAGE_EVAL_BATCHES, type FromWorker, type RunSettings, type Snapshot, type ToWorker } from './protocol';
import { TrainingSession, type SessionHost, type SessionOptions } from './training-session';

const SETTINGS: RunSettings = {
  task: 'bit-xor',
  bits: 5,
  model: 'tiny-gpt2',
  init: 'pretrained',
  batchSize: 4,
  lr: 1e-3,
  seed: 3,
  groups: [...FPT_DEFAULT_GROUPS],
  backend: 'cpu',
};

let checkpoint: Promise<Gpt2Checkpoint>;
beforeAll(async () => {
  await useBackend('cpu');
  checkpoint = loadTinyCheckpoint();
});

type Message<T extends FromWorker['type']> = Extract<FromWorker, { type: T }>;

/** The page's side: every message the session posted, in order. */
class Page {
  readonly messages: FromWorker[] = [];
  readonly session: TrainingSession;
  private lost?: (reason: string) => void;

  constructor(loadModel?: SessionHost['loadModel'], options?: SessionOptions) {
    const host: SessionHost = {
      startBackend: (preference, strict) => startBackend(preference, strict),
      loadModel:
        loadModel ??
        (async (model) => {
          const { config, tensors } = await checkpoint;
          return { label: model, config, tensors, warnings: [] };
        }),
      taskData: {},
      watchDevice: (onLost) => {
        this.lost = onLost;
      },
      loseDevice: async () => this.lost?.('destroyed: Device was destroyed.'),
    };
    this.session = new TrainingSession((message) => this.messages.push(message), host, options);
  }

  send(...messages: ToWorker[]): Promise<void> {
    messages.forEach((m) => this.session.handle(m));
    return this.session.idle();
  }

  of<T extends FromWorker['type']>(type: T, from = 0): Message<T>[] {
    return this.messages.slice(from).filter((m): m is Message<T> => m.type === type);
  }

  last<T extends FromWorker['type']>(type: T): Message<T> | undefined {
    return this.of(type).at(-1);
  }

  /** Message types from index `from` on, loading messages left out. */
  types(from = 0): string[] {
    return this.messages.slice(from).flatMap((m) => (m.type === 'loading' ? [] : [m.type]));
  }

  /** The highest step a metrics message has reported. */
  get step(): number {
    return Math.max(0, ...this.of('metrics').flatMap((m) => m.points.map((p) => p.step)));
  }

  async until(what: string, predicate: () => boolean, timeoutMs = 120_000): Promise<void> {
    const started = Date.now();
    while (!predicate()) {
      if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async start(settings: RunSettings = SETTINGS, snapshot?: Snapshot): Promise<void> {
    await this.send({ type: 'init', settings, snapshot });
  }
}

/** Names of the tensors whose values differ between two snapshots (of the same run). */
function changed(a: Snapshot, b: Snapshot): string[] {
  return Object.keys(b.params)
    .filter((name) => !a.params[name] || a.params[name].data.some((v, i) => v !== b.params[name].data[i]))
    .sort();
}

const trainable = (counts: Message<'counts'>['counts']) => counts.filter((c) => c.trainable).map((c) => c.group);
const OUTPUT = ['out.bias', 'out.weight'];

describe('TrainingSession', () => {
  it('init: ready with the backend, the model and the parameter counts, then the opening evaluation, views and checksum', async () => {
    const page = new Page();
    await page.start();
    expect(page.types()).toEqual(['ready', 'metrics', 'attention', 'example', 'paramChecksum']);
    const ready = page.last('ready')!;
    expect(ready.backend.name).toBe('cpu');
    expect(ready.model).toMatchObject({ label: 'tiny-gpt2', init: 'pretrained', layers: 2, width: 64, heads: 4, seqLen: 10, fused: false });
    expect(ready.step).toBe(0);
    expect(ready.metric).toBe('per-bit accuracy');
    // Tiny GPT-2 (2 layers, width 64) on Bit XOR of 5 bits: 10 tokens in, 1 number each; 2 classes out.
    expect(Object.fromEntries(ready.counts.map((c) => [c.group, [c.params, c.trainable]]))).toEqual({
      input: [1 * 64 + 64, true],
      output: [64 * 2 + 2, true],
      positions: [10 * 64, true],
      layernorm: [(2 * 2 + 1) * 2 * 64, true],
      attention: [2 * (64 * 192 + 192 + 64 * 64 + 64), false],
      feedforward: [2 * (64 * 256 + 256 + 256 * 64 + 64), false],
    });
    const opening = page.last('metrics')!.points;
    expect(opening).toHaveLength(1);
    expect(opening[0].step).toBe(0);
    expect(opening[0].trainLoss).toBeUndefined();
    expect(opening[0].testAccuracy! * 8 * 4 * 5).toBeCloseTo(Math.round(opening[0].testAccuracy! * 160), 9); // 8 batches × 4 examples × 5 bits
    expect(Number.isFinite(opening[0].testLoss)).toBe(true);
    expect(page.last('attention')!.attention.probs).toHaveLength(4 * 10 * 10);
  });

  it('the attention map and the example are those of Trainer.attention and Trainer.predict on the preview batch, for the layer chosen', async () => {
    const page = new Page();
    await page.start();
    await page.send({ type: 'setAttentionLayer', layer: 1 });
    const { config, tensors } = await checkpoint;
    const task = await createTask('bit-xor', { bits: SETTINGS.bits, data: {} });
    const { batchSize, lr, seed, groups } = SETTINGS;
    const trainer = new Trainer(task, config, 'pretrained', { batchSize, lr, seed, groups, evalBatches: PAGE_EVAL_BATCHES }, tensors);
    try {
      for (const layer of [0, 1]) {
        const shown = page.of('attention').filter((m) => m.attention.layer === layer)[0].attention;
        const expected = await trainer.attention(layer, trainer.previewBatch);
        expect(shown.heads).toBe(4);
        expect(shown.seqLen).toBe(10);
        expect(Array.from(shown.probs)).toEqual(Array.from(expected.probs));
      }
      const prediction = await trainer.predict(trainer.previewBatch, 0);
      expect(prediction).toHaveLength(5);
      expect(page.last('example')!.example.prediction).toEqual(prediction);
    } finally {
      trainer.dispose();
    }
  });

  it('changing the attention layer while playing publishes the new layer at once, not at the end of the next update', async () => {
    // Updates of 50 steps, each step posted as it comes: a view that waited for the next update's end
    // would come 50 steps (or, cut short, at least one step) after the layer changed.
    const page = new Page(undefined, { progressEveryMs: 0 });
    await page.start();
    page.session.handle({ type: 'setSpeed', stepsPerUpdate: 50 });
    page.session.handle({ type: 'play' });
    await page.until('two steps', () => page.step >= 2);
    const from = page.messages.length;
    page.session.handle({ type: 'setAttentionLayer', layer: 1 });
    await page.until('the new layer', () => page.of('attention', from).some((m) => m.attention.layer === 1));
    await page.send({ type: 'pause' });
    const since = page.messages.slice(from);
    const first = since.findIndex((m) => m.type === 'attention' && m.attention.layer === 1);
    const shown = (since[first] as Message<'attention'>).attention;
    // The update the message cut short ends with its views of layer 0; then, before any further step, layer 1.
    const before = since.slice(0, first);
    const trainedBefore = Math.max(0, ...page.messages.slice(0, from + first).flatMap((m) => (m.type === 'metrics' ? m.points.map((p) => p.step) : [])));
    expect(shown.step).toBe(trainedBefore);
    expect(before.filter((m): m is Message<'attention'> => m.type === 'attention').map((m) => [m.attention.layer, m.attention.step])).toEqual([
      [0, shown.step],
    ]);
    expect(shown.step).toBeLessThan(50);
    // They are Trainer.views' attention of layer 1 for a run trained the same number of steps.
    const { config, tensors } = await checkpoint;
    const task = await createTask('bit-xor', { bits: SETTINGS.bits, data: {} });
    const { batchSize, lr, seed, groups } = SETTINGS;
    const trainer = new Trainer(task, config, 'pretrained', { batchSize, lr, seed, groups, evalBatches: PAGE_EVAL_BATCHES }, tensors);
    try {
      for (let i = 0; i < shown.step; i++) await trainer.step();
      const expected = await trainer.views(1, trainer.previewBatch, 0);
      expect(Array.from(shown.probs)).toEqual(Array.from(expected.attention.probs));
      const layer0 = await trainer.views(0, trainer.previewBatch, 0);
      expect(Array.from(shown.probs)).not.toEqual(Array.from(layer0.attention.probs));
    } finally {
      trainer.dispose();
    }
  });

  it('refuses settings out of range with a message naming the setting, and builds nothing', async () => {
    const page = new Page();
    await page.start({ ...SETTINGS, batchSize: 0 });
    expect(page.types()).toEqual(['running', 'error']);
    expect(page.last('error')!.message).toMatch(/batchSize/);
    await page.send({ type: 'step' }, { type: 'play' });
    expect(page.of('metrics')).toEqual([]);
  });

  it('refuses a speed out of range (0, NaN, fractional) with a message naming it, and stops playing', async () => {
    const page = new Page(undefined, { progressEveryMs: Infinity });
    await page.start();
    for (const stepsPerUpdate of [0, NaN, 2.5]) {
      const from = page.messages.length;
      await page.send({ type: 'play' }, { type: 'setSpeed', stepsPerUpdate });
      expect(page.of('error', from).map((m) => m.message)).toEqual([`Steps per update: must be an integer in 1..10000, not ${stepsPerUpdate}`]);
      expect(page.of('running', from).at(-1)!.running).toBe(false);
    }
  });

  it('cancelLoad does not wait in the queue: it aborts the download of the init in progress', async () => {
    const page = new Page(
      (_model, _weights, _progress, signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(abortReason(signal)))),
    );
    page.session.handle({ type: 'init', settings: SETTINGS });
    await page.until('the download to start', () => page.messages.some((m) => m.type === 'loading' && m.message.startsWith('Loading tiny-gpt2')));
    await page.send({ type: 'cancelLoad' });
    expect(page.last('error')!.message).toMatch(/^Download cancelled/);
    expect(page.of('ready')).toEqual([]);
  });

  it('step, setGroups and step sent together apply in that order: the first step trains the old groups, the second the new ones', async () => {
    const page = new Page();
    await page.start();
    const from = page.messages.length;
    await page.send({ type: 'step' }, { type: 'setGroups', groups: ['output'] }, { type: 'step' });
    expect(page.types(from)).toEqual([
      ...['metrics', 'attention', 'example', 'snapshot', 'paramChecksum'],
      ...['counts', 'paramChecksum'],
      ...['metrics', 'attention', 'example', 'snapshot', 'paramChecksum'],
    ]);
    const [first, second] = page.of('metrics', from);
    expect(first.points.map((p) => p.step)).toEqual([1]);
    expect(second.points.map((p) => p.step)).toEqual([2]);
    expect(first.updated!.sort()).toEqual(
      [
        'in.bias',
        'in.weight',
        'ln_f.bias',
        'ln_f.weight',
        'out.bias',
        'out.weight',
        'wpe.weight',
        ...[0, 1].flatMap((l) => [`h.${l}.ln_1.bias`, `h.${l}.ln_1.weight`, `h.${l}.ln_2.bias`, `h.${l}.ln_2.weight`]),
      ].sort(),
    );
    expect(second.updated!.sort()).toEqual(OUTPUT);
    expect(trainable(page.last('counts')!.counts)).toEqual(['output']);
    const [s1, s2] = page.of('snapshot', from).map((m) => m.snapshot);
    expect([s1.step, s2.step]).toEqual([1, 2]);
    // Snapshots keep every tensor trained so far; between them only the output head changed.
    expect(Object.keys(s2.params).sort()).toEqual(first.updated!.sort());
    expect(changed(s1, s2)).toEqual(OUTPUT);
    // Manual steps are evaluated at once, and carry their loss and gradient norm.
    for (const { points } of [first, second]) {
      expect(points[0].testAccuracy).toBeGreaterThanOrEqual(0);
      expect(points[0].gradNorm).toBeGreaterThan(0);
      expect(Number.isFinite(points[0].trainLoss)).toBe(true);
    }
  });

  it('setLearningRate waits its turn too: a step sent before it still takes the old rate', async () => {
    const page = new Page();
    await page.start();
    await page.send({ type: 'step' });
    await page.send({ type: 'step' }, { type: 'setLearningRate', lr: 1e-5 }, { type: 'step' });
    const [s1, s2, s3] = page.of('snapshot').map((m) => m.snapshot);
    expect([s1.step, s2.step, s3.step]).toEqual([1, 2, 3]);
    // Adam moves each value by about lr per step (at most a few lr): 1e-3 for step 2, 1e-5 for step 3.
    const largestMove = (a: Snapshot, b: Snapshot) =>
      Object.keys(b.params).reduce((most, n) => b.params[n].data.reduce((m, v, i) => Math.max(m, Math.abs(v - a.params[n].data[i])), most), 0);
    expect(largestMove(s1, s2)).toBeGreaterThan(5e-4);
    expect(largestMove(s2, s3)).toBeLessThan(1e-4);
    expect(largestMove(s2, s3)).toBeGreaterThan(0);
  });

  it('group changes: counts follow, and the next step trains exactly the groups now chosen', async () => {
    const page = new Page();
    await page.start();
    await page.send({ type: 'step' });
    const from = page.messages.length;
    const groups: GroupName[] = ['attention', 'output'];
    await page.send({ type: 'setGroups', groups }, { type: 'step' });
    const counts = page.last('counts')!.counts;
    expect(trainable(counts)).toEqual(['output', 'attention']);
    expect(counts.filter((c) => c.trainable).reduce((a, c) => a + c.params, 0)).toBe(64 * 2 + 2 + 2 * (64 * 192 + 192 + 64 * 64 + 64));
    const attention = [0, 1].flatMap((l) => [`h.${l}.attn.c_attn.bias`, `h.${l}.attn.c_attn.weight`, `h.${l}.attn.c_proj.bias`, `h.${l}.attn.c_proj.weight`]);
    expect(page.last('metrics')!.updated!.sort()).toEqual([...attention, ...OUTPUT].sort());
    const before = page.of('snapshot').at(-2)!.snapshot;
    const after = page.last('snapshot')!.snapshot;
    expect(changed(before, after)).toEqual([...attention, ...OUTPUT].sort());
    // A group once trained stays in the snapshots (frozen now, its values still differ from the start).
    expect(Object.keys(after.params)).toContain('wpe.weight');
    expect(page.types(from)[0]).toBe('counts');
  });

  it('play runs updates of stepsPerUpdate steps; pause stops after the step in progress and settles the run; step then takes one step', async () => {
    // Steps are posted once per update here (never in between): see the next test for slow steps.
    const page = new Page(undefined, { progressEveryMs: Infinity });
    await page.start();
    page.session.handle({ type: 'setSpeed', stepsPerUpdate: 3 });
    page.session.handle({ type: 'play' });
    await page.until('six steps', () => page.step >= 6);
    await page.send({ type: 'pause' });
    expect(page.of('running').map((m) => m.running)).toEqual([true, false]);
    const stopped = page.step;
    // Every step once, in order, in updates of at most 3 (an update ends early when a message waits).
    const steps = page.of('metrics').flatMap((m) => m.points.filter((p) => p.trainLoss !== undefined).map((p) => p.step));
    expect(steps).toEqual(Array.from({ length: stopped }, (_, i) => i + 1));
    expect(Math.max(...page.of('metrics').map((m) => m.points.filter((p) => p.trainLoss !== undefined).length))).toBe(3);
    // The step it stopped at is evaluated, snapshotted and fingerprinted.
    expect(
      page
        .of('metrics')
        .flatMap((m) => m.points)
        .filter((p) => p.step === stopped && p.testAccuracy !== undefined),
    ).toHaveLength(1);
    expect(page.last('snapshot')!.snapshot.step).toBe(stopped);
    expect(page.last('paramChecksum')!.step).toBe(stopped);
    // Nothing runs while paused; a step is one step.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(page.step).toBe(stopped);
    await page.send({ type: 'step' });
    expect(page.step).toBe(stopped + 1);
    // Step is ignored while playing, and the held-out evaluation too (it would stall the run).
    page.session.handle({ type: 'play' });
    page.session.handle({ type: 'step' });
    page.session.handle({ type: 'evaluateHeldOut' });
    await page.until('two more steps', () => page.step >= stopped + 3);
    await page.send({ type: 'pause' });
    expect(page.of('heldOut')).toEqual([]);
    const all = page.of('metrics').flatMap((m) => m.points.filter((p) => p.trainLoss !== undefined).map((p) => p.step));
    expect(all).toEqual(Array.from({ length: page.step }, (_, i) => i + 1));
  });

  it('slow steps are posted one by one as they come; evaluation, attention map and example once per update', async () => {
    // progressEveryMs 0: every step counts as slow (SwiftShader's steps take seconds).
    const page = new Page(undefined, { progressEveryMs: 0 });
    await page.start();
    const from = page.messages.length;
    page.session.handle({ type: 'setSpeed', stepsPerUpdate: 5 });
    page.session.handle({ type: 'play' });
    await page.until('ten steps', () => page.step >= 10);
    await page.send({ type: 'pause' });
    // The first two updates (the pause may land after an eleventh step has begun).
    const examples = page.messages.flatMap((m, i) => (i >= from && m.type === 'example' ? [i] : []));
    const playing = page.messages.slice(from, examples[1] + 1);
    const metrics = playing.filter((m): m is Message<'metrics'> => m.type === 'metrics');
    // One message per step, each with that step's loss and the trained tensors (the diagram's outline).
    expect(metrics.map((m) => m.points.map((p) => p.step))).toEqual(Array.from({ length: 10 }, (_, i) => [i + 1]));
    expect(metrics.every((m) => m.points[0].trainLoss !== undefined && m.msPerStep > 0 && m.updated!.includes('out.weight'))).toBe(true);
    // The held-out evaluation only at step 10 (EVAL_EVERY); the views after each update of 5 steps.
    expect(metrics.filter((m) => m.points[0].testAccuracy !== undefined).map((m) => m.points[0].step)).toEqual([10]);
    const order = playing
      .filter((m) => m.type === 'metrics' || m.type === 'attention' || m.type === 'example')
      .map((m) => (m.type === 'metrics' ? m.points[0].step : m.type));
    expect(order).toEqual([1, 2, 3, 4, 5, 'attention', 'example', 6, 7, 8, 9, 10, 'attention', 'example']);
    // Pausing evaluates the step it stopped at once: none twice.
    const evaluated = page.of('metrics', from).flatMap((m) => m.points.filter((p) => p.testAccuracy !== undefined).map((p) => p.step));
    expect(new Set(evaluated).size).toBe(evaluated.length);
  });

  it('how often the screen updates does not change the training: the same losses and values at 1 and 5 steps per update', async () => {
    const runs = [];
    for (const stepsPerUpdate of [1, 5]) {
      const page = new Page(undefined, { progressEveryMs: stepsPerUpdate === 1 ? Infinity : 0 });
      await page.start();
      page.session.handle({ type: 'setSpeed', stepsPerUpdate });
      page.session.handle({ type: 'play' });
      await page.until('ten steps', () => page.step >= 10);
      await page.send({ type: 'pause' });
      const losses = page.of('metrics').flatMap((m) => m.points.filter((p) => p.trainLoss !== undefined && p.step <= 10).map((p) => p.trainLoss));
      const tenth = page
        .of('metrics')
        .flatMap((m) => m.points)
        .find((p) => p.step === 10 && p.testAccuracy !== undefined);
      runs.push({ losses, accuracy: tenth?.testAccuracy, loss: tenth?.testLoss });
    }
    expect(runs[0].losses).toHaveLength(10);
    expect(runs[0].accuracy).toBeGreaterThan(0);
    expect(runs[1]).toEqual(runs[0]);
  });

  it('init again resets the run: step 0, the starting values, and no tensor left from the old run', async () => {
    const page = new Page();
    await page.start();
    const fresh = page.last('paramChecksum')!;
    const tensors = tf.memory().numTensors;
    await page.send({ type: 'step' }, { type: 'step' });
    expect(page.last('paramChecksum')!.checksum).not.toBe(fresh.checksum);
    await page.start();
    expect(page.last('ready')!.step).toBe(0);
    expect(page.last('paramChecksum')).toEqual(fresh);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('a snapshot restores the same trainable values and step; one that does not fit is refused and nothing is built', async () => {
    const page = new Page();
    await page.start();
    await page.send({ type: 'step' }, { type: 'setGroups', groups: ['output', 'feedforward'] }, { type: 'step' }, { type: 'step' });
    const snapshot = page.last('snapshot')!.snapshot;
    const checksum = page.last('paramChecksum')!;
    expect([snapshot.step, checksum.step]).toEqual([3, 3]);

    // Restored with the run's current groups (the page's settings follow setGroups).
    const restored = new Page();
    await restored.start({ ...SETTINGS, groups: ['output', 'feedforward'] }, snapshot);
    expect(restored.last('ready')!.step).toBe(3);
    expect(restored.last('metrics')!.points.map((p) => p.step)).toEqual([3]);
    expect(restored.last('paramChecksum')).toEqual(checksum);
    // Its next snapshot carries every tensor of the old one (frozen groups too), at step 4.
    await restored.send({ type: 'step' });
    const next = restored.last('snapshot')!.snapshot;
    expect(next.step).toBe(4);
    expect(Object.keys(next.params).sort()).toEqual(Object.keys(snapshot.params).sort());
    // The input and position tensors trained at step 1 came back with their trained values.
    expect(next.params['wpe.weight'].data).toEqual(snapshot.params['wpe.weight'].data);

    const refused = new Page();
    await refused.start(SETTINGS, { step: 5, params: { 'wpe.weight': { shape: [3, 64], data: new Float32Array(3 * 64) } } });
    expect(refused.types()).toEqual(['snapshotRefused']);
    expect(refused.last('snapshotRefused')!.message).toMatch(/wpe\.weight does not fit/);
    await refused.send({ type: 'step' });
    expect(refused.of('metrics')).toEqual([]);
  });

  it('a lost device stops training at once and posts nothing more; a new session restarts from the last snapshot', async () => {
    const page = new Page();
    await page.start();
    await page.send({ type: 'step' }, { type: 'step' });
    const saved = page.last('snapshot')!.snapshot;
    const savedChecksum = page.last('paramChecksum')!;
    page.session.handle({ type: 'play' });
    await page.until('two steps of play', () => page.step >= 4);
    page.session.handle({ type: 'debugLoseDevice' });
    await page.until('the loss', () => page.of('deviceLost').length > 0);
    await page.session.idle();
    const lostAt = page.messages.findIndex((m) => m.type === 'deviceLost');
    expect(page.last('deviceLost')!.message).toBe('The GPU device was lost (destroyed: Device was destroyed.).');
    expect(page.messages[lostAt - 1]).toEqual({ type: 'running', running: false });
    // Values of a lost device are not the run's: no metrics, snapshot or checksum after it, and no more steps.
    await page.send({ type: 'play' }, { type: 'step' });
    expect(page.types(lostAt + 1)).toEqual([]);
    expect(page.last('snapshot')!.snapshot).toBe(saved);

    // The page restarts on a new worker (a new session) with the last snapshot it holds.
    const restarted = new Page();
    await restarted.start(SETTINGS, saved);
    expect(restarted.last('ready')!.step).toBe(saved.step);
    expect(restarted.last('paramChecksum')).toEqual(savedChecksum);
    await restarted.send({ type: 'step' });
    expect(restarted.step).toBe(saved.step + 1);
  });

  it('exported adapters import into a fresh run of the same settings with the same values; a damaged file is refused by name', async () => {
    const page = new Page();
    await page.start();
    await page.send({ type: 'step' }, { type: 'step' }, { type: 'exportAdapters', appVersion: '9.9.9' });
    const exported = page.last('adaptersExported')!;
    expect([exported.task, exported.step]).toEqual(['bit-xor', 2]);
    const trained = page.last('paramChecksum')!.checksum;

    const other = new Page();
    await other.start();
    const from = other.messages.length;
    await other.send({ type: 'importAdapters', bytes: exported.bytes.slice(0), fileName: 'run.safetensors' });
    const imported = other.last('adaptersImported')!;
    expect(imported.ok).toBe(true);
    expect(imported.ok && imported.tensors.sort()).toEqual(page.of('metrics').at(-1)!.updated!.sort());
    expect(other.types(from)).toEqual(['adaptersImported', 'attention', 'example', 'snapshot', 'paramChecksum']);
    expect(other.last('paramChecksum')!).toEqual({ type: 'paramChecksum', step: 0, checksum: trained });

    const before = other.messages.length;
    await other.send({ type: 'importAdapters', bytes: new Uint8Array(exported.bytes).slice(0, 100).buffer, fileName: 'broken.safetensors' });
    const refused = other.last('adaptersImported')!;
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.message).toMatch(/^broken\.safetensors was not imported\. /);
    expect(other.types(before)).toEqual(['adaptersImported']);
  });

  it('evaluateHeldOut measures the fixed held-out sample of a generated task', async () => {
    // 300 examples instead of the page's 2,000 (the cpu backend is slow): two batches, one partial.
    const page = new Page(undefined, { heldOutSample: 300 });
    await page.start();
    await page.send({ type: 'step' }, { type: 'evaluateHeldOut' });
    const { result } = page.last('heldOut')!;
    expect(result).toMatchObject({ set: 'fixed sample', examples: 300, step: 1 });
    // 300 examples of 5 bits: a whole number of correct bits.
    expect(result.accuracy * 1500).toBeCloseTo(Math.round(result.accuracy * 1500), 6);
    expect(Number.isFinite(result.loss)).toBe(true);
  });
});
