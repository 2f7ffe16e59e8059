import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Snapshot } from '../../worker/protocol';
import { openDB } from 'idb';
import { InvalidRecordError } from '../../engine/records';
import { Autosaver, idbRunStorage, isQuotaError, snapshotBytes, type AutosaveStatus, type RunStorage, type SaveBatch } from './autosave';
import type { RunRecord } from './run-history';
import { bitXorSettings } from './test-support';

const SETTINGS = bitXorSettings(['output']);

function run(id: string, steps: number, createdAt = 0): RunRecord {
  return {
    id,
    name: `run ${id}`,
    renamed: false,
    settings: SETTINGS,
    metric: 'per-bit accuracy',
    points: Array.from({ length: steps + 1 }, (_, step) =>
      step === 0
        ? { step, testAccuracy: 0.5 }
        : { step, trainLoss: 1 / step, gradNorm: 2 / step, ...(step % 2 === 0 ? { testAccuracy: 0.5 + step / 100 } : {}) },
    ),
    createdAt,
    updatedAt: createdAt,
  };
}

function snapshot(step: number, seed = 1): Snapshot {
  return {
    step,
    params: {
      'out.weight': { shape: [2, 2], data: new Float32Array([seed, -seed / 3, 1e-7, Math.PI]) },
      'out.bias': { shape: [2], data: new Float32Array([0.25, -0.5]) },
    },
  };
}

const quotaError = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError');

let dbCount = 0;
const freshDb = () => idbRunStorage(`fpt-runs-test-${dbCount++}`);

describe('IndexedDB storage (fake-indexeddb)', () => {
  it('round-trips runs, snapshots bit for bit, and the current run', async () => {
    const storage = freshDb();
    expect(await storage.load()).toEqual({ runs: [], currentId: null, rejected: [] });
    const a = run('a', 12, 2);
    const b = run('b', 3, 1);
    await storage.save({ runs: [a, b], snapshots: [{ runId: 'a', snapshot: snapshot(12, 7) }], currentId: 'a' });
    const loaded = await storage.load();
    expect(loaded.currentId).toBe('a');
    expect(loaded.runs.map((r) => r.id)).toEqual(['b', 'a']);
    expect(loaded.runs[1]).toEqual(a);
    const back = (await storage.loadSnapshot('a'))!;
    expect(back.step).toBe(12);
    expect(back.params['out.weight'].shape).toEqual([2, 2]);
    expect(Array.from(back.params['out.weight'].data)).toEqual(Array.from(new Float32Array([7, -7 / 3, 1e-7, Math.PI])));
    expect(back.params['out.weight'].data).toBeInstanceOf(Float32Array);
    expect(await storage.loadSnapshot('b')).toBeNull();

    // A later batch replaces a run's record and snapshot; leaving currentId out keeps the mark.
    await storage.save({ runs: [run('a', 20, 2)], snapshots: [{ runId: 'a', snapshot: snapshot(20) }] });
    expect((await storage.load()).runs[1].points).toHaveLength(21);
    expect((await storage.loadSnapshot('a'))!.step).toBe(20);
    expect((await storage.load()).currentId).toBe('a');

    await storage.deleteRun('a');
    expect((await storage.load()).runs.map((r) => r.id)).toEqual(['b']);
    expect(await storage.loadSnapshot('a')).toBeNull();
    await storage.clear();
    expect(await storage.load()).toEqual({ runs: [], currentId: null, rejected: [] });
  });

  it('reports a full quota as a quota error and writes nothing of the failed batch', async () => {
    const storage = freshDb();
    await storage.save({ runs: [run('old', 2)], snapshots: [], currentId: 'old' });
    const put = IDBObjectStore.prototype.put;
    const spy = vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (this.name === 'snapshots') throw quotaError();
      return put.apply(this, args);
    });
    const failure = await storage
      .save({ runs: [run('new', 5)], snapshots: [{ runId: 'new', snapshot: snapshot(5) }], currentId: 'new' })
      .catch((e: unknown) => e);
    spy.mockRestore();
    expect(isQuotaError(failure)).toBe(true);
    // The transaction was aborted: the run record written before the snapshot failed is not there.
    expect(await storage.load()).toEqual({ runs: [run('old', 2)], currentId: 'old', rejected: [] });
  });
});

it('recognises quota errors as the browsers report them', () => {
  expect(isQuotaError(quotaError())).toBe(true);
  expect(isQuotaError({ name: 'NS_ERROR_DOM_QUOTA_REACHED' })).toBe(true);
  expect(isQuotaError({ name: 'Error', code: 22 })).toBe(true);
  expect(isQuotaError(new DOMException('x', 'AbortError'))).toBe(false);
  expect(isQuotaError(new Error('QuotaExceededError'))).toBe(false);
  expect(isQuotaError(null)).toBe(false);
});

/** Records every batch; `fail` makes the next saves reject. */
class RecordingStorage implements RunStorage {
  batches: SaveBatch[] = [];
  fail: (() => unknown) | null = null;
  /** When set, the next save waits for it (a write in flight), then fails or succeeds as `fail` says. */
  gate: Promise<void> | null = null;
  async load() {
    return { runs: [], currentId: null, rejected: [] };
  }
  async loadSnapshot() {
    return null;
  }
  async save(batch: SaveBatch) {
    if (this.gate) await this.gate;
    if (this.fail) throw this.fail();
    this.batches.push(batch);
  }
  async deleteRun() {}
  async deleteSnapshot() {}
  async clear() {}
}

/** An autosaver over a RecordingStorage, its statuses recorded, with run "a" (4 steps) and its snapshot waiting to be written. */
function savingRunA() {
  const storage = new RecordingStorage();
  const statuses: AutosaveStatus[] = [];
  const saver = new Autosaver(storage, { onStatus: (s) => statuses.push(s) });
  saver.setCurrent('a');
  saver.saveRun(run('a', 4));
  saver.saveSnapshot('a', snapshot(4));
  return { storage, statuses, saver };
}

describe('Autosaver', () => {
  afterEach(() => vi.useRealTimers());

  it('throttles: many updates while training make one write, with the latest values', async () => {
    vi.useFakeTimers();
    const storage = new RecordingStorage();
    const statuses: AutosaveStatus[] = [];
    const saver = new Autosaver(storage, { intervalMs: 3000, onStatus: (s) => statuses.push(s), now: () => Date.now() });
    saver.setCurrent('a');
    await vi.advanceTimersByTimeAsync(250);
    expect(storage.batches).toEqual([{ runs: [], snapshots: [], currentId: 'a' }]);

    for (let step = 1; step <= 30; step++) {
      saver.saveRun(run('a', step));
      if (step % 20 === 0) saver.saveSnapshot('a', snapshot(step));
      await vi.advanceTimersByTimeAsync(100);
    }
    // 3 s of updates, one every 100 ms: one write once the interval since the first has passed.
    expect(storage.batches).toHaveLength(2);
    expect(storage.batches[1].runs).toHaveLength(1);
    expect(storage.batches[1].runs[0].points.at(-1)!.step).toBeGreaterThanOrEqual(28);
    expect(storage.batches[1].snapshots.map((s) => s.snapshot.step)).toEqual([20]);
    expect(storage.batches[1].currentId).toBeUndefined();
    expect(statuses.at(-1)).toMatchObject({ state: 'saved', resumeStep: 20 });

    // Training stops: asked "soon", the rest goes down within a fraction of a second.
    saver.saveRun(run('a', 31), true);
    saver.saveSnapshot('a', snapshot(31), true);
    await vi.advanceTimersByTimeAsync(250);
    expect(storage.batches).toHaveLength(3);
    expect(storage.batches[2].snapshots[0].snapshot.step).toBe(31);
    expect(statuses.at(-1)).toMatchObject({ state: 'saved', resumeStep: 31 });
  });

  it('a full storage is a status, not an error: the batch is kept and saved once space is back', async () => {
    const { storage, statuses, saver } = savingRunA();
    storage.fail = quotaError;
    await expect(saver.flush()).resolves.toBeUndefined();
    expect(statuses.at(-1)).toEqual({ state: 'full', message: 'The quota has been exceeded.' });
    expect(storage.batches).toHaveLength(0);
    expect(saver.pending).toBe(true);

    // Training went on meanwhile: the newer record replaces the kept one, the kept snapshot stays.
    saver.saveRun(run('a', 6));
    storage.fail = null;
    await saver.flush();
    expect(storage.batches).toHaveLength(1);
    expect(storage.batches[0].runs.map((r) => r.points.length)).toEqual([7]);
    expect(storage.batches[0].snapshots.map((s) => s.snapshot.step)).toEqual([4]);
    expect(storage.batches[0].currentId).toBe('a');
    expect(statuses.at(-1)).toMatchObject({ state: 'saved', resumeStep: 4 });
    expect(saver.pending).toBe(false);

    storage.fail = () => new Error('disk on fire');
    saver.saveRun(run('a', 7));
    await saver.flush();
    expect(statuses.at(-1)).toEqual({ state: 'failed', message: 'disk on fire' });
  });

  it('keeps snapshots over the size limit out, and says a reload cannot resume', async () => {
    const storage = new RecordingStorage();
    const statuses: AutosaveStatus[] = [];
    const big = snapshot(3);
    const saver = new Autosaver(storage, { maxSnapshotBytes: snapshotBytes(big) - 1, onStatus: (s) => statuses.push(s) });
    expect(snapshotBytes(big)).toBe(6 * 4);
    saver.setCurrent('a');
    saver.saveRun(run('a', 3));
    expect(saver.saveSnapshot('a', big)).toBe(false);
    expect(saver.isCurvesOnly('a')).toBe(true);
    await saver.flush();
    expect(storage.batches[0].snapshots).toEqual([]);
    expect(storage.batches[0].runs).toHaveLength(1);
    expect(statuses.at(-1)).toMatchObject({ state: 'saved', resumeStep: null });
  });

  it('writes through to IndexedDB end to end', async () => {
    const storage = freshDb();
    const saver = new Autosaver(storage);
    saver.setCurrent('live');
    saver.saveRun(run('live', 9));
    saver.saveSnapshot('live', snapshot(9));
    await saver.flush();
    const loaded = await storage.load();
    expect(loaded.currentId).toBe('live');
    expect(loaded.runs[0].points).toHaveLength(10);
    expect((await storage.loadSnapshot('live'))!.step).toBe(9);
  });
});

/** A write that fails after the test has done something while it was in flight. */
function inFlightFailure(storage: RecordingStorage): () => void {
  let release!: () => void;
  storage.gate = new Promise<void>((resolve) => (release = resolve));
  storage.fail = () => new Error('disk on fire');
  return () => {
    storage.gate = null;
    release();
  };
}

describe('Autosaver: what the user removed stays removed (issue 11, item 4)', () => {
  it('a run deleted while a write of it was in flight is not written again when that write fails', async () => {
    const storage = new RecordingStorage();
    const saver = new Autosaver(storage);
    saver.saveRun(run('kept', 3));
    saver.saveRun(run('doomed', 5));
    const release = inFlightFailure(storage);
    const flushing = saver.flush();
    // The user deletes "doomed" while the write holding it is in flight; then the write fails.
    saver.forget('doomed');
    release();
    await flushing;
    expect(saver.pending).toBe(true);
    storage.fail = null;
    await saver.flush();
    expect(storage.batches.map((b) => b.runs.map((r) => r.id))).toEqual([['kept']]);
    // Nothing that arrives later brings it back either (a rename of a stale row, say).
    saver.saveRun(run('doomed', 6), true);
    saver.saveSnapshot('doomed', snapshot(6));
    expect(saver.pending).toBe(false);
  });

  it('"Clear saved runs" during a failing write is not undone by its retry', async () => {
    const { storage, statuses, saver } = savingRunA();
    const release = inFlightFailure(storage);
    const flushing = saver.flush();
    saver.forgetAll();
    release();
    await flushing;
    expect(saver.pending).toBe(false);
    storage.fail = null;
    await saver.flush();
    expect(storage.batches).toEqual([]);
    // The stale write's failure is not reported over the cleared state.
    expect(statuses.at(-1)).toEqual({ state: 'idle' });
  });
});

describe('stored records are checked against their schemas (issue 11, item 5)', () => {
  /** Writes raw values past the schema, as a damaged or foreign record would be. */
  async function plant(dbName: string, runs: unknown[], snapshots: [string, unknown][] = [], current: unknown = null) {
    const storage = idbRunStorage(dbName);
    await storage.load(); // creates the stores
    const db = await openDB(dbName, 1);
    const tx = db.transaction(['runs', 'snapshots', 'meta'], 'readwrite');
    for (const r of runs) await tx.objectStore('runs').put(r);
    for (const [key, value] of snapshots) await tx.objectStore('snapshots').put(value, key);
    await tx.objectStore('meta').put(current, 'current');
    await tx.done;
    db.close();
    return storage;
  }

  it('sets aside a run without points, or with settings out of range, naming it and the field; loads the rest', async () => {
    const { points: _dropped, ...noPoints } = run('nopoints', 2, 1);
    const badSeed = { ...run('badseed', 2, 2), name: 'huge seed', settings: { ...SETTINGS, seed: 2 ** 40 } };
    const badLr = { ...run('badlr', 2, 3), settings: { ...SETTINGS, lr: -1 } };
    const good = run('good', 3, 4);
    const storage = await plant(`fpt-runs-bad-${dbCount++}`, [noPoints, badSeed, badLr, good], [], 'nopoints');
    const loaded = await storage.load();
    expect(loaded.runs).toEqual([good]);
    expect(loaded.currentId).toBe('nopoints');
    expect(loaded.rejected).toEqual([
      { id: 'badlr', label: '"run badlr"', problem: expect.stringMatching(/^settings\.lr: Too small/) },
      { id: 'badseed', label: '"huge seed"', problem: expect.stringMatching(/^settings\.seed: Too big.*4294967295/) },
      { id: 'nopoints', label: '"run nopoints"', problem: expect.stringMatching(/^points: /) },
    ]);
    // Discarding removes exactly the rejected record.
    await storage.deleteRun('nopoints');
    expect((await storage.load()).rejected.map((r) => r.id)).toEqual(['badlr', 'badseed']);
  });

  it('refuses a snapshot whose values do not fill its shapes, naming the run and the tensor', async () => {
    const broken = { step: 4, params: { 'out.weight': { shape: [2, 2], data: new Float32Array(3) } } };
    const storage = await plant(
      `fpt-runs-bad-${dbCount++}`,
      [run('a', 4)],
      [
        ['a', broken],
        ['b', { step: -1, params: {} }],
      ],
    );
    const error = await storage.loadSnapshot('a').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRecordError);
    expect((error as Error).message).toBe('the saved snapshot of run a is not valid: params.out.weight: its values do not fill its shape');
    await expect(storage.loadSnapshot('b')).rejects.toThrow(/step: Too small/);
  });

  it('never writes a record its reader would refuse', async () => {
    const storage = freshDb();
    const bad = { ...run('bad', 2), settings: { ...SETTINGS, batchSize: 0 } };
    await expect(storage.save({ runs: [bad], snapshots: [] })).rejects.toThrow('run "run bad" is not valid: settings.batchSize: Too small');
    expect((await storage.load()).runs).toEqual([]);
  });
});
