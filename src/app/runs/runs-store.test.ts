import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MetricsPoint, Snapshot } from '../../worker/protocol';
import { DEFAULT_SETTINGS } from '../settings';
import { useRun } from '../stores/run-store';
import { useSettings } from '../stores/settings-store';
import { beginFreshRun } from '../run-lifecycle';
import { openDB } from 'idb';
import { idbRunStorage, type RunStorage, type SaveBatch } from './autosave';
import { restore } from './restore';
import type { RunRecord } from './run-history';
import { clearSavedRuns, deleteRun, liveRun, renameRun, stopTrackingRuns, toggleBaseline, trackRuns, updateLiveSettings, useRuns } from './runs-store';

// The page's side of the worker, minus the worker: startRun does to the stores what
// run-lifecycle's beginFreshRun does (a fresh run) or nothing (resuming a snapshot), then spawns
// the worker, which a Node test has not got.
const { startRun } = vi.hoisted(() => ({ startRun: vi.fn() }));
vi.mock('../training-client', () => ({ startRun }));

const startFresh = (snapshot?: Snapshot) => {
  if (!snapshot) beginFreshRun();
};

const trainedPoints = (steps: number): MetricsPoint[] => [
  { step: 0, testAccuracy: 0.5 },
  ...Array.from({ length: steps }, (_, i) => ({ step: i + 1, trainLoss: 0.7 - i / 100, ...(i + 1 === steps ? { testAccuracy: 0.75 } : {}) })),
];

const snapshotAt = (step: number): Snapshot => ({ step, params: { 'out.bias': { shape: [2], data: new Float32Array([step, -step]) } } });

let storage: RunStorage;
let n = 0;

beforeEach(() => {
  storage = idbRunStorage(`fpt-runs-store-test-${n++}`);
  startRun.mockReset();
  startRun.mockImplementation(startFresh);
  useSettings.setState({
    settings: { ...DEFAULT_SETTINGS, model: 'tiny-gpt2', init: 'random', lr: 0.003, groups: ['input', 'output', 'positions', 'layernorm'] },
  });
  useRun.setState({ points: [], snapshot: null, running: false, metric: 'per-bit accuracy' });
  useRuns.setState({ runs: [], liveId: '', shown: [], baselineId: null, notice: null, autosave: { state: 'idle' } });
});

afterEach(() => stopTrackingRuns());

const saved = () => vi.waitFor(() => expect(useRuns.getState().autosave.state).toBe('saved'), { timeout: 5000 });

describe('the live run and the kept ones', () => {
  it('a new run keeps the previous one, with the settings it trained with, and saves it', async () => {
    trackRuns(storage);
    startFresh();
    const first = liveRun()!;
    expect(first.name).toBe('Bit XOR 5 · tiny random · in+out+pos+ln · lr 0.003 · seed 0');

    useRun.setState({ points: trainedPoints(3) });
    // The learning rate changes within a run (training-client's setLearningRate says so): the live record follows.
    useSettings.getState().patchSettings({ lr: 0.01 });
    updateLiveSettings({ lr: 0.01 });
    expect(liveRun()!.settings.lr).toBe(0.01);
    expect(liveRun()!.name).toContain('lr 0.01');

    // A new seed starts a new run in the same task: the ended run keeps seed 0.
    useSettings.getState().patchSettings({ seed: 1 });
    startFresh();
    await Promise.resolve();
    const { runs, liveId } = useRuns.getState();
    expect(runs.map((r) => [r.settings.seed, r.points.length, r.id === liveId])).toEqual([
      [0, 4, false],
      [1, 0, true],
    ]);
    expect(runs[0].settings.lr).toBe(0.01);

    await saved();
    const stored = await storage.load();
    expect(stored.currentId).toBe(liveId);
    expect(stored.runs.map((r) => [r.id, r.points.length])).toEqual([[first.id, 4]]);
  });

  it('drops a run that never trained; deletes, renames and pins', async () => {
    trackRuns(storage);
    startFresh();
    startFresh();
    expect(useRuns.getState().runs).toHaveLength(1);

    useRun.setState({ points: trainedPoints(2) });
    const kept = liveRun()!.id;
    startFresh();
    renameRun(kept, '  pretrained, frozen  ');
    toggleBaseline(kept);
    expect(useRuns.getState().runs[0].name).toBe('pretrained, frozen');
    expect(useRuns.getState().baselineId).toBe(kept);
    await saved();
    expect((await storage.load()).runs[0].name).toBe('pretrained, frozen');

    await deleteRun(useRuns.getState().liveId);
    expect(useRuns.getState().runs).toHaveLength(2);
    await deleteRun(kept);
    expect(useRuns.getState().runs).toHaveLength(1);
    expect(useRuns.getState().baselineId).toBeNull();
    expect((await storage.load()).runs).toEqual([]);
  });

  it('clearing forgets every saved run; the live run stays on screen', async () => {
    trackRuns(storage);
    startFresh();
    useRun.setState({ points: trainedPoints(2) });
    startFresh();
    useRun.setState({ points: trainedPoints(1), snapshot: snapshotAt(1) });
    await saved();
    expect((await storage.load()).runs).toHaveLength(2);
    await clearSavedRuns();
    expect(await storage.load()).toEqual({ runs: [], currentId: null, rejected: [] });
    expect(useRuns.getState().runs.map((r) => r.id)).toEqual([useRuns.getState().liveId]);
    expect(await storage.loadSnapshot(useRuns.getState().liveId)).toBeNull();
  });
});

describe('snapshots', () => {
  it('saves the first snapshot, which arrives before the metrics of its step', async () => {
    trackRuns(storage);
    startFresh();
    const id = useRuns.getState().liveId;
    // 25 steps per update: the worker posts the step-25 snapshot while the curve still shows only step 0.
    useRun.setState({ points: [{ step: 0, testAccuracy: 0.5 }] });
    useRun.setState({ snapshot: snapshotAt(25) });
    useRun.setState({ points: trainedPoints(25) });
    await vi.waitFor(async () => expect((await storage.loadSnapshot(id))?.step).toBe(25), { timeout: 5000 });
  });

  it("a new run removes the ended run's stored snapshot (only the live run's is read back)", async () => {
    trackRuns(storage);
    startFresh();
    const first = useRuns.getState().liveId;
    useRun.setState({ points: trainedPoints(2), snapshot: snapshotAt(2) });
    await vi.waitFor(async () => expect((await storage.loadSnapshot(first))?.step).toBe(2), { timeout: 5000 });
    // One more snapshot waits unwritten when the run ends.
    useRun.setState({ points: trainedPoints(4), snapshot: snapshotAt(4), running: true });
    useSettings.getState().patchSettings({ seed: 1 });
    startFresh();
    const second = useRuns.getState().liveId;
    expect(second).not.toBe(first);
    await vi.waitFor(async () => expect((await storage.load()).currentId).toBe(second), { timeout: 5000 });
    expect(await storage.loadSnapshot(first)).toBeNull();
    // The ended run itself is kept.
    expect((await storage.load()).runs.map((r) => r.id)).toEqual([first]);
  });
});

describe('restoring on page load', () => {
  async function seed(settingsSeed = 0): Promise<RunRecord> {
    const record: RunRecord = {
      id: 'saved-run',
      name: 'saved run',
      renamed: true,
      settings: { ...DEFAULT_SETTINGS, init: 'random', lr: 0.01, seed: settingsSeed, groups: ['output', 'layernorm'] },
      metric: 'per-bit accuracy',
      // Curves run two steps past the last snapshot (saved between snapshots).
      points: trainedPoints(5),
      createdAt: 1,
      updatedAt: 1,
    };
    await storage.save({ runs: [record], snapshots: [{ runId: record.id, snapshot: snapshotAt(3) }], currentId: record.id });
    return record;
  }

  it('a bare link resumes the saved run: its settings, its curve up to the snapshot, its values, paused', async () => {
    const record = await seed();
    await restore(storage, '');
    expect(startRun).toHaveBeenCalledTimes(1);
    const snapshot = startRun.mock.calls[0][0] as Snapshot;
    expect(snapshot.step).toBe(3);
    expect(Array.from(snapshot.params['out.bias'].data)).toEqual([3, -3]);
    const s = useRun.getState();
    expect(useSettings.getState().settings).toEqual(record.settings);
    expect(s.points.map((p) => p.step)).toEqual([0, 1, 2, 3]);
    expect(s.running).toBe(false);
    expect(useRuns.getState().liveId).toBe(record.id);
    expect(liveRun()!.name).toBe('saved run');
  });

  it('does not write the snapshot it resumed from back to storage', async () => {
    await seed();
    const saves: SaveBatch[] = [];
    const recording: RunStorage = { ...storage, save: (batch) => (saves.push(batch), storage.save(batch)) };
    await restore(recording, '');
    await saved();
    expect(useRuns.getState().autosave).toMatchObject({ state: 'saved', resumeStep: 3 });
    expect(saves.flatMap((b) => b.snapshots)).toEqual([]);
  });

  it('a link asking for another run starts it, and the saved run stays in the list', async () => {
    const record = await seed();
    useSettings.getState().patchSettings({ seed: 5 });
    await restore(storage, '?v=1&seed=5&bb=tiny-random');
    expect(startRun).toHaveBeenCalledWith();
    const { runs, liveId } = useRuns.getState();
    expect(runs.map((r) => r.id)).toEqual([record.id, liveId]);
    expect(liveRun()!.settings.seed).toBe(5);
    expect(useRun.getState().points).toEqual([]);
  });

  it('curves without saved values: a fresh run with the same settings, and a notice', async () => {
    const record = await seed();
    await storage.save({ runs: [], snapshots: [], currentId: record.id });
    const noSnapshot: RunStorage = { ...storage, loadSnapshot: async () => null };
    await restore(noSnapshot, '');
    expect(startRun).toHaveBeenCalledWith();
    expect(useSettings.getState().settings.lr).toBe(0.01);
    expect(useRuns.getState().notice).toContain('"saved run" could not be resumed');
  });

  it('without IndexedDB, says autosave is off and starts a run', async () => {
    const broken: RunStorage = { ...storage, load: () => Promise.reject(new Error('IndexedDB is blocked')) };
    await restore(broken, '');
    expect(startRun).toHaveBeenCalledWith();
    useRun.setState({ points: trainedPoints(2) });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(useRuns.getState().autosave).toMatchObject({ state: 'off' });
    expect((useRuns.getState().autosave as { message: string }).message).toContain('IndexedDB is blocked');
  });
});

describe('bad saved records on page load (issue 11, item 5)', () => {
  it('a saved live run without points is set aside and named; a fresh run starts (no "Starting…" forever)', async () => {
    const name = `fpt-runs-store-bad-${n++}`;
    const bad = idbRunStorage(name);
    await bad.load();
    const db = await openDB(name, 1);
    await db.put('runs', {
      id: 'broken',
      name: 'half-written',
      renamed: false,
      settings: { ...DEFAULT_SETTINGS, seed: 3 },
      metric: 'accuracy',
      createdAt: 1,
      updatedAt: 1,
    });
    await db.put('meta', 'broken', 'current');
    db.close();
    await restore(bad, '');
    expect(startRun).toHaveBeenCalledWith();
    const { rejected, runs, liveId } = useRuns.getState();
    expect(rejected).toEqual([{ id: 'broken', label: '"half-written"', problem: expect.stringMatching(/^points: /) }]);
    expect(runs.map((r) => r.id)).toEqual([liveId]);
    // Discarding it removes it from storage; nothing else is touched.
    const { discardRejectedRun } = await import('./runs-store');
    await discardRejectedRun('broken');
    expect(useRuns.getState().rejected).toEqual([]);
    expect((await bad.load()).rejected).toEqual([]);
  });

  it('a damaged snapshot is dropped once, with a notice naming what is wrong; the next load does not try it', async () => {
    const name = `fpt-runs-store-badsnap-${n++}`;
    const bad = idbRunStorage(name);
    const record: RunRecord = {
      id: 'r',
      name: 'my run',
      renamed: true,
      settings: { ...DEFAULT_SETTINGS, init: 'random' },
      metric: 'accuracy',
      points: trainedPoints(4),
      createdAt: 1,
      updatedAt: 1,
    };
    await bad.save({ runs: [record], snapshots: [], currentId: 'r' });
    const db = await openDB(name, 1);
    await db.put('snapshots', { step: 4, params: { 'out.bias': { shape: [2], data: [1, 2] } } }, 'r');
    db.close();
    await restore(bad, '');
    expect(startRun).toHaveBeenCalledWith();
    expect(useRuns.getState().notice).toBe(
      '"my run" could not be resumed: its saved trainable values are damaged (params.out.bias.data: Invalid input: expected Float32Array, received array) and were dropped. Its curves are kept under Runs; a new run with its settings has started.',
    );
    await vi.waitFor(async () => expect(await bad.loadSnapshot('r')).toBeNull());
  });
});

describe('storage written by a newer version (issue 11)', () => {
  it('says that a newer version saved the runs, not that the browser gives no storage', async () => {
    stopTrackingRuns();
    const name = `fpt-runs-newer-${n++}`;
    const newer = await openDB(name, 7);
    newer.close();
    await restore(idbRunStorage(name), '');
    const status = useRuns.getState().autosave;
    expect(status.state).toBe('off');
    expect(status.state === 'off' && status.message).toBe(
      'Autosave is off: the runs saved in this browser were written by a newer version of FPT Playground, which this page cannot read. They are left untouched (open the newer version to see them); runs of this page are kept until it closes.',
    );
    // The newer version's database is left as it was.
    const reopened = await openDB(name);
    expect(reopened.version).toBe(7);
    reopened.close();
  });
});
