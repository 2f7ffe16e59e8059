import { useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { backboneLabel, deltaFromBaseline, groupsLabel, summarize, type RunRecord, type RunSummary } from '../runs/run-history';
import { colourOf } from '../runs/run-lines';
import { useUi } from '../stores/ui-store';
import { percent } from '../format';
import {
  clearSavedRuns,
  deleteRun,
  discardRejectedRun,
  dismissRejectedRuns,
  dismissRunsNotice,
  renameRun,
  toggleBaseline,
  toggleShown,
  useRuns,
} from '../runs/runs-store';
import type { AutosaveStatus } from '../runs/autosave';

/** Storage full, or a run that could not be resumed: visible, dismissible, never fatal. */
export function RunsNotice() {
  const notice = useRuns((s) => s.notice);
  return (
    <>
      {notice && (
        <div className="notice warning" role="status" aria-label="Autosave" data-testid="runs-notice">
          <p>{notice}</p>
          <button type="button" onClick={dismissRunsNotice}>
            Dismiss
          </button>
        </div>
      )}
      <RejectedRuns />
    </>
  );
}

/** Saved runs that could not be read: named, with why, each with an offer to discard it. */
function RejectedRuns() {
  const rejected = useRuns((s) => s.rejected);
  if (rejected.length === 0) return null;
  const one = rejected.length === 1;
  return (
    <div className="notice warning" role="alert" aria-label="Unreadable saved runs" data-testid="rejected-runs">
      <p>
        {one ? 'A saved run' : `${rejected.length} saved runs`} could not be read, so {one ? 'it was' : 'they were'} not loaded (still in this browser's
        storage):
      </p>
      <ul>
        {rejected.map((r) => (
          <li key={r.id}>
            {r.label}: {r.problem}{' '}
            <button type="button" onClick={() => void discardRejectedRun(r.id)}>
              Discard {r.label}
            </button>
          </li>
        ))}
      </ul>
      <button type="button" onClick={dismissRejectedRuns}>
        Keep {one ? 'it' : 'them'} for now
      </button>
    </div>
  );
}

/** Summaries by curve: a kept run's curve never changes, so only the live run's is recomputed. */
const summaryCache = new WeakMap<RunRecord['points'], RunSummary>();
function summaryOf(points: RunRecord['points']): RunSummary {
  let summary = summaryCache.get(points);
  if (!summary) summaryCache.set(points, (summary = summarize(points)));
  return summary;
}

const steps = (x: number | null) => (x === null ? '—' : String(x));
const signed = (x: number, digits = 0) => `${x > 0 ? '+' : x < 0 ? '−' : '±'}${Math.abs(x).toFixed(digits)}`;

function Delta({ value, digits = 0, unit = '', better }: { value: number | null; digits?: number; unit?: string; better: 'higher' | 'lower' }) {
  if (value === null) return null;
  const good = value === 0 ? '' : value > 0 === (better === 'higher') ? ' better' : ' worse';
  return (
    <span className={`delta${good}`} data-testid="run-delta">
      {' '}
      ({signed(value, digits)}
      {unit})
    </span>
  );
}

function autosaveText(status: AutosaveStatus): string {
  switch (status.state) {
    case 'idle':
      return 'Autosave: a run is saved in this browser once it has taken a step.';
    case 'saved': {
      const at = new Date(status.at).toLocaleTimeString();
      return status.resumeStep === null
        ? `Autosaved at ${at}: curves and settings (a reload starts this run afresh).`
        : `Autosaved at ${at}: a reload resumes this run at step ${status.resumeStep}.`;
    }
    case 'full':
      return 'Autosave stopped: browser storage is full. Training goes on.';
    case 'failed':
      return `Autosave failed: ${status.message}`;
    case 'off':
      return status.message;
  }
}

function RunName({ run }: { run: RunRecord }) {
  const [editing, setEditing] = useState(false);
  if (editing) {
    return (
      <input
        type="text"
        className="run-name-input"
        defaultValue={run.name}
        aria-label="Run name"
        autoFocus
        onBlur={(e) => {
          renameRun(run.id, e.target.value);
          setEditing(false);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') e.currentTarget.blur();
          if (e.key === 'Escape') setEditing(false);
        }}
      />
    );
  }
  return (
    <>
      <span className="run-name" data-testid="run-name">
        {run.name}
      </span>{' '}
      <button type="button" className="link-button" onClick={() => setEditing(true)} aria-label="Rename run" title="Rename">
        ✎
      </button>
    </>
  );
}

function RunRow({
  run,
  summary,
  baseline,
  live,
  colour,
  shown,
  isBaseline,
}: {
  run: RunRecord;
  summary: RunSummary;
  baseline: RunSummary | null;
  live: boolean;
  colour: string | null;
  shown: boolean;
  isBaseline: boolean;
}) {
  const delta = baseline && !isBaseline ? deltaFromBaseline(summary, baseline) : null;
  return (
    <tr data-testid="run-row" data-live={live || undefined} className={isBaseline ? 'baseline' : undefined}>
      <td>
        <input
          type="checkbox"
          checked={live || shown || isBaseline}
          disabled={live || isBaseline}
          onChange={() => toggleShown(run.id)}
          aria-label="Show on the charts"
          title={live ? 'The live run is always on the charts' : isBaseline ? 'The baseline is always on the charts' : undefined}
        />
      </td>
      {/* The row header names the run for the controls of its row (their labels stay short and fixed). */}
      <th scope="row" className="run-name-cell">
        <span className={`swatch${isBaseline ? ' dashed' : ''}`} style={colour ? { background: colour } : undefined} aria-hidden="true" />
        <RunName run={run} />
        {live && <span className="badge">live</span>}
        {isBaseline && <span className="badge baseline">baseline</span>}
      </th>
      <td>{backboneLabel(run.settings)}</td>
      <td>{groupsLabel(run.settings.groups)}</td>
      <td className="num" data-testid="run-steps">
        {summary.steps}
      </td>
      <td className="num" data-testid="run-final">
        {percent(summary.finalAccuracy)}
        <Delta value={delta?.accuracy ?? null} digits={1} unit=" pp" better="higher" />
      </td>
      <td className="num" data-testid="run-to90">
        {steps(summary.stepsTo90)}
        <Delta value={delta?.stepsTo90 ?? null} better="lower" />
      </td>
      <td className="num" data-testid="run-to100">
        {steps(summary.stepsTo100)}
        <Delta value={delta?.stepsTo100 ?? null} better="lower" />
      </td>
      <td className="run-actions">
        <button
          type="button"
          aria-pressed={isBaseline}
          onClick={() => toggleBaseline(run.id)}
          aria-label="Pin as the baseline"
          title={isBaseline ? 'Pinned as the baseline: press to unpin' : 'Pin as the baseline'}
        >
          Pin
        </button>
        {!live && (
          <button type="button" className="delete" onClick={() => void deleteRun(run.id)} aria-label="Delete run" title="Delete this run">
            ✕
          </button>
        )}
      </td>
    </tr>
  );
}

/**
 * Every run of this browser (the live one last): overlay any of them on the charts, pin one as the
 * baseline, compare final accuracy and steps to 90% / 100%. Runs and the live run's latest trainable
 * values are autosaved (runs/autosave.ts); a reload resumes the live run.
 */
export function RunComparison() {
  const { runs, liveId, shown, baselineId, autosave } = useRuns(
    useShallow(({ runs, liveId, shown, baselineId, autosave }) => ({ runs, liveId, shown, baselineId, autosave })),
  );
  const sweepOverlays = useUi((s) => s.overlays.length);
  const [confirmClear, setConfirmClear] = useState(false);
  const summaries = useMemo(() => new Map(runs.map((r) => [r.id, summaryOf(r.points)])), [runs]);
  const baseline = baselineId !== null ? (summaries.get(baselineId) ?? null) : null;
  const kept = runs.filter((r) => r.id !== liveId).length;
  return (
    <section className="panel runs" aria-labelledby="runs-title">
      <h2 id="runs-title">Runs</h2>
      <p className="muted">
        Every run is kept here: Reset or new settings start the next one. Tick runs to draw them on the charts; pin one as the baseline to see each run's
        difference from it.
      </p>
      <div className="table-scroll">
        <table className="runs-table" data-testid="runs-table">
          <thead>
            <tr>
              <th scope="col">
                <span className="sr-only">On the charts</span>
              </th>
              <th scope="col">run</th>
              <th scope="col">backbone</th>
              <th scope="col">trains</th>
              <th scope="col" className="num">
                steps
              </th>
              <th scope="col" className="num">
                final test acc.
              </th>
              <th scope="col" className="num">
                steps to 90%
              </th>
              <th scope="col" className="num">
                steps to 100%
              </th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <RunRow
                key={run.id}
                run={run}
                summary={summaries.get(run.id)!}
                baseline={baseline}
                live={run.id === liveId}
                colour={colourOf(run.id, { liveId, shown, baselineId, sweepOverlays })}
                shown={shown.includes(run.id)}
                isBaseline={run.id === baselineId}
              />
            ))}
          </tbody>
        </table>
      </div>
      {baseline && <p className="muted">In brackets: the difference from the baseline (accuracy in percentage points; steps, where fewer is better).</p>}
      <div className="runs-footer">
        <p className={`autosave-status ${autosave.state}`} data-testid="autosave-status">
          {autosaveText(autosave)}
        </p>
        {confirmClear ? (
          <span className="confirm" role="group" aria-label="Confirm clearing saved runs">
            Forget {kept > 0 ? `${kept} kept run${kept > 1 ? 's' : ''} and ` : ''}everything saved in this browser?{' '}
            <button
              type="button"
              onClick={() => {
                setConfirmClear(false);
                void clearSavedRuns();
              }}
            >
              Clear
            </button>{' '}
            <button type="button" onClick={() => setConfirmClear(false)}>
              Cancel
            </button>
          </span>
        ) : (
          <button type="button" onClick={() => setConfirmClear(true)}>
            Clear saved runs
          </button>
        )}
      </div>
    </section>
  );
}
