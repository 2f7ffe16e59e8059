/**
 * The page's side of the worker protocol: owns the Worker, turns commands into messages and
 * messages into store updates.
 */
import type { GroupName } from '../engine/groups';
import type { FromWorker, RunSettings, Snapshot, ToWorker } from '../worker/protocol';
import { version as appVersion } from '../../package.json';
import { percent } from './format';
import { useRun } from './stores/run-store';
import { useSettings } from './stores/settings-store';
import { appendPoints } from './runs/run-history';
import { dropLiveSnapshot, liveRunPaused, updateLiveSettings } from './runs/runs-store';
import { beginFreshRun } from './run-lifecycle';

let worker: Worker | null = null;

function send(msg: ToWorker): void {
  worker?.postMessage(msg);
}

function onMessage(msg: FromWorker): void {
  const set = useRun.setState;
  switch (msg.type) {
    case 'loading':
      set({ phase: 'loading', loadingMessage: msg.message });
      break;
    case 'loadProgress':
      set({ loadProgress: msg.progress });
      break;
    case 'warning':
      set({ warnings: [...useRun.getState().warnings, msg.message] });
      break;
    case 'ready':
      useSettings.setState((s) => ({ attentionLayer: Math.min(s.attentionLayer, msg.model.layers - 1) }));
      set({ phase: 'ready', backend: msg.backend, model: msg.model, counts: msg.counts, metric: msg.metric, error: null });
      break;
    case 'counts':
      set({ counts: msg.counts });
      break;
    case 'heldOut':
      set({ heldOut: msg.result, heldOutPending: false });
      break;
    case 'featureCache':
      set((s) => ({
        featureCache: msg.report,
        featureCacheRequested: msg.report !== null,
        phase: s.phase === 'loading' ? 'ready' : s.phase,
      }));
      break;
    case 'metrics': {
      const s = useRun.getState();
      const last = [...msg.points].reverse().find((p) => p.testAccuracy !== undefined);
      set({
        points: appendPoints(s.points, msg.points),
        msPerStep: msg.msPerStep || s.msPerStep,
        gpuBytes: msg.gpuBytes,
        lastUpdated: msg.updated ?? s.lastUpdated,
        announcement: last ? `Step ${last.step}: test ${s.metric} ${percent(last.testAccuracy!)}` : s.announcement,
      });
      break;
    }
    case 'attention': {
      const s = useRun.getState();
      set({ attention: msg.attention, attentionAtStart: s.attentionAtStart ?? msg.attention });
      break;
    }
    case 'example':
      set({ example: msg.example });
      break;
    case 'running':
      set({ running: msg.running });
      if (!msg.running) liveRunPaused();
      break;
    case 'snapshot':
      set({ snapshot: msg.snapshot });
      break;
    case 'snapshotRefused':
      // Dropped once (with a notice), then a fresh run with the same settings: a reload does not retry it.
      dropLiveSnapshot(msg.message);
      startRun();
      break;
    case 'deviceLost':
      set({ phase: 'deviceLost', running: false, error: msg.message });
      break;
    case 'paramChecksum':
      set({ paramChecksum: { step: msg.step, checksum: msg.checksum } });
      break;
    case 'adaptersExported':
      download(new Blob([msg.bytes], { type: 'application/octet-stream' }), `fpt-adapters-${msg.task}-step${msg.step}.safetensors`);
      break;
    case 'adaptersImported':
      set({
        adapterImport: msg.ok ? { ok: true, message: `Imported ${msg.tensors.length} tensors.` } : { ok: false, message: msg.message },
      });
      break;
    case 'error':
      // After a lost device, the failures of the steps in flight say nothing new: keep the restart offer.
      if (useRun.getState().phase !== 'deviceLost') set({ phase: 'error', running: false, error: msg.message });
      break;
  }
}

function spawn(): Worker {
  worker?.terminate();
  worker = new Worker(new URL('../worker/training-worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
  worker.onerror = (e) => {
    useRun.setState({ phase: 'error', running: false, error: `The training worker failed: ${e.message}` });
    // Training stopped: what the run has is saved now, as after a pause.
    liveRunPaused();
  };
  return worker;
}

/**
 * Starts a fresh run with the current settings (a new worker, so a lost device is left behind), or,
 * given a snapshot, resumes the live run from it (after a lost device, or a reload: runs/restore.ts).
 */
export function startRun(snapshot?: Snapshot): void {
  // The run that was live is kept in the Runs list (and its storage); a new one begins.
  if (!snapshot) beginFreshRun();
  else useRun.setState({ phase: 'loading', error: null });
  const { settings, stepsPerUpdate, attentionLayer } = useSettings.getState();
  spawn();
  send({ type: 'setSpeed', stepsPerUpdate });
  send({ type: 'setAttentionLayer', layer: attentionLayer });
  send({ type: 'init', settings, snapshot });
}

export const play = () => send({ type: 'play' });
export const pause = () => send({ type: 'pause' });
export const step = () => send({ type: 'step' });

export function togglePlay(): void {
  if (useRun.getState().running) pause();
  else play();
}

export function setGroups(groups: GroupName[]): void {
  useSettings.getState().setGroups(groups);
  updateLiveSettings({ groups });
  send({ type: 'setGroups', groups });
}

export function setLearningRate(lr: number): void {
  useSettings.getState().patchSettings({ lr });
  updateLiveSettings({ lr });
  send({ type: 'setLearningRate', lr });
}

export function setStepsPerUpdate(n: number): void {
  useSettings.getState().setStepsPerUpdate(n);
  send({ type: 'setSpeed', stepsPerUpdate: n });
}

export function setAttentionLayer(layer: number): void {
  useRun.setState({ attentionAtStart: null });
  useSettings.setState({ attentionLayer: layer });
  send({ type: 'setAttentionLayer', layer });
}

/** Changing what defines the run (task, backbone, batch, seed, backend) starts a new one. */
export function changeRunSettings(patch: Partial<RunSettings>): void {
  useSettings.getState().patchSettings(patch);
  startRun();
}

/** After a lost GPU device: a new worker (and device) resumes from the last snapshot. */
export function restartFromSnapshot(): void {
  const { snapshot } = useRun.getState();
  startRun(snapshot ?? undefined);
}

export function setFeatureCache(enabled: boolean): void {
  useRun.setState({ featureCacheRequested: enabled });
  send({ type: 'setFeatureCache', enabled });
}

export const cancelLoad = () => send({ type: 'cancelLoad' });
/** The paper's evaluation on the whole held-out set (paused runs only: it is a long pass for big sets). */
export function evaluateHeldOut(): void {
  useRun.setState({ heldOutPending: true });
  send({ type: 'evaluateHeldOut' });
}

/** Test hook: destroys the worker's GPU device to exercise the lost-device path. */
export const debugLoseDevice = () => send({ type: 'debugLoseDevice' });

export const exportAdapters = () => send({ type: 'exportAdapters', appVersion });

/** Sends the file's bytes to the worker, which checks them against the run before changing anything. */
export async function importAdapters(file: File): Promise<void> {
  useRun.setState({ adapterImport: null });
  const bytes = await file.arrayBuffer();
  worker?.postMessage({ type: 'importAdapters', bytes, fileName: file.name } satisfies ToWorker, [bytes]);
}

export const dismissAdapterImport = () => useRun.setState({ adapterImport: null });

function download(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
