import { useCallback, useEffect, useState } from 'react';
import type { CellResult, SweepSettings } from '../../engine/sweep/run';
import type { SummaryRow } from '../../engine/sweep/table';
import { usePlayground } from '../store';

interface SweepEntry {
  name: string;
  url: string;
  modified: string;
}

interface SweepFile {
  settings: SweepSettings;
  summary: SummaryRow[];
  cells: CellResult[];
}

const fmt = (x: number) => x.toFixed(1);

function overlay(cell: CellResult, sweep: string): void {
  const id = `${sweep}/${cell.id}`;
  const { overlays } = usePlayground.getState();
  if (overlays.some((o) => o.id === id)) return;
  usePlayground.setState({
    overlays: [...overlays, { id, label: `${cell.label} · ${cell.task} · seed ${cell.seed}`, points: cell.curve.map((p) => ({ step: p.step, accuracy: 100 * p.test_acc })) }],
  });
}

function SweepTable({ entry }: { entry: SweepEntry }) {
  const [file, setFile] = useState<SweepFile | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    fetch(entry.url)
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`${entry.url}: HTTP ${r.status}`))))
      .then((f: SweepFile) => setFile(f))
      .catch((e: Error) => setError(e.message));
  }, [entry.url]);
  if (error) return <p role="alert">{error}</p>;
  if (!file) return <p>Loading {entry.name}…</p>;
  const s = file.settings;
  return (
    <figure>
      <figcaption>
        <strong>{entry.name}</strong>: {s.preset} on {s.model} ({s.backend}), {s.steps} steps, batch {s.batchSize}, lr {s.lr}
        {s.lstmLr !== undefined ? ` (LSTM ${s.lstmLr})` : ''}, random bodies {s.randomInit === 'hf-scaled' ? 'HF-scaled init' : 'N(0, 0.02) init'}. “ours” is after the last step on {s.evalBatches} held-out
        batches of {s.batchSize}; “held-out” on the whole held-out set; the paper’s numbers are converged runs on its full test set (source in each cell’s tooltip).
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
  const [entries, setEntries] = useState<SweepEntry[] | null>(null);
  const overlays = usePlayground((s) => s.overlays);
  const refresh = useCallback(() => {
    fetch('/sweeps/index.json')
      .then((r) => (r.ok ? r.json() : []))
      .then((list: SweepEntry[]) => setEntries(list))
      .catch(() => setEntries([]));
  }, []);
  useEffect(refresh, [refresh]);
  return (
    <section className="panel sweeps" aria-labelledby="sweeps-title">
      <h2 id="sweeps-title">Sweep results</h2>
      {entries === null && <p>Looking for sweeps…</p>}
      {entries?.length === 0 && (
        <p className="muted">
          None yet. Run one headless, e.g. <code>npm run fpt -- sweep --preset table19 --tasks bit-xor --steps 300 --seeds 2</code>, then{' '}
          <button type="button" onClick={refresh}>
            look again
          </button>
        </p>
      )}
      {entries?.map((e) => <SweepTable key={e.url} entry={e} />)}
      {overlays.length > 0 && (
        <p>
          {overlays.length} curve{overlays.length > 1 ? 's' : ''} on the accuracy chart.{' '}
          <button type="button" onClick={() => usePlayground.setState({ overlays: [] })}>
            Remove curves
          </button>
        </p>
      )}
    </section>
  );
}
