import { useCallback, useEffect, useState } from 'react';
import { parseJsonRecord } from '../../engine/records';
import { parseSweepResults, sweepIndexSchema, type SweepCellRecord, type SweepIndexEntry, type SweepResultsFile } from '../../engine/sweep/results-schema';
import { useUi } from '../stores/ui-store';
import { siteUrl } from '../../worker/site-url';

/** The sweeps index; each entry's url is relative to it. */
const sweepIndexUrl = () => new URL(siteUrl('sweeps/index.json'), location.href);

/** A measured value in %, or "—" where the sweep wrote null (not measured, or NaN). */
const fmt = (x: number | null) => (x === null ? '—' : x.toFixed(1));

function overlay(cell: SweepCellRecord, sweep: string): void {
  const id = `${sweep}/${cell.id}`;
  const { overlays } = useUi.getState();
  if (overlays.some((o) => o.id === id)) return;
  const points = cell.curve.flatMap((p) => (p.test_acc === null ? [] : [{ step: p.step, accuracy: 100 * p.test_acc }]));
  useUi.setState({ overlays: [...overlays, { id, label: `${cell.label} · ${cell.task} · seed ${cell.seed}`, points }] });
}

function SweepTable({ entry, onHide }: { entry: SweepIndexEntry; onHide(): void }) {
  const [file, setFile] = useState<SweepResultsFile | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const url = new URL(entry.url, sweepIndexUrl()).href;
    fetch(url)
      .then((r) => (r.ok ? r.text() : Promise.reject(new Error(`${url}: HTTP ${r.status}`))))
      .then((text) => setFile(parseSweepResults(text, new URL(url).pathname)))
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [entry.url]);
  if (error) {
    return (
      <div className="notice warning" role="alert" data-testid="sweep-error">
        <p>
          Sweep {entry.name} cannot be shown: {error}
        </p>
        <button type="button" onClick={onHide}>
          Hide {entry.name}
        </button>
      </div>
    );
  }
  if (!file) return <p>Loading {entry.name}…</p>;
  const s = file.settings;
  return (
    <figure>
      <figcaption>
        <strong>{entry.name}</strong>: {s.preset} on {s.model} ({s.backend}), {s.steps} steps, batch {s.batchSize}, lr {s.lr}
        {s.lstmLr !== undefined ? ` (LSTM ${s.lstmLr})` : ''}, random bodies {s.randomInit === 'hf-scaled' ? 'HF-scaled init' : 'N(0, 0.02) init'}. “ours” is
        after the last step on {s.evalBatches} held-out batches of {s.batchSize}; “held-out” on the whole held-out set; the paper’s numbers are converged runs
        on its full test set (source in each cell’s tooltip).
      </figcaption>
      <table>
        <thead>
          <tr>
            <th>task</th>
            <th>configuration</th>
            <th>ours (%)</th>
            <th>held-out (%)</th>
            <th>paper (%)</th>
            <th>seeds</th>
            <th>curves</th>
          </tr>
        </thead>
        <tbody>
          {file.summary.map((row) => (
            <tr key={`${row.task}-${row.config}`}>
              <td>{row.task}</td>
              <td>{row.label}</td>
              <td className="num">
                {fmt(row.mean)}
                {row.seeds > 1 ? ` ± ${fmt(row.std)}` : ''}
              </td>
              <td className="num">{row.heldOut ? `${fmt(row.heldOut.mean)} (n=${row.heldOut.examples})` : '—'}</td>
              <td className="num" title={row.paperSource ?? undefined}>
                {row.paper === null ? '—' : fmt(row.paper)}
                {row.paperSource ? <span className="paper-source"> {row.paperSource}</span> : null}
              </td>
              <td className="num">{row.seeds}</td>
              <td>
                {file.cells
                  .filter((c) => c.task === row.task && c.config === row.config)
                  .map((c) => (
                    <button key={c.id} type="button" onClick={() => overlay(c, entry.name)} aria-label={`Show curve: ${c.label}, ${c.task}, seed ${c.seed}`}>
                      seed {c.seed}
                    </button>
                  ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

/** Finished `fpt sweep` results served from sweeps/, with their runs' curves one click from the chart. */
export function SweepResults() {
  const [entries, setEntries] = useState<SweepIndexEntry[] | null>(null);
  const [indexError, setIndexError] = useState<string | null>(null);
  /** Sweeps the user hid (a damaged results.json): the file on the server is left alone. */
  const [hidden, setHidden] = useState<string[]>([]);
  const overlays = useUi((s) => s.overlays);
  // Reads the index; state is set only from the fetch's callbacks (an effect that subscribes to the
  // server's answer, as React's docs recommend, not a synchronous setState in the effect).
  const load = useCallback(() => {
    const indexUrl = sweepIndexUrl();
    fetch(indexUrl)
      .then((r) => (r.ok ? r.text() : '[]'))
      .then((text) => setEntries(parseJsonRecord(sweepIndexSchema, text, indexUrl.pathname)))
      .catch((e: unknown) => {
        setIndexError(e instanceof Error ? e.message : String(e));
        setEntries([]);
      });
  }, []);
  useEffect(load, [load]);
  const refresh = () => {
    setIndexError(null);
    load();
  };
  return (
    <section className="panel sweeps" aria-labelledby="sweeps-title">
      <h2 id="sweeps-title">Sweep results</h2>
      {entries === null && <p>Looking for sweeps…</p>}
      {indexError && (
        <p role="alert" data-testid="sweep-error">
          The list of sweeps cannot be read: {indexError}
        </p>
      )}
      {entries?.length === 0 && !indexError && (
        <p className="muted">
          None yet. Run one headless, e.g. <code>npm run fpt -- sweep --preset table19 --tasks bit-xor --steps 300 --seeds 2</code>, then{' '}
          <button type="button" onClick={refresh}>
            look again
          </button>
        </p>
      )}
      {entries
        ?.filter((e) => !hidden.includes(e.url))
        .map((e) => (
          <SweepTable key={e.url} entry={e} onHide={() => setHidden((h) => [...h, e.url])} />
        ))}
      {overlays.length > 0 && (
        <p>
          {overlays.length} curve{overlays.length > 1 ? 's' : ''} on the accuracy chart.{' '}
          <button type="button" onClick={() => useUi.setState({ overlays: [] })}>
            Remove curves
          </button>
        </p>
      )}
    </section>
  );
}
