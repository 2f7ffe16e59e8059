/**
 * The Runs panel's state (zustand, beside the page's store): every kept run plus the live one, which
 * of them the charts overlay, the pinned baseline, and autosave's status. training-client.ts says
 * when a run starts and ends and when its learning rate or groups change (`endLiveRun`,
 * `startLiveRun`, `updateLiveSettings`); `trackRuns` follows the run store for what the worker
 * reports, so the live run's curves and snapshots go to the autosaver as training goes.
 */
import { create } from 'zustand';
import { useRun } from '../stores/run-store';
import type { RunSettings } from '../../worker/protocol';
import { Autosaver, type AutosaveStatus, type RunStorage } from './autosave';
import { autoRunName, hasTrained, uniqueName, type RunRecord } from './run-history';
import { runRecordSchema, type RejectedRecord } from './records';

export interface RunsState {
  /** Kept runs, oldest first; the live run is last. */
  runs: RunRecord[];
  liveId: string;
  /** Runs overlaid on the charts (the live run is always drawn). */
  shown: string[];
  baselineId: string | null;
  autosave: AutosaveStatus;
  /** A visible, dismissible notice (storage full, a run that could not be restored). */
  notice: string | null;
  /** Saved runs that could not be read (records.ts): left in storage until the user discards them. */
  rejected: RejectedRecord[];
}

const newId = () =>
  typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `run-${Date.now()}-${Math.random().toString(36).slice(2)}`;

function freshRecord(id: string, settings: RunSettings, metric: string, others: readonly RunRecord[]): RunRecord {
  const now = Date.now();
  return {
    id,
    name: uniqueName(
      autoRunName(settings),
      others.map((r) => r.name),
    ),
    renamed: false,
    settings,
    metric,
    points: [],
    createdAt: now,
    updatedAt: now,
  };
}

export const useRuns = create<RunsState>(() => ({
  runs: [],
  // No record has this id: until the first run starts (or a saved one is restored) there is no live run.
  liveId: '',
  shown: [],
  baselineId: null,
  autosave: { state: 'idle' },
  notice: null,
  rejected: [],
}));

let storage: RunStorage | null = null;
let saver: Autosaver | null = null;

export const STORAGE_FULL_NOTICE =
  'Browser storage is full, so this run is no longer being saved; training goes on. Delete kept runs, or Clear saved runs, to free space.';

function onStatus(status: AutosaveStatus): void {
  const previous = useRuns.getState().autosave.state;
  useRuns.setState({ autosave: status, ...(status.state === 'full' && previous !== 'full' ? { notice: STORAGE_FULL_NOTICE } : {}) });
}

export function liveRun(state: RunsState = useRuns.getState()): RunRecord | undefined {
  return state.runs.find((r) => r.id === state.liveId);
}

/**
 * Replaces a run; when its settings (or whether a person named it) change, renames it after its
 * settings unless a person named it. Curve updates, many a second while training, leave the name.
 */
function updateRun(id: string, patch: Partial<RunRecord>): RunRecord | undefined {
  const { runs } = useRuns.getState();
  const old = runs.find((r) => r.id === id);
  if (!old) return undefined;
  const next: RunRecord = { ...old, ...patch, updatedAt: Date.now() };
  const rename = patch.settings !== undefined || patch.renamed !== undefined;
  if (rename && !next.renamed)
    next.name = uniqueName(
      autoRunName(next.settings),
      runs.filter((r) => r.id !== id).map((r) => r.name),
    );
  useRuns.setState({ runs: runs.map((r) => (r.id === id ? next : r)) });
  return next;
}

function saveLive(soon: boolean): void {
  const live = liveRun();
  if (live && hasTrained(live.points)) saver?.saveRun(live, soon);
}

/**
 * The live run ends, with the curve it reached: it stays in the list (and is saved) if it trained at
 * all. Until `startLiveRun`, there is no live run.
 */
export function endLiveRun(points: RunRecord['points'], metric: string): void {
  const { runs, liveId } = useRuns.getState();
  const old = runs.find((r) => r.id === liveId);
  let kept = runs.filter((r) => r.id !== liveId);
  if (old && hasTrained(points)) {
    const ended = { ...old, points, metric, updatedAt: Date.now() };
    kept = [...kept, ended];
    saver?.saveRun(ended, true);
  }
  // Only the live run's snapshot is read back (restore.ts): the ended run's is dropped.
  if (old) saver?.dropSnapshot(old.id);
  const keptIds = new Set(kept.map((r) => r.id));
  useRuns.setState((st) => ({
    runs: kept,
    liveId: '',
    shown: st.shown.filter((x) => keptIds.has(x)),
    baselineId: st.baselineId !== null && keptIds.has(st.baselineId) ? st.baselineId : null,
  }));
}

/** A new live run begins with these settings (its curve arrives through the run store). */
export function startLiveRun(settings: RunSettings, metric: string): void {
  const id = newId();
  useRuns.setState(({ runs }) => ({ runs: [...runs, freshRecord(id, settings, metric, runs)], liveId: id }));
  saver?.setCurrent(id);
}

/** The learning rate or the trained groups changed within the live run: its record follows. */
export function updateLiveSettings(patch: Pick<Partial<RunSettings>, 'lr' | 'groups'>): void {
  const live = liveRun();
  if (!live) return;
  updateRun(live.id, { settings: { ...live.settings, ...patch } });
  saveLive(!useRun.getState().running);
}

/** The live run paused (or stopped): what waits unwritten is written now. */
export function liveRunPaused(): void {
  void saver?.flush();
}

/**
 * Makes a saved run the live one again, with the settings and curve it resumes from. Call before
 * putting those into the page's store, so that the store's update lands on this run.
 */
export function adoptLiveRun(record: RunRecord, settings: RunRecord['settings'], points: RunRecord['points'], savedSnapshotStep?: number): void {
  useRuns.setState(({ runs }) => ({
    runs: [...runs.filter((r) => r.id !== record.id), { ...record, settings, points }],
    liveId: record.id,
  }));
  // The snapshot it resumes from is already stored: putting it into the page's store writes nothing.
  if (savedSnapshotStep !== undefined) saver?.markSaved(record.id, savedSnapshotStep);
  saver?.setCurrent(record.id);
}

/** Kept runs read from storage, oldest first, before the live run. */
export function addKeptRuns(records: readonly RunRecord[]): void {
  useRuns.setState(({ runs, liveId }) => {
    const ids = new Set(runs.map((r) => r.id));
    const incoming = records.filter((r) => !ids.has(r.id) && r.id !== liveId);
    return { runs: [...incoming, ...runs] };
  });
}

let tracking: (() => void) | null = null;

/**
 * Follows the run store and saves the live run through `runStorage` (once per page); with null
 * (no usable storage) runs are kept for this page only.
 */
export function trackRuns(runStorage: RunStorage | null): void {
  if (tracking) return;
  storage = runStorage;
  // No record and no current-run mark yet: the run to restore is read first (restore.ts), and the
  // first startLiveRun or adoptLiveRun makes the live record.
  const instance: Autosaver | null = runStorage && new Autosaver(runStorage, { onStatus: (status) => saver === instance && onStatus(status) });
  saver = instance;
  const unsubscribe = useRun.subscribe((s, prev) => {
    const { liveId } = useRuns.getState();
    if (s.points !== prev.points || s.metric !== prev.metric) {
      updateRun(liveId, { points: s.points, metric: s.metric });
      saveLive(!s.running);
    }
    // The worker posts a step's snapshot before its metrics, so the curve may not show the step yet.
    if (saver && s.snapshot && s.snapshot !== prev.snapshot && s.snapshot.step > 0) {
      const wasCurvesOnly = saver.isCurvesOnly(liveId);
      if (!saver.saveSnapshot(liveId, s.snapshot, !s.running) && !wasCurvesOnly) {
        useRuns.setState({
          notice: `This run's trainable values (over ${Math.round(saver.snapshotLimitMb)} MB) are too large to autosave: its curves and settings are saved, but a reload starts it afresh.`,
        });
      }
    }
  });
  const flushNow = () => void saver?.flush();
  const onVisibility = () => {
    if (document.visibilityState === 'hidden') flushNow();
  };
  if (typeof window !== 'undefined') {
    window.addEventListener('pagehide', flushNow);
    document.addEventListener('visibilitychange', onVisibility);
  }
  tracking = () => {
    unsubscribe();
    if (typeof window !== 'undefined') {
      window.removeEventListener('pagehide', flushNow);
      document.removeEventListener('visibilitychange', onVisibility);
    }
  };
}

/** Why autosave is off, in the user's terms: what really happened when the storage was opened. */
export function autosaveOffMessage(error: unknown): string {
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  if (name === 'VersionError') {
    return 'Autosave is off: the runs saved in this browser were written by a newer version of FPT Playground, which this page cannot read. They are left untouched (open the newer version to see them); runs of this page are kept until it closes.';
  }
  const reason = error instanceof Error ? error.message : String(error);
  return `This browser gives the page no storage (${reason}): runs are kept until the page closes.`;
}

export function setAutosaveOff(error: unknown): void {
  useRuns.setState({ autosave: { state: 'off', message: autosaveOffMessage(error) } });
}

/** Saved runs that could not be read: listed (by restore.ts) with an offer to discard them. */
export function setRejectedRuns(rejected: RejectedRecord[]): void {
  useRuns.setState({ rejected });
}

/** Removes a saved run that could not be read from storage, for good. */
export async function discardRejectedRun(id: string): Promise<void> {
  useRuns.setState(({ rejected }) => ({ rejected: rejected.filter((r) => r.id !== id) }));
  saver?.forget(id);
  await storage?.deleteRun(id).catch(() => undefined);
}

/**
 * A panel failed on the kept runs: every one that does not fit the run schema is removed from the
 * list and from storage (the live run is never removed). Returns how many went.
 */
export async function discardUnreadableRuns(): Promise<number> {
  const { runs, liveId } = useRuns.getState();
  const bad = runs.filter((r) => r.id !== liveId && !runRecordSchema.safeParse(r).success).map((r) => r.id);
  for (const id of bad) await deleteRun(id);
  return bad.length;
}

/** Keeps the unreadable runs in storage but stops listing them (until the next page load). */
export const dismissRejectedRuns = () => useRuns.setState({ rejected: [] });

/**
 * The live run's saved snapshot no longer fits its model (another checkpoint under the same name,
 * say): it is dropped from storage, so the next reload does not try it again, and a notice says so.
 */
export function dropLiveSnapshot(why: string): void {
  const live = liveRun();
  if (live) saver?.dropSnapshot(live.id);
  useRuns.setState({
    notice: `${live ? `"${live.name}"` : 'The saved run'} could not be resumed: ${why} Its saved trainable values were dropped; its curves are kept under Runs, and a new run with its settings has started.`,
  });
}

export function toggleShown(id: string): void {
  useRuns.setState(({ shown }) => ({ shown: shown.includes(id) ? shown.filter((x) => x !== id) : [...shown, id] }));
}

export function toggleBaseline(id: string): void {
  useRuns.setState(({ baselineId }) => ({ baselineId: baselineId === id ? null : id }));
}

export function renameRun(id: string, name: string): void {
  const trimmed = name.trim();
  const run = trimmed ? updateRun(id, { name: trimmed, renamed: true }) : updateRun(id, { renamed: false });
  if (run && (id !== useRuns.getState().liveId || hasTrained(run.points))) saver?.saveRun(run, true);
}

export async function deleteRun(id: string): Promise<void> {
  if (id === useRuns.getState().liveId) return;
  useRuns.setState(({ runs, shown, baselineId }) => ({
    runs: runs.filter((r) => r.id !== id),
    shown: shown.filter((x) => x !== id),
    baselineId: baselineId === id ? null : baselineId,
  }));
  saver?.forget(id);
  await storage?.deleteRun(id).catch(() => undefined);
}

/**
 * Forgets every saved run in this browser; the list keeps only the live run, which is saved again
 * once it takes another step (so a reload right after clearing starts afresh).
 */
export async function clearSavedRuns(): Promise<void> {
  const { liveId } = useRuns.getState();
  useRuns.setState(({ runs, baselineId }) => ({
    runs: runs.filter((r) => r.id === liveId),
    shown: [],
    baselineId: baselineId === liveId ? baselineId : null,
    notice: null,
    rejected: [],
  }));
  saver?.forgetAll();
  try {
    await storage?.clear();
    useRuns.setState({ autosave: { state: 'idle' } });
  } catch (error) {
    useRuns.setState({ autosave: { state: 'failed', message: error instanceof Error ? error.message : String(error) } });
  }
}

export const dismissRunsNotice = () => useRuns.setState({ notice: null });

/** Test hook: stops following the page's store. */
export function stopTrackingRuns(): void {
  tracking?.();
  tracking = null;
  saver?.forgetAll();
  saver = null;
  storage = null;
}
