/**
 * Page load: bring back the kept runs and resume the run that was live, paused at its last saved
 * snapshot (curves, settings and trainable values), or start a fresh run. See `restoreDecision`
 * (run-history.ts) for how a link with settings of its own is treated.
 */
import { useRun } from '../stores/run-store';
import { useSettings } from '../stores/settings-store';
import { startRun } from '../training-client';
import { idbRunStorage, type RunStorage, type SavedRuns } from './autosave';
import { hasTrained, linkStatesRunSettings, pointsUpTo, restoreDecision } from './run-history';
import { addKeptRuns, adoptLiveRun, setAutosaveOff, setRejectedRuns, trackRuns, useRuns } from './runs-store';
import { InvalidRecordError } from '../../engine/records';
import { hasGpt2Record, isGpt2Cached, startingSettings } from '../gpt2-default';

// The query the page was opened with, read when this module is evaluated: main.tsx imports App (and
// so this module) before syncUrlWithState() rewrites the address with every setting filled in.
const OPENED_WITH = typeof location === 'undefined' ? '' : location.search;

let started: Promise<void> | null = null;

/** Once per page (React's StrictMode runs mount effects twice in development). */
export function restoreOrStart(storage: RunStorage = idbRunStorage()): Promise<void> {
  // Whatever goes wrong while restoring, the page never stays at "Starting…": a fresh run starts.
  return (started ??= restore(storage, OPENED_WITH).catch((error: unknown) => {
    useRuns.setState({ notice: `The saved runs could not be restored (${error instanceof Error ? error.message : String(error)}); a new run has started.` });
    startRun();
  }));
}

/**
 * No saved run: the link's or the default settings, or GPT-2 small's preset once it is cached
 * (gpt2-default.ts). Starts at once (synchronously) unless GPT-2 was ever recorded as cached.
 */
function startFresh(openedWith: string): void | Promise<void> {
  const link = linkStatesRunSettings(openedWith);
  if (link || !hasGpt2Record()) return startRun();
  return isGpt2Cached().then((cached) => {
    const fresh = startingSettings(useSettings.getState().settings, link, cached);
    if (fresh) useSettings.setState({ settings: fresh.settings, presetId: fresh.presetId });
    startRun();
  });
}

/** The work of restoreOrStart, given the query the page was opened with (exported for tests). */
export async function restore(storage: RunStorage, openedWith: string): Promise<void> {
  let saved: SavedRuns = { runs: [], currentId: null, rejected: [] };
  let usable = true;
  try {
    saved = await storage.load();
  } catch (error) {
    usable = false;
    setAutosaveOff(error);
  }
  trackRuns(usable ? storage : null);
  addKeptRuns(saved.runs);
  // Runs that do not fit their schema are not loaded (a panel would crash on them): listed, to discard.
  if (saved.rejected.length > 0) setRejectedRuns(saved.rejected);
  const last = saved.runs.find((r) => r.id === saved.currentId);
  if (!last) return startFresh(openedWith);
  const decision = restoreDecision(last.settings, useSettings.getState().settings, linkStatesRunSettings(openedWith));
  if (!decision.restore) return startRun();
  let damaged: string | null = null;
  const snapshot = await storage.loadSnapshot(last.id).catch((error: unknown) => {
    // A damaged snapshot would fail every reload: it is dropped, once, and the notice says why.
    if (error instanceof InvalidRecordError) {
      damaged = error.problems.join('; ');
      void storage.deleteSnapshot(last.id).catch(() => undefined);
    }
    return null;
  });
  if (damaged !== null) {
    useRuns.setState({
      notice: `"${last.name}" could not be resumed: its saved trainable values are damaged (${damaged}) and were dropped. Its curves are kept under Runs; a new run with its settings has started.`,
    });
  }
  if (!snapshot) {
    // Curves without trainable values (too large to save, or a full storage): the run stays in the
    // list, and a fresh run starts with its settings rather than pretending to continue it.
    if (damaged === null && hasTrained(last.points)) {
      useRuns.setState({
        notice: `"${last.name}" could not be resumed: its trainable values were not saved. Its curves are kept under Runs; a new run with its settings has started.`,
      });
    }
    useSettings.getState().patchSettings(decision.settings);
    return startRun();
  }
  const points = pointsUpTo(last.points, snapshot.step);
  adoptLiveRun(last, decision.settings, points, snapshot.step);
  useSettings.setState({ settings: decision.settings });
  useRun.setState({ points, metric: last.metric, snapshot });
  startRun(snapshot);
}
