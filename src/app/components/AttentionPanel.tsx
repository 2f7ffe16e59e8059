import { useEffect, useMemo, useRef, useState } from 'react';
import type { AttentionPayload } from '../../worker/protocol';
import { useSettings } from '../stores/settings-store';
import { useRun } from '../stores/run-store';
import { useUi } from '../stores/ui-store';
import { setAttentionLayer } from '../training-client';
import { viridis } from './colormap';
import { LockNote, lockedProps } from '../instructor/ui';
import { useControlMode } from '../hooks/control-mode';

/** Maps of one payload: each head's [T, T] probabilities, then their mean. */
export function headMaps(a: AttentionPayload): { title: string; values: Float32Array }[] {
  const size = a.seqLen * a.seqLen;
  const maps = Array.from({ length: a.heads }, (_, h) => ({ title: `head ${h + 1}`, values: a.probs.subarray(h * size, (h + 1) * size) }));
  const mean = new Float32Array(size);
  for (const m of maps) for (let i = 0; i < size; i++) mean[i] += m.values[i] / a.heads;
  return [{ title: 'mean of heads', values: mean }, ...maps];
}

interface Hover {
  title: string;
  query: string;
  key: string;
  value: number;
}

/** The tokens along one side of a heatmap, one a cell (hidden from screen readers: the canvas's label says what it shows). */
function TokenLabels({ className, labels, cellStyle }: { className: string; labels: string[]; cellStyle: React.CSSProperties }) {
  return (
    <div className={className} aria-hidden="true">
      {labels.map((l, i) => (
        <span key={i} style={cellStyle}>
          {l}
        </span>
      ))}
    </div>
  );
}

/** One map drawn `size` px square whatever the sequence length (pixelated), with token labels when `labelled`. */
function Heatmap({
  title,
  values,
  labels,
  size,
  labelled,
  onHover,
}: {
  title: string;
  values: Float32Array;
  labels: string[];
  size: number;
  labelled: boolean;
  onHover(h: Hover | null): void;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const T = labels.length;
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const image = ctx.createImageData(T, T);
    for (let i = 0; i < T * T; i++) {
      const [r, g, b] = viridis(values[i]);
      image.data.set([r, g, b, 255], i * 4);
    }
    ctx.putImageData(image, 0, 0);
  }, [values, T]);
  const move = (e: React.MouseEvent<HTMLCanvasElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    const k = Math.floor(((e.clientX - rect.left) / rect.width) * T);
    const q = Math.floor(((e.clientY - rect.top) / rect.height) * T);
    if (q < 0 || k < 0 || q >= T || k >= T) return onHover(null);
    onHover({ title, query: labels[q], key: labels[k], value: values[q * T + k] });
  };
  const showLabels = labelled && T <= 24;
  const cell = size / T;
  const canvas = (
    <canvas
      ref={ref}
      width={T}
      height={T}
      style={{ width: size, height: size }}
      onMouseMove={move}
      onMouseLeave={() => onHover(null)}
      role="img"
      aria-label={`${title}: attention of each query token (rows) over key tokens (columns)`}
      data-testid="heatmap"
    />
  );
  return (
    <figure className={`heatmap${labelled ? ' main' : ''}`}>
      <figcaption>{title}</figcaption>
      {showLabels ? (
        <div className="heatmap-grid" aria-hidden="false">
          <TokenLabels className="col-labels" labels={labels} cellStyle={{ width: cell }} />
          <TokenLabels className="row-labels" labels={labels} cellStyle={{ height: cell }} />
          {canvas}
        </div>
      ) : (
        canvas
      )}
    </figure>
  );
}

/** Renders a payload's maps side by side on one canvas with titles and token labels, for PNG export. */
function exportPng(a: AttentionPayload, compareTo: AttentionPayload | null): void {
  const rows = compareTo ? [compareTo, a] : [a];
  const maps = headMaps(a);
  const cell = Math.max(4, Math.floor(240 / a.seqLen));
  const side = a.seqLen * cell;
  const pad = 48;
  const canvas = document.createElement('canvas');
  canvas.width = maps.length * (side + pad) + pad;
  canvas.height = rows.length * (side + pad + 16) + pad;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.font = '12px sans-serif';
  rows.forEach((payload, r) => {
    const y0 = pad + r * (side + pad + 16);
    ctx.fillStyle = '#000';
    ctx.fillText(`layer ${payload.layer}, step ${payload.step}`, 8, y0 - 24);
    headMaps(payload).forEach((m, i) => {
      const x0 = pad + i * (side + pad);
      ctx.fillStyle = '#000';
      ctx.fillText(m.title, x0, y0 - 6);
      for (let q = 0; q < payload.seqLen; q++) {
        for (let k = 0; k < payload.seqLen; k++) {
          const [cr, cg, cb] = viridis(m.values[q * payload.seqLen + k]);
          ctx.fillStyle = `rgb(${cr},${cg},${cb})`;
          ctx.fillRect(x0 + k * cell, y0 + q * cell, cell, cell);
        }
      }
      if (payload.seqLen <= 24) {
        ctx.fillStyle = '#000';
        payload.tokenLabels.forEach((label, t) => {
          ctx.fillText(label, x0 - 30, y0 + t * cell + cell * 0.7);
          ctx.fillText(label, x0 + t * cell, y0 + side + 12);
        });
      }
    });
  });
  const link = document.createElement('a');
  link.download = `attention-layer${a.layer}-step${a.step}.png`;
  link.href = canvas.toDataURL('image/png');
  link.click();
}

export function AttentionPanel() {
  const attention = useRun((s) => s.attention);
  const atStart = useRun((s) => s.attentionAtStart);
  const layers = useRun((s) => s.model?.layers ?? 1);
  const task = useSettings((s) => s.settings.task);
  const compare = useUi((s) => s.attentionCompare);
  const setCompare = (attentionCompare: boolean) => useUi.setState({ attentionCompare });
  const layerMode = useControlMode('layer');
  const [hover, setHover] = useState<Hover | null>(null);
  const maps = useMemo(() => (attention ? headMaps(attention) : []), [attention]);
  const startMaps = useMemo(() => (atStart ? headMaps(atStart) : []), [atStart]);
  if (!attention) {
    return (
      <section className="flow-stage attention" aria-labelledby="attention-title">
        <h2 id="attention-title">Attention</h2>
        <p>Waiting for the first forward pass…</p>
      </section>
    );
  }
  // The mean of the heads large, with token labels; each head small beside it.
  const row = (list: typeof maps, tag: string) =>
    list.map((m, i) => (
      <Heatmap
        key={`${tag}-${m.title}`}
        title={m.title}
        values={m.values}
        labels={attention.tokenLabels}
        size={i === 0 ? 132 : 46}
        labelled={i === 0}
        onHover={setHover}
      />
    ));
  return (
    <section className="flow-stage attention" aria-labelledby="attention-title">
      <h2 id="attention-title">
        Attention, layer {attention.layer} <span className="muted">(step {attention.step})</span>
      </h2>
      <div className="attention-options">
        {layerMode !== 'hidden' && (
          <label>
            Layer
            <select
              aria-label="Layer"
              value={attention.layer}
              disabled={layerMode === 'locked'}
              {...lockedProps('layer', layerMode)}
              onChange={(e) => setAttentionLayer(Number(e.target.value))}
            >
              {Array.from({ length: layers }, (_, l) => (
                <option key={l} value={l}>
                  {l}
                </option>
              ))}
            </select>
            <LockNote control="layer" mode={layerMode} />
          </label>
        )}
        <label>
          <input type="checkbox" checked={compare} onChange={(e) => setCompare(e.target.checked)} /> Compare with step {atStart?.step ?? 0}
        </label>
        <button type="button" onClick={() => exportPng(attention, compare ? atStart : null)}>
          Export PNG
        </button>
      </div>
      {compare && atStart && (
        <>
          <h3>Step {atStart.step}</h3>
          <div className="heatmaps">{row(startMaps, 'start')}</div>
          <h3>Now (step {attention.step})</h3>
        </>
      )}
      <div className="heatmaps">{row(maps, 'now')}</div>
      <p className="hover-readout" aria-live="off" data-testid="attention-hover">
        {hover ? `${hover.title}: ${hover.query} → ${hover.key} = ${hover.value.toFixed(3)}` : 'Rows attend to columns; hover a cell.'}
      </p>
      <div className="legend" aria-hidden="true">
        <span>0</span>
        <span className="legend-bar" />
        <span>1</span>
      </div>
      {task === 'bit-xor' && (
        <p className="hint">
          Output token b<i>i</i> predicts a<i>i</i> XOR b<i>i</i>: once it has learned, it looks back at a<i>i</i>, a diagonal in the lower-left block.
        </p>
      )}
    </section>
  );
}
