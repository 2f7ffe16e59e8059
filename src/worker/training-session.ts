/**
 * One training run on the worker's side of the protocol (protocol.ts): owns the Trainer, runs steps
 * while playing, and posts metrics, attention maps, previews and snapshots through the `post` function
 * it is given. The worker file (training-worker.ts) is a thin adapter around it; tests drive it directly
 * on the cpu backend.
 *
 * Order: every message goes through ONE job queue and is handled in arrival order, one job at a time,
 * each job running to its end before the next starts. While playing, the queue also holds the next
 * update (up to `stepsPerUpdate` steps), placed behind whatever arrived during the current one; an
 * update stops early, after the step in progress, when a message is waiting, so Pause, a group change
 * or a new learning rate takes effect after at most one more step, and always in the order sent.
 * Two things do not wait in the queue: `cancelLoad`, addressed to the download of the `init` job in
 * progress, and a lost device (an event of the accelerator, not a message), which stops training at once.
 */
import type { BackendInfo, BackendName } from '../engine/backend';
import type { TaskDataSources } from '../engine/tasks';
import { createTask } from '../engine/tasks';
import { tf } from '../engine/tf';
import { checkRange, LIMITS } from '../engine/train/limits';
import { Trainer } from '../engine/train/trainer';
import { GPT2_PRESETS } from '../weights/gpt2-checkpoint';
import { isAbortError, type LoadProgress } from '../weights/load';
import type { ModelSource } from './model-source';
import { describeExample, tokenLabels } from './presentation';
import { CachedHeadTrainer, measureUncachedEpoch } from '../engine/train/feature-cache';
import { gpt2ParameterTotal, isGpt2Size } from '../engine/paper-numbers';
import {
  PAGE_EVAL_BATCHES,
  type BackendChoice,
  type FeatureCacheReport,
  type FromWorker,
  type MetricsPoint,
  type RunSettings,
  type Snapshot,
  type ToWorker,
} from './protocol';
import { AdapterImportError, backboneSha256, exportAdapters, trainableChecksum, type AdapterFileExpectation } from '../engine/adapter-file';
import type { GroupName } from '../engine/groups';
import { parseRecord } from '../engine/records';
import { runSettingsSchema } from './settings-schema';

/** Held-out evaluation (test accuracy) at the end of an update once this many steps have passed since the last. */
export const EVAL_EVERY = 10;
/**
 * A snapshot of the trained values (for restarts after a lost device, and autosave) every this many
 * steps while playing, and whenever training stops (a manual step, a pause, an import).
 */
export const SNAPSHOT_EVERY = 20;
/** Examples in the fixed dataset whose features are cached (an epoch is one pass over them). */
export const CACHE_DATASET = 256;

/** Sends a message to the page; `transfer` lists buffers handed over instead of copied. */
export type Post = (message: FromWorker, transfer?: Transferable[]) => void;

/** What the session needs from where it runs: the browser worker's (training-worker.ts), or a test's. */
export interface SessionHost {
  startBackend(preference: BackendName[], strict: boolean): Promise<BackendInfo>;
  loadModel(model: string, needWeights: boolean, onProgress: (progress: LoadProgress) => void, signal: AbortSignal): Promise<ModelSource>;
  taskData: TaskDataSources;
  /** After the backend started: calls `onLost` (with the reason) if its device is lost. Backends without a device never call it. */
  watchDevice(onLost: (reason: string) => void): void;
  /** `debugLoseDevice`: destroys the device; resolves once the loss has been reported to `watchDevice`'s callback. */
  loseDevice(): Promise<void>;
}

export function backendPreference(choice: BackendChoice): BackendName[] {
  return choice === 'auto' ? ['webgpu', 'webgl', 'wasm', 'cpu'] : [choice];
}

export interface SessionOptions {
  /** Examples of the fixed sample `evaluateHeldOut` measures a generated task on (default: the Trainer's 2,000). */
  heldOutSample?: number;
  /**
   * Within an update, the steps taken so far are posted (as metrics, without evaluation or views)
   * once this many ms have passed since the last post (default PROGRESS_EVERY_MS), so that slow steps
   * still move the step counter and the loss curve one by one while the heatmaps, the example and the
   * held-out evaluation wait for the end of the update.
   */
  progressEveryMs?: number;
}

/** See SessionOptions.progressEveryMs: slower steps (SwiftShader's) show one by one, faster ones once per update. */
export const PROGRESS_EVERY_MS = 500;

type Job = { kind: 'message'; message: ToWorker } | { kind: 'update' };

const macrotask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export class TrainingSession {
  private readonly jobs: Job[] = [];
  private draining = false;
  private idleWaiters: (() => void)[] = [];

  private trainer: Trainer | null = null;
  /** What the current run's adapter files record and must match on import. */
  private run: { settings: RunSettings; identity: AdapterFileExpectation } | null = null;
  private running = false;
  private stepsPerUpdate = 1;
  private attentionLayer = 0;
  private deviceLost = false;
  private loadController: AbortController | null = null;
  private lastEvalStep = 0;
  /** The step of the last snapshot posted (none twice for one step). */
  private lastSnapshotStep = -1;
  /** Set while the output head trains on cached features. */
  private cached: { head: CachedHeadTrainer; report: FeatureCacheReport } | null = null;
  private readonly progressEveryMs: number;
  /** What the session passes on to the Trainer. */
  private readonly trainerOptions: Pick<SessionOptions, 'heldOutSample'>;

  constructor(
    private readonly post: Post,
    private readonly host: SessionHost,
    options: SessionOptions = {},
  ) {
    const { progressEveryMs = PROGRESS_EVERY_MS, ...trainerOptions } = options;
    this.progressEveryMs = progressEveryMs;
    this.trainerOptions = trainerOptions;
  }

  /** Takes one message from the page: queued behind the others (but `cancelLoad`, see the header). */
  handle(message: ToWorker): void {
    if (message.type === 'cancelLoad') {
      this.loadController?.abort();
      return;
    }
    this.enqueue({ kind: 'message', message });
  }

  /** Resolves when the queue is empty and no job runs (never while playing: each update queues the next). */
  idle(): Promise<void> {
    if (!this.draining && this.jobs.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private enqueue(job: Job): void {
    this.jobs.push(job);
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    for (let job = this.jobs.shift(); job; job = this.jobs.shift()) {
      try {
        await (job.kind === 'update' ? this.update() : this.apply(job.message));
      } catch (error) {
        this.fail(error);
      }
    }
    this.draining = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    waiters.forEach((resolve) => resolve());
  }

  private async apply(msg: ToWorker): Promise<void> {
    switch (msg.type) {
      case 'init':
        return this.init(msg.settings, msg.snapshot);
      case 'play':
        if (!this.trainer || this.running || this.deviceLost) return;
        this.setRunning(true);
        this.jobs.push({ kind: 'update' });
        return;
      case 'pause': {
        const wasRunning = this.running;
        this.setRunning(false);
        if (wasRunning) await this.settle();
        return;
      }
      case 'step':
        if (!this.running) await this.runSteps(1, false);
        return;
      case 'setGroups':
        return this.setGroups(msg.groups);
      case 'setLearningRate':
        this.trainer?.setLearningRate(msg.lr);
        return;
      case 'setSpeed':
        this.stepsPerUpdate = checkRange('Steps per update', msg.stepsPerUpdate, LIMITS.stepsPerUpdate);
        return;
      case 'setAttentionLayer':
        this.attentionLayer = msg.layer;
        // At once, also while playing: the update this message cut short showed the old layer.
        await this.publishViews();
        return;
      case 'setFeatureCache':
        return this.setFeatureCache(msg.enabled);
      case 'exportAdapters':
        return this.exportRun(msg.appVersion);
      case 'importAdapters':
        return this.importRun(msg.bytes, msg.fileName);
      case 'evaluateHeldOut':
        if (this.trainer && !this.running) this.post({ type: 'heldOut', result: await this.trainer.evaluateHeldOut() });
        return;
      case 'debugLoseDevice':
        return this.host.loseDevice();
      case 'cancelLoad':
        return; // handled on arrival
    }
  }

  private setRunning(running: boolean): void {
    this.running = running;
    this.post({ type: 'running', running });
  }

  /** The device is gone: training stops at once, and the last good snapshot stays the page's to restart from. */
  private onDeviceLost(reason: string): void {
    this.deviceLost = true;
    this.setRunning(false);
    this.post({ type: 'deviceLost', message: `The GPU device was lost (${reason}).` });
  }

  private fail(err: unknown): void {
    this.setRunning(false);
    const message = isAbortError(err)
      ? 'Download cancelled. Verified shards stay cached: Try again resumes where it stopped.'
      : err instanceof Error
        ? err.message
        : String(err);
    this.post({ type: 'error', message });
  }

  private async init(requested: RunSettings, snapshot?: Snapshot): Promise<void> {
    const post = this.post;
    // Settings come from links, controls and saved runs: checked here too, before anything is built.
    const settings = parseRecord(runSettingsSchema, requested, 'The run settings');
    this.running = false;
    this.stopFeatureCache();
    this.trainer?.dispose();
    this.trainer = null;
    post({ type: 'loading', message: 'Starting the GPU backend…' });
    const backend = await this.host.startBackend(backendPreference(settings.backend), settings.backend !== 'auto');
    this.host.watchDevice((reason) => this.onDeviceLost(reason));
    post({ type: 'loading', message: settings.init === 'random' ? 'Preparing the model…' : `Loading ${settings.model} weights…` });
    this.loadController = new AbortController();
    const source = await this.host
      .loadModel(settings.model, settings.init !== 'random', (progress) => post({ type: 'loadProgress', progress }), this.loadController.signal)
      .catch((err: unknown) => {
        if (isAbortError(err) || !(settings.model in GPT2_PRESETS)) throw err;
        throw new Error(
          `Pretrained ${settings.model} weights could not be loaded. ${(err as Error).message}. ` +
            `Run \`npm run models:${settings.model}\` once on a machine with a network (or open the page online), ` +
            `or choose the random backbone, which needs no download.`,
        );
      })
      .finally(() => {
        this.loadController = null;
      });
    source.warnings.forEach((message) => post({ type: 'warning', message }));
    post({ type: 'loading', message: 'Preparing the task…' });
    const task = await createTask(settings.task, { bits: settings.bits, data: this.host.taskData });
    post({ type: 'loading', message: `Building ${source.label} (${settings.init})…` });
    const trainer = new Trainer(
      task,
      source.config,
      settings.init,
      { batchSize: settings.batchSize, lr: settings.lr, seed: settings.seed, groups: settings.groups, evalBatches: PAGE_EVAL_BATCHES, ...this.trainerOptions },
      source.tensors,
    );
    this.lastSnapshotStep = -1;
    if (snapshot) {
      try {
        trainer.restore(snapshot);
      } catch (error) {
        // Saved for another model (a checkpoint replaced under the same name, say): the page drops it.
        trainer.dispose();
        post({
          type: 'snapshotRefused',
          message: `its saved trainable values do not fit this model (${error instanceof Error ? error.message : String(error)}).`,
        });
        return;
      }
      this.lastSnapshotStep = snapshot.step;
    }
    this.trainer = trainer;
    this.attentionLayer = Math.min(this.attentionLayer, source.config.nLayer - 1);
    this.run = {
      settings,
      identity: {
        baseModel: {
          name: source.label,
          sha256: await backboneSha256({ config: source.config, init: settings.init, seed: settings.seed, sourceSha256: source.sourceSha256 }),
        },
        architecture: { layers: source.config.nLayer, width: source.config.nEmbd, heads: source.config.nHead },
        task: settings.task,
      },
    };
    const first = await trainer.evaluate();
    this.lastEvalStep = trainer.stepCount;
    const { nLayer, nEmbd, nHead } = source.config;
    post({
      type: 'ready',
      backend,
      model: {
        label: source.label,
        init: settings.init,
        layers: nLayer,
        width: nEmbd,
        heads: nHead,
        seqLen: task.seqLen,
        fused: trainer.model.fused,
        paperTotal: isGpt2Size(source.config) ? gpt2ParameterTotal(source.config) : undefined,
      },
      counts: trainer.counts(),
      metric: task.metric,
      step: trainer.stepCount,
    });
    this.postEvaluation(trainer.stepCount, first);
    await this.publishViews();
    await this.publishChecksum();
  }

  /** One update while playing; the next one goes to the back of the queue, behind what arrived meanwhile. */
  private async update(): Promise<void> {
    if (!this.running || !this.trainer || this.deviceLost) return;
    await this.runSteps(this.stepsPerUpdate, true);
    // A macrotask first, so that messages posted meanwhile are queued ahead of the next update.
    await macrotask();
    if (this.running && !this.deviceLost) this.jobs.push({ kind: 'update' });
  }

  /**
   * `whilePlaying`: stop early, after the step in progress, when a message is waiting (or the device is
   * lost), and post the steps so far whenever progressEveryMs has passed. The held-out evaluation (every
   * EVAL_EVERY steps), the attention map and the example come once, at the end of the update.
   */
  private async runSteps(count: number, whilePlaying: boolean): Promise<void> {
    const trainer = this.trainer;
    if (!trainer || this.deviceLost) return;
    let points: MetricsPoint[] = [];
    let started = performance.now();
    let taken = 0;
    for (let i = 0; i < count && !this.deviceLost && !(whilePlaying && i > 0 && this.jobs.length > 0); i++) {
      const { loss, gradNorm } = await (this.cached ? this.cached.head.step() : trainer.step());
      points.push({ step: trainer.stepCount, trainLoss: loss, gradNorm });
      taken++;
      if (whilePlaying && i + 1 < count && !this.deviceLost && performance.now() - started >= this.progressEveryMs) {
        await this.postSteps(points, (performance.now() - started) / points.length);
        [points, started] = [[], performance.now()];
      }
      // Let messages land between steps (reads may resolve without a macrotask on cpu).
      if (whilePlaying) await macrotask();
    }
    // Values computed on a lost device are not the run's: the page restarts from the last snapshot.
    if (taken === 0 || this.deviceLost) return;
    const msPerStep = points.length > 0 ? (performance.now() - started) / points.length : 0;
    // Manual steps always show their effect; while playing, evaluation is spaced out to keep steps fast.
    if (!this.running || trainer.stepCount - this.lastEvalStep >= EVAL_EVERY) {
      const ev = await trainer.evaluate();
      this.lastEvalStep = trainer.stepCount;
      if (points.length > 0) Object.assign(points[points.length - 1], { testAccuracy: ev.accuracy, testLoss: ev.loss });
      // Its step was posted already: the page merges a point of the same step (run-history.ts appendPoints).
      else points.push({ step: trainer.stepCount, testAccuracy: ev.accuracy, testLoss: ev.loss });
    }
    await this.postSteps(points, msPerStep);
    if (this.cached) {
      const { head, report } = this.cached;
      report.cachedSecondsPerEpoch = head.secondsPerEpoch;
      this.post({ type: 'featureCache', report });
    }
    await this.publishViews();
    if (!this.running) {
      await this.publishSnapshot();
      await this.publishChecksum();
    }
  }

  /** Posts `points` (steps, and an evaluation on the last) as one metrics message; `msPerStep` 0 keeps the page's figure. */
  private async postSteps(points: MetricsPoint[], msPerStep: number): Promise<void> {
    const trainer = this.trainer!;
    const trained = points.filter((p) => p.trainLoss !== undefined).length;
    // Before the metrics: whoever sees a step count can rely on the snapshot it implies having arrived.
    if (Math.floor(trainer.stepCount / SNAPSHOT_EVERY) !== Math.floor((trainer.stepCount - trained) / SNAPSHOT_EVERY)) {
      await this.publishSnapshot();
    }
    this.post({ type: 'metrics', points, msPerStep, gpuBytes: tf.memory().numBytes, updated: trainer.model.trainableNames() });
  }

  /** After a pause: the step training stopped at is evaluated (once), snapshotted and fingerprinted, as a manual step is. */
  private async settle(): Promise<void> {
    const trainer = this.trainer;
    if (!trainer || this.deviceLost) return;
    if (trainer.stepCount !== this.lastEvalStep) {
      const ev = await trainer.evaluate();
      this.lastEvalStep = trainer.stepCount;
      // Same step as the update's last point: the page merges it into that point (run-history.ts appendPoints).
      this.postEvaluation(trainer.stepCount, ev);
    }
    await this.publishSnapshot();
    await this.publishChecksum();
  }

  private async setGroups(groups: GroupName[]): Promise<void> {
    if (!this.trainer) return;
    // The cache holds the frozen body's output: it is only valid while nothing but the head trains.
    if (this.cached && (groups.length !== 1 || groups[0] !== 'output')) this.stopFeatureCache();
    this.trainer.setGroups(groups);
    this.post({ type: 'counts', counts: this.trainer.counts() });
    if (!this.running) await this.publishChecksum();
  }

  /**
   * Switches output-only training onto cached features: builds the cache once and measures, on this
   * device, an uncached output-only epoch for comparison.
   */
  private async setFeatureCache(enabled: boolean): Promise<void> {
    this.stopFeatureCache();
    if (!enabled || !this.trainer) return;
    const head = new CachedHeadTrainer(this.trainer, CACHE_DATASET);
    this.post({ type: 'loading', message: 'Measuring uncached output-only training…' });
    const uncached = await measureUncachedEpoch(this.trainer, head.data, 5);
    this.post({ type: 'loading', message: `Caching the frozen body's features for ${CACHE_DATASET} examples…` });
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
    this.cached = { head, report };
    this.post({ type: 'featureCache', report });
  }

  private stopFeatureCache(): void {
    if (!this.cached) return;
    this.cached.head.dispose();
    this.cached = null;
    this.post({ type: 'featureCache', report: null });
  }

  /** An evaluation at `step` as a metrics point of its own (no training steps timed with it). */
  private postEvaluation(step: number, ev: { accuracy: number; loss: number }): void {
    this.post({ type: 'metrics', points: [{ step, testAccuracy: ev.accuracy, testLoss: ev.loss }], msPerStep: 0, gpuBytes: tf.memory().numBytes });
  }

  /** Trainer.snapshot(): every parameter trained so far in this run, plus the step count; once per step. */
  private async publishSnapshot(): Promise<void> {
    // Values read from a lost device are not the run's: keep the last good snapshot for the restart.
    if (!this.trainer || this.deviceLost || this.trainer.stepCount === this.lastSnapshotStep) return;
    const snapshot = await this.trainer.snapshot();
    if (this.deviceLost) return;
    this.lastSnapshotStep = snapshot.step;
    this.post({ type: 'snapshot', snapshot });
  }

  private async publishChecksum(): Promise<void> {
    if (!this.trainer) return;
    this.post({ type: 'paramChecksum', step: this.trainer.stepCount, checksum: await trainableChecksum(this.trainer.model) });
  }

  /**
   * The screen's views of the preview batch: the attention map of the chosen layer (the heatmaps) and
   * the predicted labels of its first example, from one forward pass (Trainer.views).
   */
  private async publishViews(): Promise<void> {
    const trainer = this.trainer;
    if (!trainer) return;
    const batch = trainer.previewBatch;
    const { attention, predicted } = await trainer.views(this.attentionLayer, batch, 0);
    this.post({ type: 'attention', attention: { ...attention, step: trainer.stepCount, tokenLabels: tokenLabels(trainer.task, batch, 0) } }, [
      attention.probs.buffer as ArrayBuffer,
    ]);
    this.post({ type: 'example', example: describeExample(trainer.task, batch, 0, predicted) });
  }

  private async exportRun(appVersion: string): Promise<void> {
    const { trainer, run } = this;
    if (!trainer || !run) return;
    const bytes = await exportAdapters(trainer.model, {
      ...run.identity,
      init: run.settings.init,
      appVersion,
      groups: trainer.model.groups,
      settings: { ...run.settings, groups: trainer.model.groups, lr: trainer.adam.options.lr },
    });
    const buffer = bytes.buffer as ArrayBuffer;
    this.post({ type: 'adaptersExported', bytes: buffer, task: run.settings.task, step: trainer.stepCount }, [buffer]);
  }

  private async importRun(bytes: ArrayBuffer, fileName: string): Promise<void> {
    const { trainer, run } = this;
    if (!trainer || !run) return;
    try {
      const tensors = trainer.importAdapters(bytes, run.identity, fileName);
      this.post({ type: 'adaptersImported', ok: true, tensors });
      this.lastSnapshotStep = -1;
    } catch (error) {
      if (!(error instanceof AdapterImportError)) throw error;
      this.post({ type: 'adaptersImported', ok: false, message: `${fileName} was not imported. ${error.message}` });
      return;
    }
    await this.publishViews();
    await this.publishSnapshot();
    await this.publishChecksum();
  }
}
