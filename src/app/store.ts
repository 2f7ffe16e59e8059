/** The page's state (zustand): settings, what the worker reported, and the curves. */
import { create } from 'zustand';
import type { GroupName } from '../engine/groups';
import type { GroupCount } from '../engine/model';
import type { AttentionPayload, FeatureCacheReport, BackendReport, HeldOutEvaluation, ExamplePayload, MetricsPoint, ModelInfo, RunSettings, Snapshot } from '../worker/protocol';
import type { LoadProgress } from '../weights/load';
import { decodeUrlState } from './url-state';
import type { InstructorFlags } from './instructor/controls';

export interface CurveOverlay {
  id: string;
  label: string;
  points: { step: number; accuracy: number }[];
}

export type Phase = 'loading' | 'ready' | 'error' | 'deviceLost';

export interface PlaygroundState {
  settings: RunSettings;
  /** Screen updates every this many steps. */
  stepsPerUpdate: number;
  /** The layer the attention panel shows. */
  attentionLayer: number;
  /** URL keys the page does not own but keeps in the address (`debug`). */
  urlExtras: Record<string, string>;
  /** What was changed while reading the link the page was opened with. */
  urlNotices: string[];
  /** Controls the link hides or locks (fixed for the page's life). */
  instructor: InstructorFlags;
  /** The guided lesson open in the side panel. */
  lessonId: string | null;
  /** The paper experiment last loaded (it draws its row's number while the settings match it). */
  presetId: string | null;
  /** "Compare with step 0" in the attention panel. */
  attentionCompare: boolean;
  /** Fingerprint of the trainable values, and the step it was taken at (not refreshed while playing). */
  paramChecksum: { step: number; checksum: string } | null;
  /** The outcome of the last adapter import. */
  adapterImport: { ok: true; message: string } | { ok: false; message: string } | null;
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
  /** Sweep runs overlaid on the accuracy chart. */
  overlays: CurveOverlay[];
  /** Parameter tensors the optimizer updated in the last step. */
  lastUpdated: string[];
  warnings: string[];
  /** Live-region text: what screen-reader users hear after each update. */
  announcement: string;

  patchSettings(patch: Partial<RunSettings>): void;
  setGroups(groups: GroupName[]): void;
  setStepsPerUpdate(n: number): void;
  resetRun(): void;
}

const fromUrl = decodeUrlState(typeof location === 'undefined' ? '' : location.search);

export const usePlayground = create<PlaygroundState>((set) => ({
  settings: fromUrl.state.settings,
  stepsPerUpdate: fromUrl.state.stepsPerUpdate,
  attentionLayer: fromUrl.state.layer,
  urlExtras: fromUrl.state.extras,
  urlNotices: fromUrl.notices,
  instructor: fromUrl.state.instructor,
  lessonId: fromUrl.state.lesson,
  presetId: fromUrl.state.preset,
  attentionCompare: false,
  paramChecksum: null,
  adapterImport: null,
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
  overlays: [],
  lastUpdated: [],
  warnings: [],
  announcement: '',

  patchSettings: (patch) => set((s) => ({ settings: { ...s.settings, ...patch } })),
  setGroups: (groups) => set((s) => ({ settings: { ...s.settings, groups } })),
  setStepsPerUpdate: (stepsPerUpdate) => set({ stepsPerUpdate }),
  resetRun: () =>
    set({ points: [], attention: null, attentionAtStart: null, example: null, snapshot: null, running: false, phase: 'loading', error: null, loadProgress: null, featureCache: null, featureCacheRequested: false, heldOut: null, heldOutPending: false, warnings: [], lastUpdated: [], paramChecksum: null, adapterImport: null, model: null, counts: [], backend: null, msPerStep: 0 }),
}));
