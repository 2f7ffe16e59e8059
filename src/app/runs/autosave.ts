/**
 * Autosave: kept runs and each run's latest adapter snapshot in IndexedDB (through `idb`), behind
 * the small `RunStorage` interface, plus the `Autosaver` that throttles writes (at most one batch
 * every `intervalMs` while training, sooner when training stops) and turns a full storage quota into
 * a status instead of an error: training never waits on, or fails because of, a save.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { Snapshot } from '../../worker/protocol';
import type { RunRecord } from './run-history';
import { describeIssues, parseRecord } from '../../engine/records';
import { currentRunSchema, runRecordSchema, snapshotSchema, type RejectedRecord } from './records';

export interface SavedRuns {
  /** Every kept run, oldest first. */
  runs: RunRecord[];
  /** The run that was live when the page last saved; null when none (or after clearing). */
  currentId: string | null;
  /** Stored runs that do not fit the run schema: left in storage, not loaded, until discarded. */
  rejected: RejectedRecord[];
}

/** What one write puts down, in one transaction. */
export interface SaveBatch {
  runs: RunRecord[];
  snapshots: { runId: string; snapshot: Snapshot }[];
  /** Which run is live; undefined leaves it as it is. */
  currentId?: string | null;
  /** Runs whose snapshot is removed (their run ended: only the live run's snapshot is ever read back). */
  deleteSnapshots?: string[];
}

export interface RunStorage {
  load(): Promise<SavedRuns>;
  loadSnapshot(runId: string): Promise<Snapshot | null>;
  save(batch: SaveBatch): Promise<void>;
  /** Removes a run and its snapshot (also a rejected one, by its key). */
  deleteRun(runId: string): Promise<void>;
  /** Removes a run's snapshot only (one that no longer fits its model). */
  deleteSnapshot(runId: string): Promise<void>;
  /** Removes every run, snapshot and the current-run mark. */
  clear(): Promise<void>;
}

interface RunsDb extends DBSchema {
  // Values as written; what is read back is checked against its schema (records.ts) before use.
  runs: { key: string; value: RunRecord };
  snapshots: { key: string; value: Snapshot };
  meta: { key: string; value: string | null };
}

export const RUNS_DB_NAME = 'fpt-playground-runs';
const CURRENT = 'current';

/** The browser's storage. Nothing is opened until the first call; a failed open is retried on the next. */
export function idbRunStorage(dbName = RUNS_DB_NAME): RunStorage {
  let opening: Promise<IDBPDatabase<RunsDb>> | null = null;
  const db = () =>
    (opening ??= openDB<RunsDb>(dbName, 1, {
      upgrade(d) {
        d.createObjectStore('runs', { keyPath: 'id' });
        d.createObjectStore('snapshots');
        d.createObjectStore('meta');
      },
    }).catch((error: unknown) => {
      opening = null;
      throw error;
    }));
  return {
    async load() {
      const d = await db();
      const tx = d.transaction(['runs', 'meta'], 'readonly');
      const [keys, values, current] = await Promise.all([
        tx.objectStore('runs').getAllKeys(),
        tx.objectStore('runs').getAll(),
        tx.objectStore('meta').get(CURRENT),
      ]);
      const runs: RunRecord[] = [];
      const rejected: RejectedRecord[] = [];
      values.forEach((value: unknown, i) => {
        const checked = runRecordSchema.safeParse(value);
        if (checked.success) runs.push(checked.data);
        else rejected.push({ id: String(keys[i]), label: savedRunLabel(value, String(keys[i])), problem: describeIssues(checked.error).join('; ') });
      });
      runs.sort((a, b) => a.createdAt - b.createdAt);
      const mark = currentRunSchema.safeParse(current ?? null);
      return { runs, currentId: mark.success ? mark.data : null, rejected };
    },
    async loadSnapshot(runId) {
      const stored: unknown = await (await db()).get('snapshots', runId);
      if (stored === undefined) return null;
      return parseRecord(snapshotSchema, stored, `the saved snapshot of run ${runId}`);
    },
    async save(batch) {
      // The writer checks what the reader will: a record that would be refused is never written.
      for (const run of batch.runs) parseRecord(runRecordSchema, run, `run "${run.name}"`);
      for (const { runId, snapshot } of batch.snapshots) parseRecord(snapshotSchema, snapshot, `the snapshot of run ${runId}`);
      const tx = (await db()).transaction(['runs', 'snapshots', 'meta'], 'readwrite');
      const writes: Promise<unknown>[] = [];
      try {
        for (const run of batch.runs) writes.push(tx.objectStore('runs').put(run));
        for (const { runId, snapshot } of batch.snapshots) writes.push(tx.objectStore('snapshots').put(snapshot, runId));
        if (batch.currentId !== undefined) writes.push(tx.objectStore('meta').put(batch.currentId, CURRENT));
        for (const runId of batch.deleteSnapshots ?? []) writes.push(tx.objectStore('snapshots').delete(runId));
        await Promise.all([...writes, tx.done]);
      } catch (error) {
        // All or nothing: the writes already queued fail with the transaction (quietly).
        writes.forEach((w) => w.catch(() => undefined));
        abortQuietly(tx);
        throw error;
      }
    },
    async deleteRun(runId) {
      const tx = (await db()).transaction(['runs', 'snapshots'], 'readwrite');
      await Promise.all([tx.objectStore('runs').delete(runId), tx.objectStore('snapshots').delete(runId), tx.done]);
    },
    async deleteSnapshot(runId) {
      await (await db()).delete('snapshots', runId);
    },
    async clear() {
      const tx = (await db()).transaction(['runs', 'snapshots', 'meta'], 'readwrite');
      await Promise.all([tx.objectStore('runs').clear(), tx.objectStore('snapshots').clear(), tx.objectStore('meta').clear(), tx.done]);
    },
  };
}

/** What a stored run is called in messages: its name when it has a readable one, else its key. */
function savedRunLabel(value: unknown, key: string): string {
  const name = typeof value === 'object' && value !== null ? (value as { name?: unknown }).name : undefined;
  return typeof name === 'string' && name.trim() !== '' ? `"${name.length > 80 ? `${name.slice(0, 80)}…` : name}"` : `run ${key}`;
}

function abortQuietly(tx: { abort(): void; done: Promise<void> }): void {
  tx.done.catch(() => undefined);
  try {
    tx.abort();
  } catch {
    // Already finished or aborted (a quota error aborts the transaction itself).
  }
}

/** A full storage quota, as Chromium, Firefox and Safari report it (IndexedDB and Web Storage alike). */
export function isQuotaError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED' || code === 22 || code === 1014;
}

/** Bytes a snapshot's values take. */
export function snapshotBytes(snapshot: Snapshot): number {
  return Object.values(snapshot.params).reduce((sum, p) => sum + p.data.byteLength, 0);
}

export type AutosaveStatus =
  /** Nothing to save yet. */
  | { state: 'idle' }
  /** The last write succeeded; `resumeStep`: the step a reload resumes the live run at (null: its adapters are not saved). */
  | { state: 'saved'; resumeStep: number | null; at: number }
  /** The browser's storage quota is full: nothing more is saved until space is freed. */
  | { state: 'full'; message: string }
  /** Another failure of a write. */
  | { state: 'failed'; message: string }
  /** No usable IndexedDB (blocked, private mode): runs are kept for this page only. */
  | { state: 'off'; message: string };

export interface AutosaverOptions {
  /** Least time between two writes while training (ms). */
  intervalMs?: number;
  /** Delay of a write asked for "soon" (training paused, a run ended, a rename). */
  soonMs?: number;
  /** Snapshots larger than this are not saved (the curves still are). */
  maxSnapshotBytes?: number;
  onStatus?(status: AutosaveStatus): void;
  now?(): number;
}

export const AUTOSAVE_INTERVAL_MS = 3000;
/** GPT-2 small with everything trainable is about 340 MB of values: far too much to rewrite every few seconds. */
export const MAX_SNAPSHOT_BYTES = 128 * 2 ** 20;

/**
 * Collects what changed (latest run records, latest snapshot per run, the current-run mark) and
 * writes it in one batch, throttled. A failed batch is kept for the next attempt unless something
 * newer replaced it.
 */
export class Autosaver {
  private readonly runs = new Map<string, RunRecord>();
  private readonly snapshots = new Map<string, Snapshot>();
  private currentId: string | null | undefined = undefined;
  /** Runs whose stored snapshot the next write removes. */
  private readonly droppedSnapshots = new Set<string>();
  /** The step each run's saved snapshot was taken at. */
  private readonly savedSnapshotStep = new Map<string, number>();
  /** The runs whose snapshot was too large to save. */
  private readonly curvesOnly = new Set<string>();
  private liveId: string | null = null;
  /** Runs the user deleted: never written again, not even by a failed write that is retried. */
  private readonly deleted = new Set<string>();
  /** Counts "Clear saved runs": a write begun before a clear is never retried after it. */
  private generation = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private deadline = Infinity;
  private lastWrite = -Infinity;
  private writing: Promise<void> | null = null;
  private readonly intervalMs: number;
  private readonly soonMs: number;
  private readonly maxSnapshotBytes: number;
  private readonly now: () => number;
  status: AutosaveStatus = { state: 'idle' };

  constructor(
    private readonly storage: RunStorage,
    private readonly options: AutosaverOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? AUTOSAVE_INTERVAL_MS;
    this.soonMs = options.soonMs ?? 200;
    this.maxSnapshotBytes = options.maxSnapshotBytes ?? MAX_SNAPSHOT_BYTES;
    this.now = options.now ?? (() => Date.now());
  }

  /** Marks the live run: it is what a reload restores. */
  setCurrent(runId: string | null): void {
    this.liveId = runId;
    this.currentId = runId;
    this.schedule(true);
  }

  saveRun(run: RunRecord, soon = false): void {
    if (this.deleted.has(run.id)) return;
    this.runs.set(run.id, run);
    this.schedule(soon);
  }

  /** Returns false (and saves nothing) when the snapshot is over the size limit. */
  saveSnapshot(runId: string, snapshot: Snapshot, soon = false): boolean {
    if (snapshotBytes(snapshot) > this.maxSnapshotBytes) {
      this.curvesOnly.add(runId);
      this.snapshots.delete(runId);
      return false;
    }
    this.curvesOnly.delete(runId);
    if (this.deleted.has(runId)) return true;
    // Already stored (the snapshot a page load resumed from): nothing to write.
    if (this.savedSnapshotStep.get(runId) === snapshot.step && !this.snapshots.has(runId) && !this.droppedSnapshots.has(runId)) return true;
    this.droppedSnapshots.delete(runId);
    this.snapshots.set(runId, snapshot);
    this.schedule(soon);
    return true;
  }

  /** Records that the storage already holds the run's snapshot taken at `step` (it was read back from there). */
  markSaved(runId: string, step: number): void {
    this.savedSnapshotStep.set(runId, step);
  }

  /**
   * The run ended: its snapshot is never read back (only the live run's is), so what is waiting is
   * dropped and the stored one is removed with the next write.
   */
  dropSnapshot(runId: string): void {
    this.snapshots.delete(runId);
    this.savedSnapshotStep.delete(runId);
    this.curvesOnly.delete(runId);
    this.droppedSnapshots.add(runId);
    this.schedule(true);
  }

  get snapshotLimitMb(): number {
    return this.maxSnapshotBytes / 2 ** 20;
  }

  /** Whether the run's adapters are too large to autosave (its curves are saved). */
  isCurvesOnly(runId: string): boolean {
    return this.curvesOnly.has(runId);
  }

  /** Drops what is waiting for a run about to be deleted; nothing of it is written from now on. */
  forget(runId: string): void {
    this.deleted.add(runId);
    this.runs.delete(runId);
    this.snapshots.delete(runId);
    this.droppedSnapshots.delete(runId);
    this.savedSnapshotStep.delete(runId);
  }

  /** Drops everything waiting (after the storage was cleared). */
  forgetAll(): void {
    this.generation++;
    this.runs.clear();
    this.snapshots.clear();
    this.droppedSnapshots.clear();
    this.savedSnapshotStep.clear();
    this.currentId = undefined;
    this.cancelTimer();
    this.setStatus({ state: 'idle' });
  }

  get pending(): boolean {
    return this.runs.size > 0 || this.snapshots.size > 0 || this.droppedSnapshots.size > 0 || this.currentId !== undefined;
  }

  private schedule(soon: boolean): void {
    const at = soon ? this.now() + this.soonMs : Math.max(this.now(), this.lastWrite + this.intervalMs);
    if (this.timer !== null && this.deadline <= at) return;
    this.cancelTimer();
    this.deadline = at;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.deadline = Infinity;
        void this.flush();
      },
      Math.max(0, at - this.now()),
    );
  }

  private cancelTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.deadline = Infinity;
  }

  /** Writes whatever is waiting now (one write at a time). Never rejects. */
  async flush(): Promise<void> {
    this.cancelTimer();
    while (this.writing) await this.writing;
    if (!this.pending) return;
    const batch: SaveBatch = {
      runs: [...this.runs.values()],
      snapshots: [...this.snapshots].map(([runId, snapshot]) => ({ runId, snapshot })),
      currentId: this.currentId,
      ...(this.droppedSnapshots.size > 0 ? { deleteSnapshots: [...this.droppedSnapshots] } : {}),
    };
    this.runs.clear();
    this.snapshots.clear();
    this.droppedSnapshots.clear();
    this.currentId = undefined;
    this.lastWrite = this.now();
    this.writing = this.write(batch, this.generation);
    await this.writing;
    this.writing = null;
  }

  private async write(batch: SaveBatch, generation: number): Promise<void> {
    try {
      await this.storage.save(batch);
      for (const { runId, snapshot } of batch.snapshots) this.savedSnapshotStep.set(runId, snapshot.step);
      const live = this.liveId;
      this.setStatus({ state: 'saved', resumeStep: live === null ? null : (this.savedSnapshotStep.get(live) ?? null), at: this.now() });
    } catch (error) {
      // Saved runs were cleared while this write was in flight: what it held is forgotten too.
      if (generation !== this.generation) return;
      // Keep the batch for the next attempt, unless newer values arrived, or the run was deleted, meanwhile.
      for (const run of batch.runs) if (!this.runs.has(run.id) && !this.deleted.has(run.id)) this.runs.set(run.id, run);
      for (const { runId, snapshot } of batch.snapshots) if (!this.snapshots.has(runId) && !this.deleted.has(runId)) this.snapshots.set(runId, snapshot);
      if (this.currentId === undefined) this.currentId = batch.currentId;
      for (const runId of batch.deleteSnapshots ?? []) if (!this.snapshots.has(runId)) this.droppedSnapshots.add(runId);
      const message = error instanceof Error ? error.message : String(error);
      this.setStatus(isQuotaError(error) ? { state: 'full', message } : { state: 'failed', message });
    }
  }

  private setStatus(status: AutosaveStatus): void {
    this.status = status;
    this.options.onStatus?.(status);
  }
}
