/**
 * The live run as the worker reports it: phase, model, curves, maps, the current example. A new run
 * starts from EMPTY_RUN (`resetRun`); only training-client.ts and runs/restore.ts write here.
 */
import { create } from 'zustand';
import type { GroupCount } from '../../engine/model';
import type {
  AttentionPayload,
  BackendReport,
  ExamplePayload,
  FeatureCacheReport,
  HeldOutEvaluation,
  MetricsPoint,
  ModelInfo,
  Snapshot,
} from '../../worker/protocol';
import type { LoadProgress } from '../../weights/load';

export type Phase = 'loading' | 'ready' | 'error' | 'deviceLost';

export interface RunState {
  phase: Phase;
  loadingMessage: string;
  error: string | null;
  running: boolean;
  backend: BackendReport | null;
  model: ModelInfo | null;
  metric: string;
  counts: GroupCount[];
  points: MetricsPoint[];
  msPerStep: number;
  gpuBytes: number;
  attention: AttentionPayload | null;
  /** The first map of the run, for "step 0 vs now". */
  attentionAtStart: AttentionPayload | null;
  example: ExamplePayload | null;
  snapshot: Snapshot | null;
  loadProgress: LoadProgress | null;
  featureCache: FeatureCacheReport | null;
  /** The last whole-held-out evaluation of this run (what it was measured on included), and whether one is running. */
  heldOut: HeldOutEvaluation | null;
  heldOutPending: boolean;
  /** The user asked for cached-features training (the report follows once the cache is built). */
  featureCacheRequested: boolean;
  /** Parameter tensors the optimizer updated in the last step. */
  lastUpdated: string[];
  warnings: string[];
  /** Fingerprint of the trainable values, and the step it was taken at (not refreshed while playing). */
  paramChecksum: { step: number; checksum: string } | null;
  /** The outcome of the last adapter import. */
  adapterImport: { ok: true; message: string } | { ok: false; message: string } | null;
  /** Live-region text: what screen-reader users hear after each update. */
  announcement: string;
}

/** A run before the worker has said anything: every new run starts here. */
export const EMPTY_RUN: RunState = Object.freeze({
  phase: 'loading',
  loadingMessage: 'Starting…',
  error: null,
  running: false,
  backend: null,
  model: null,
  metric: 'accuracy',
  counts: [],
  points: [],
  msPerStep: 0,
  gpuBytes: 0,
  attention: null,
  attentionAtStart: null,
  example: null,
  snapshot: null,
  loadProgress: null,
  featureCache: null,
  heldOut: null,
  heldOutPending: false,
  featureCacheRequested: false,
  lastUpdated: [],
  warnings: [],
  paramChecksum: null,
  adapterImport: null,
  announcement: '',
}) as RunState;

export const useRun = create<RunState>(() => EMPTY_RUN);

/** A new run begins: everything the last one reported goes. */
export const resetRun = () => useRun.setState(EMPTY_RUN, true);
