/**
 * The one typed message protocol between the page and the training worker. Both sides import it;
 * the page never touches tensors, the worker never touches the DOM.
 */
import type { BackendName } from '../engine/backend';
import type { GroupName } from '../engine/groups';
import type { GroupCount } from '../engine/model';
import type { TaskName } from '../engine/tasks/task';
import type { BackboneInit } from '../engine/backbone';
import type { HeldOutEvaluation, TrainerSnapshot } from '../engine/train/trainer';

export type { HeldOutEvaluation };
/** One point of the run's curves (training step, evaluation, or both): the engine's own type. */
export type { MetricsPoint } from '../engine/train/metrics';
import type { MetricsPoint } from '../engine/train/metrics';
import type { LoadProgress } from '../weights/load';

export type BackendChoice = 'auto' | BackendName;

/** Everything that defines a run. Changing any of these (but groups, lr and speed) means a new run. */
/** Held-out batches the page's worker averages test accuracy over (each of the run's batch size). */
export const PAGE_EVAL_BATCHES = 8;

export interface RunSettings {
  task: TaskName;
  /** Bit XOR string length. */
  bits: number;
  /** A model directory under /models (e.g. `tiny-gpt2`, `gpt2`), or a GPT-2 preset for random inits. */
  model: string;
  init: BackboneInit;
  batchSize: number;
  lr: number;
  seed: number;
  groups: GroupName[];
  backend: BackendChoice;
}

/** Values of every parameter a run has trained (and its step): to resume after a lost GPU device or a reload. */
export type Snapshot = TrainerSnapshot;

export type ToWorker =
  | { type: 'init'; settings: RunSettings; snapshot?: Snapshot }
  | { type: 'play' }
  | { type: 'pause' }
  | { type: 'step' }
  | { type: 'setGroups'; groups: GroupName[] }
  | { type: 'setLearningRate'; lr: number }
  | { type: 'setSpeed'; stepsPerUpdate: number }
  | { type: 'setAttentionLayer'; layer: number }
  | { type: 'setFeatureCache'; enabled: boolean }
  | { type: 'cancelLoad' }
  | { type: 'exportAdapters'; appVersion: string }
  | { type: 'importAdapters'; bytes: ArrayBuffer; fileName: string }
  /** The paper's evaluation, on request: the whole held-out set (a fixed sample for generated tasks). */
  | { type: 'evaluateHeldOut' }
  | { type: 'debugLoseDevice' };

export interface ModelInfo {
  label: string;
  init: BackboneInit;
  layers: number;
  width: number;
  heads: number;
  seqLen: number;
  /** The body runs on the project's fused WebGPU kernels (else on composite TF.js ops). */
  fused: boolean;
  /** Every GPT-2 parameter, token embeddings and all position rows included: the paper's denominator for the trainable share (§2.2). */
  paperTotal?: number;
}

export interface BackendReport {
  name: BackendName;
  adapter?: string;
  fallbackReasons: string[];
}

export interface AttentionPayload {
  step: number;
  layer: number;
  heads: number;
  seqLen: number;
  probs: Float32Array;
  tokenLabels: string[];
}

export interface ExamplePayload {
  text: string;
  /** Task-specific rendering hints: an image (MNIST/CIFAR) as grey or RGB pixels. */
  image?: { width: number; height: number; channels: 1 | 3; pixels: Float32Array };
  target: number[];
  prediction: number[];
}

/** Output-only training on cached body features (paper Section 3.9) and what it measured. */
export interface FeatureCacheReport {
  enabled: boolean;
  datasetSize: number;
  stepsPerEpoch: number;
  /** Seconds for one build of the cache (one frozen forward per example). */
  buildSeconds: number;
  /** Uncached output-only training, measured on this device, scaled to one epoch. */
  uncachedSecondsPerEpoch: number;
  /** Cached head training so far, per epoch; null until a cached step has run. */
  cachedSecondsPerEpoch: number | null;
}

export type FromWorker =
  | { type: 'loading'; message: string }
  | { type: 'loadProgress'; progress: LoadProgress }
  | { type: 'warning'; message: string }
  | { type: 'ready'; backend: BackendReport; model: ModelInfo; counts: GroupCount[]; metric: string; step: number }
  | { type: 'counts'; counts: GroupCount[] }
  | { type: 'heldOut'; result: HeldOutEvaluation }
  | { type: 'featureCache'; report: FeatureCacheReport | null }
  | { type: 'metrics'; points: MetricsPoint[]; msPerStep: number; gpuBytes: number; updated?: string[] }
  | { type: 'attention'; attention: AttentionPayload }
  | { type: 'example'; example: ExamplePayload }
  | { type: 'running'; running: boolean }
  | { type: 'snapshot'; snapshot: Snapshot }
  | { type: 'deviceLost'; message: string }
  /** The snapshot `init` was given does not fit this model: nothing was built; the page starts afresh. */
  | { type: 'snapshotRefused'; message: string }
  | { type: 'error'; message: string }
  /** A safetensors file of the trainable groups (the buffer is transferred). */
  | { type: 'adaptersExported'; bytes: ArrayBuffer; task: TaskName; step: number }
  | { type: 'adaptersImported'; ok: true; tensors: string[] }
  | { type: 'adaptersImported'; ok: false; message: string }
  /** A fingerprint of the trainable values after a manual step, an import or a new run. */
  | { type: 'paramChecksum'; step: number; checksum: string };
