/// <reference lib="webworker" />
/**
 * The training worker: owns the TF.js backend and the Trainer, runs steps while playing, and streams
 * metrics, attention maps, previews and snapshots to the page (protocol.ts).
 */
import { startBackend, type BackendName } from '../engine/backend';
import { WASM_PATHS } from './wasm-paths';
import { createTask } from '../engine/tasks';
import { tf } from '../engine/tf';
import { Trainer } from '../engine/train/trainer';
import { GPT2_PRESETS } from '../weights/gpt2-checkpoint';
import { isAbortError } from '../weights/load';
import { loadModelSource } from './model-source';
import { describeExample, tokenLabels } from './presentation';
import { CachedHeadTrainer, measureUncachedEpoch } from '../engine/train/feature-cache';
import { gpt2ParameterTotal, isGpt2Size } from '../engine/paper-numbers';
import { PAGE_EVAL_BATCHES, type FeatureCacheReport, type FromWorker, type MetricsPoint, type RunSettings, type Snapshot, type ToWorker } from './protocol';
import { AdapterImportError, backboneSha256, exportAdapters, trainableChecksum, type AdapterFileExpectation } from '../engine/adapter-file';
import { browserTaskData } from './task-data';
import { parseRecord } from '../engine/records';
import { runSettingsSchema } from './settings-schema';

declare const self: DedicatedWorkerGlobalScope;

/** Held-out evaluation (test accuracy) at the end of an update once this many steps have passed since the last. */
const EVAL_EVERY = 10;
/** The page's test accuracy is the mean over this many held-out batches. */
const EVAL_BATCHES = PAGE_EVAL_BATCHES;
/**
 * A snapshot of the trained values (for restarts after a lost device, and autosave) every this many
 * steps while playing, and whenever training stops (a manual step, a pause, an import).
 */
const SNAPSHOT_EVERY = 20;

let trainer: Trainer | null = null;
let running = false;
let stepsPerUpdate = 1;
let attentionLayer = 0;
let deviceLost = false;
let loadController: AbortController | null = null;
let lastEvalStep = 0;
/** What the current run's adapter files record and must match on import. */
let run: { settings: RunSettings; identity: AdapterFileExpectation } | null = null;
/** The step of the last snapshot posted (none twice for one step). */
let lastSnapshotStep = -1;
/** Set while the output head trains on cached features. */
let cached: { head: CachedHeadTrainer; report: FeatureCacheReport } | null = null;

/** Examples in the fixed dataset whose features are cached (an epoch is one pass over them). */
const CACHE_DATASET = 256;

const post = (msg: FromWorker, transfer: Transferable[] = []) => self.postMessage(msg, transfer);

function backendPreference(choice: RunSettings['backend']): BackendName[] {
  return choice === 'auto' ? ['webgpu', 'webgl', 'wasm', 'cpu'] : [choice];
}

function watchDevice(): void {
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  device?.lost.then((info) => {
    deviceLost = true;
    running = false;
    post({ type: 'running', running: false });
    post({ type: 'deviceLost', message: `The GPU device was lost (${info.reason}${info.message ? `: ${info.message}` : ''}).` });
  });
}

/**
 * Switches output-only training onto cached features: builds the cache once and measures, on this
 * device, an uncached output-only epoch for comparison.
 */
async function setFeatureCache(enabled: boolean): Promise<void> {
  stopFeatureCache();
  if (!enabled || !trainer) return;
  const head = new CachedHeadTrainer(trainer, CACHE_DATASET);
  post({ type: 'loading', message: 'Measuring uncached output-only training…' });
  const uncached = await measureUncachedEpoch(trainer, head.data, 5);
  post({ type: 'loading', message: `Caching the frozen body's features for ${CACHE_DATASET} examples…` });
  const started = performance.now();
  await head.build();
  const report: FeatureCacheReport = {
    enabled: true,
    datasetSize: CACHE_DATASET,
    stepsPerEpoch: head.stepsPerEpoch,
    buildSeconds: (performance.now() - started) / 1000,
    uncachedSecondsPerEpoch: uncached.secondsPerEpoch,
    cachedSecondsPerEpoch: null,
  };
  cached = { head, report };
  post({ type: 'featureCache', report });
}

function stopFeatureCache(): void {
  if (!cached) return;
  cached.head.dispose();
  cached = null;
  post({ type: 'featureCache', report: null });
}

async function init(requested: RunSettings, snapshot?: import('./protocol').Snapshot): Promise<void> {
  // Settings come from links, controls and saved runs: checked here too, before anything is built.
  const settings = parseRecord(runSettingsSchema, requested, 'The run settings');
  running = false;
  stopFeatureCache();
  trainer?.dispose();
  trainer = null;
  post({ type: 'loading', message: 'Starting the GPU backend…' });
  const backend = await startBackend(backendPreference(settings.backend), settings.backend !== 'auto', { wasmPaths: WASM_PATHS });
  if (backend.name === 'webgpu') watchDevice();
  post({ type: 'loading', message: settings.init === 'random' ? 'Preparing the model…' : `Loading ${settings.model} weights…` });
  loadController = new AbortController();
  const source = await loadModelSource(settings.model, settings.init !== 'random', (progress) => post({ type: 'loadProgress', progress }), loadController.signal)
    .catch((err: unknown) => {
      if (isAbortError(err) || !(settings.model in GPT2_PRESETS)) throw err;
      throw new Error(
        `Pretrained ${settings.model} weights could not be loaded. ${(err as Error).message}. ` +
          `Run \`npm run models:${settings.model}\` once on a machine with a network (or open the page online), ` +
          `or choose the random backbone, which needs no download.`,
      );
    })
    .finally(() => {
      loadController = null;
    });
  source.warnings.forEach((message) => post({ type: 'warning', message }));
  post({ type: 'loading', message: 'Preparing the task…' });
  const task = await createTask(settings.task, { bitXor: { bits: settings.bits }, data: browserTaskData });
  post({ type: 'loading', message: `Building ${source.label} (${settings.init})…` });
  trainer = new Trainer(
    task,
    source.config,
    settings.init,
    { batchSize: settings.batchSize, lr: settings.lr, seed: settings.seed, groups: settings.groups, evalBatches: EVAL_BATCHES },
    source.tensors,
  );
  lastSnapshotStep = -1;
  if (snapshot) {
    try {
      trainer.restore(snapshot);
    } catch (error) {
      // Saved for another model (a checkpoint replaced under the same name, say): the page drops it.
      trainer.dispose();
      trainer = null;
      post({ type: 'snapshotRefused', message: `its saved trainable values do not fit this model (${error instanceof Error ? error.message : String(error)}).` });
      return;
    }
    lastSnapshotStep = snapshot.step;
  }
  attentionLayer = Math.min(attentionLayer, source.config.nLayer - 1);
  run = {
    settings,
    identity: {
      baseModel: { name: source.label, sha256: await backboneSha256({ config: source.config, init: settings.init, seed: settings.seed, sourceSha256: source.sourceSha256 }) },
      architecture: { layers: source.config.nLayer, width: source.config.nEmbd, heads: source.config.nHead },
      task: settings.task,
    },
  };
  const first = await trainer.evaluate();
  lastEvalStep = trainer.stepCount;
  const { nLayer, nEmbd, nHead } = source.config;
  post({
    type: 'ready',
    backend,
    model: { label: source.label, init: settings.init, layers: nLayer, width: nEmbd, heads: nHead, seqLen: task.seqLen, fused: trainer.model.fused, paperTotal: isGpt2Size(source.config) ? gpt2ParameterTotal(source.config) : undefined },
    counts: trainer.counts(),
    metric: task.metric,
    step: trainer.stepCount,
  });
  post({ type: 'metrics', points: [{ step: trainer.stepCount, testAccuracy: first.accuracy, testLoss: first.loss }], msPerStep: 0, gpuBytes: tf.memory().numBytes });
  await publishViews();
  await publishChecksum();
}

/** Trainer.snapshot(): every parameter trained so far in this run, plus the step count; once per step. */
async function publishSnapshot(): Promise<void> {
  // Values read from a lost device are not the run's: keep the last good snapshot for the restart.
  if (!trainer || deviceLost || trainer.stepCount === lastSnapshotStep) return;
  const snapshot: Snapshot = await trainer.snapshot();
  if (deviceLost) return;
  lastSnapshotStep = snapshot.step;
  post({ type: 'snapshot', snapshot });
}

async function publishChecksum(): Promise<void> {
  if (!trainer) return;
  post({ type: 'paramChecksum', step: trainer.stepCount, checksum: await trainableChecksum(trainer.model) });
}

async function exportRun(appVersion: string): Promise<void> {
  if (!trainer || !run) return;
  const bytes = await exportAdapters(trainer.model, {
    ...run.identity,
    init: run.settings.init,
    appVersion,
    groups: trainer.model.groups,
    settings: { ...run.settings, groups: trainer.model.groups, lr: trainer.adam.options.lr },
  });
  const buffer = bytes.buffer as ArrayBuffer;
  post({ type: 'adaptersExported', bytes: buffer, task: run.settings.task, step: trainer.stepCount }, [buffer]);
}

async function importRun(bytes: ArrayBuffer, fileName: string): Promise<void> {
  if (!trainer || !run) return;
  try {
    const tensors = trainer.importAdapters(bytes, run.identity, fileName);
    post({ type: 'adaptersImported', ok: true, tensors });
    lastSnapshotStep = -1;
  } catch (error) {
    if (!(error instanceof AdapterImportError)) throw error;
    post({ type: 'adaptersImported', ok: false, message: `${fileName} was not imported. ${error.message}` });
    return;
  }
  await publishViews();
  await publishSnapshot();
  await publishChecksum();
}

async function publishViews(): Promise<void> {
  if (!trainer) return;
  const batch = trainer.previewBatch;
  const map = await trainer.attention(attentionLayer, batch);
  post(
    {
      type: 'attention',
      attention: { step: trainer.stepCount, layer: map.layer, heads: map.heads, seqLen: map.seqLen, probs: map.probs, tokenLabels: tokenLabels(trainer.task, batch, 0) },
    },
    [map.probs.buffer],
  );
  post({ type: 'example', example: describeExample(trainer.task, batch, 0, await trainer.predict(batch, 0)) });
}

/** `whilePlaying`: stop early when Pause arrives, so pausing takes effect after the current step. */
async function runSteps(count: number, whilePlaying = false): Promise<void> {
  if (!trainer || deviceLost) return;
  const points: MetricsPoint[] = [];
  const started = performance.now();
  for (let i = 0; i < count && (running || !whilePlaying); i++) {
    points.push({ step: trainer.stepCount + 1, trainLoss: await (cached ? cached.head.step() : trainer.step()) });
    // Yield so a Pause message can land between steps (reads may resolve without a macrotask on cpu).
    if (whilePlaying) await new Promise((resolve) => setTimeout(resolve, 0));
  }
  if (points.length === 0) return;
  const msPerStep = (performance.now() - started) / points.length;
  // Manual steps always show their effect; while playing, evaluation is spaced out to keep steps fast.
  if (!running || trainer.stepCount - lastEvalStep >= EVAL_EVERY) {
    const ev = await trainer.evaluate();
    Object.assign(points[points.length - 1], { testAccuracy: ev.accuracy, testLoss: ev.loss });
    lastEvalStep = trainer.stepCount;
  }
  // Before the metrics: whoever sees a step count can rely on the snapshot it implies having arrived.
  if (Math.floor(trainer.stepCount / SNAPSHOT_EVERY) !== Math.floor((trainer.stepCount - points.length) / SNAPSHOT_EVERY)) {
    await publishSnapshot();
  }
  post({ type: 'metrics', points, msPerStep, gpuBytes: tf.memory().numBytes, updated: trainer.model.trainableNames() });
  if (cached) {
    const { head, report } = cached;
    report.cachedSecondsPerEpoch = head.secondsPerEpoch;
    post({ type: 'featureCache', report });
  }
  await publishViews();
  if (!running) {
    await publishSnapshot();
    await publishChecksum();
  }
}

/**
 * Everything that touches the trainer runs one job at a time, in order: a Step pressed during an
 * update, or Play during the first evaluation, must not interleave with it.
 */
let queue: Promise<void> = Promise.resolve();
function serial(job: () => Promise<void>): void {
  queue = queue.then(job).catch(fail);
}

/** One update while playing, then the next one queued behind whatever commands arrived meanwhile. */
function tick(): void {
  serial(async () => {
    if (!running || !trainer || deviceLost) return;
    await runSteps(stepsPerUpdate, true);
    setTimeout(tick, 0);
  });
}

function fail(err: unknown): void {
  running = false;
  post({ type: 'running', running: false });
  const message = isAbortError(err)
    ? 'Download cancelled. Verified shards stay cached: Try again resumes where it stopped.'
    : err instanceof Error
      ? err.message
      : String(err);
  post({ type: 'error', message });
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  switch (msg.type) {
    case 'init':
      serial(() => init(msg.settings, msg.snapshot));
      break;
    case 'play':
      if (!trainer || running || deviceLost) return;
      running = true;
      post({ type: 'running', running: true });
      tick();
      break;
    case 'pause':
      running = false;
      post({ type: 'running', running: false });
      break;
    case 'step':
      if (!running) serial(() => runSteps(1));
      break;
    case 'setGroups':
      if (!trainer) return;
      // The cache holds the frozen body's output: it is only valid while nothing but the head trains.
      if (cached && (msg.groups.length !== 1 || msg.groups[0] !== 'output')) serial(async () => stopFeatureCache());
      trainer.setGroups(msg.groups);
      post({ type: 'counts', counts: trainer.counts() });
      if (!running) serial(publishChecksum);
      break;
    case 'setLearningRate':
      trainer?.setLearningRate(msg.lr);
      break;
    case 'setSpeed':
      stepsPerUpdate = Math.max(1, Math.round(msg.stepsPerUpdate));
      break;
    case 'setAttentionLayer':
      attentionLayer = msg.layer;
      if (!running) serial(publishViews);
      break;
    case 'setFeatureCache':
      serial(() => setFeatureCache(msg.enabled));
      break;
    case 'exportAdapters':
      serial(() => exportRun(msg.appVersion));
      break;
    case 'importAdapters':
      serial(() => importRun(msg.bytes, msg.fileName));
      break;
    case 'cancelLoad':
      loadController?.abort();
      break;
    case 'evaluateHeldOut':
      if (!trainer || running) return;
      serial(async () => {
        if (trainer) post({ type: 'heldOut', result: await trainer.evaluateHeldOut() });
      });
      break;
    case 'debugLoseDevice':
      (tf.backend() as unknown as { device?: GPUDevice }).device?.destroy();
      break;
  }
};
