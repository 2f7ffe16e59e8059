import { useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { Legend, Line, ReferenceLine, Tooltip, YAxis, type LegendPayload } from 'recharts';
import { useSettings } from '../stores/settings-store';
import { useRun } from '../stores/run-store';
import { useUi } from '../stores/ui-store';
import { paperReference } from '../presets';
import { evaluateHeldOut } from '../training-client';
import { PAGE_EVAL_BATCHES, type MetricsPoint } from '../../worker/protocol';
import { useRunLines } from '../hooks/run-lines';
import { CURVE, runLine, scaledYAxis, StepChart } from './StepChart';
import { GRAD_NORM_COLOUR, LIVE_COLOUR, LOSS_COLOUR, overlayColour, REFERENCE_COLOUR, TEST_LOSS_COLOUR } from '../palette';

/** Exponential moving average with bias correction (as TensorBoard's smoothing slider). */
export function smooth(values: number[], weight: number): number[] {
  let acc = 0;
  return values.map((v, i) => {
    acc = acc * weight + (1 - weight) * v;
    return weight === 0 ? v : acc / (1 - weight ** (i + 1));
  });
}

/** Legend order: the live run's lines first, as listed, then the overlaid runs by name (recharts sorts by name alone). */
const liveFirst = (live: string[]) => (item: LegendPayload) => {
  const i = live.indexOf(String(item.value));
  return i >= 0 ? `0${i}` : `1${String(item.value)}`;
};
const LOSS_LEGEND_ORDER = liveFirst(['loss', 'smoothed', 'test loss']);

/** A metrics point with the gradient norm the worker may report (the training session adds it). */
type PointWithGradNorm = MetricsPoint & { gradNorm?: number };

export function Charts() {
  const { points, metric, heldOut, heldOutPending, running, phase } = useRun(
    useShallow(({ points, metric, heldOut, heldOutPending, running, phase }) => ({ points, metric, heldOut, heldOutPending, running, phase })),
  );
  const { settings, presetId } = useSettings(useShallow(({ settings, presetId }) => ({ settings, presetId })));
  const overlays = useUi((s) => s.overlays);
  // Kept runs ticked in the Runs panel, the pinned baseline first (black, thick, dashed).
  const runLines = useRunLines();
  const accuracyLegendOrder = useMemo(() => liveFirst([`test ${metric} (live run)`]), [metric]);
  const [smoothing, setSmoothing] = useState(0.6);
  const [logScale, setLogScale] = useState(false);

  const lossData = useMemo(() => {
    const train = points.filter((p): p is MetricsPoint & { trainLoss: number } => p.trainLoss !== undefined);
    const smoothed = smooth(
      train.map((p) => p.trainLoss),
      smoothing,
    );
    const rows = new Map<number, { step: number; loss?: number; smoothed?: number; testLoss?: number }>(
      train.map((p, i) => [p.step, { step: p.step, loss: p.trainLoss, smoothed: smoothed[i] }]),
    );
    // Test loss on the evaluation steps, on the same axis (its line joins them across the training steps).
    for (const p of points) if (p.testLoss !== undefined) rows.set(p.step, { ...(rows.get(p.step) ?? { step: p.step }), testLoss: p.testLoss });
    return [...rows.values()].sort((x, y) => x.step - y.step);
  }, [points, smoothing]);
  const trainPoints = useMemo(() => points.filter((p) => p.trainLoss !== undefined).length, [points]);
  const hasTestLoss = lossData.some((r) => r.testLoss !== undefined);
  const latestLoss = useMemo(() => lossData.findLast((r) => r.loss !== undefined)?.loss, [lossData]);
  const gradData = useMemo(
    () =>
      (points as PointWithGradNorm[])
        .filter((p): p is PointWithGradNorm & { gradNorm: number } => p.gradNorm !== undefined)
        .map((p) => ({ step: p.step, gradNorm: p.gradNorm })),
    [points],
  );
  const accData = useMemo(
    () =>
      points
        .filter((p): p is MetricsPoint & { testAccuracy: number } => p.testAccuracy !== undefined)
        .map((p) => ({ step: p.step, accuracy: 100 * p.testAccuracy })),
    [points],
  );
  const runLoss = useMemo(
    () =>
      runLines.map((r) => ({
        ...r,
        smoothed: smooth(
          r.loss.map((p) => p.loss),
          smoothing,
        ).map((v, i) => ({ step: r.loss[i].step, smoothed: v })),
      })),
    [runLines, smoothing],
  );
  // The paper's number for these settings: the loaded paper experiment's row, or the row that matches (presets.ts).
  const reference = useMemo(() => paperReference(settings, presetId), [settings, presetId]);
  const latest = accData.at(-1);

  return (
    <section className="flow-stage charts" aria-labelledby="charts-title">
      <h2 id="charts-title">Learning curves</h2>
      <div className="chart-options">
        <label>
          Smoothing
          <input type="range" min={0} max={0.95} step={0.05} value={smoothing} onChange={(e) => setSmoothing(Number(e.target.value))} />
          <output>{smoothing.toFixed(2)}</output>
        </label>
        <label>
          <input type="checkbox" checked={logScale} onChange={(e) => setLogScale(e.target.checked)} /> Log-scale loss
        </label>
      </div>
      <div className="chart-grid">
        <figure data-testid="loss-chart" data-points={trainPoints}>
          <figcaption>Loss{latestLoss !== undefined ? <span className="latest"> (train, latest {latestLoss.toFixed(4)})</span> : null}</figcaption>
          <div className="chart-box">
            <StepChart data={lossData} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
              {scaledYAxis(logScale)}
              <Tooltip formatter={(v) => Number(v).toFixed(4)} />
              <Legend itemSorter={LOSS_LEGEND_ORDER} />
              <Line {...CURVE} dataKey="loss" name="loss" stroke={LOSS_COLOUR} strokeOpacity={0.25} connectNulls />
              <Line {...CURVE} dataKey="smoothed" name="smoothed" stroke={LOSS_COLOUR} strokeWidth={2} connectNulls />
              {hasTestLoss && (
                <Line {...CURVE} dataKey="testLoss" name="test loss" stroke={TEST_LOSS_COLOUR} strokeWidth={2} strokeDasharray="5 3" connectNulls />
              )}
              {runLoss.map((r) => runLine(r, r.smoothed, 'smoothed'))}
            </StepChart>
          </div>
        </figure>
        <figure
          data-testid="accuracy-chart"
          data-points={accData.length}
          data-overlays={overlays.length}
          data-run-overlays={runLines.length}
          data-reference={reference?.value}
          data-reference-label={reference?.label}
          data-reference-source={reference?.source}
        >
          <figcaption
            title={
              latest ? `latest ${latest.accuracy.toFixed(1)}% on ${PAGE_EVAL_BATCHES * settings.batchSize} held-out examples, step ${latest.step}` : undefined
            }
          >
            Test {metric}
            {latest ? (
              <span data-testid="latest-accuracy" className="latest">
                {' '}
                (latest {latest.accuracy.toFixed(1)}% on {PAGE_EVAL_BATCHES * settings.batchSize} held-out examples, step {latest.step})
              </span>
            ) : null}
          </figcaption>
          <div className="chart-box">
            <StepChart data={accData} margin={{ top: 12, right: 16, bottom: 8, left: 0 }}>
              <YAxis domain={[0, 108]} ticks={[0, 25, 50, 75, 100]} width={48} unit="%" />
              <Tooltip formatter={(v) => `${Number(v).toFixed(1)}%`} />
              <Legend itemSorter={accuracyLegendOrder} />
              <Line {...CURVE} dataKey="accuracy" name={`test ${metric}${runLines.length ? ' (live run)' : ''}`} stroke={LIVE_COLOUR} strokeWidth={2} />
              {overlays.map((o, i) => (
                <Line key={o.id} {...CURVE} data={o.points} dataKey="accuracy" name={o.label} stroke={overlayColour(i)} strokeDasharray="4 2" />
              ))}
              {runLines.map((r) => runLine(r, r.accuracy, 'accuracy'))}
              {reference && (
                <ReferenceLine
                  y={reference.value}
                  stroke={REFERENCE_COLOUR}
                  strokeDasharray="6 4"
                  label={{ value: reference.label, position: 'insideBottomRight', fill: REFERENCE_COLOUR }}
                  ifOverflow="extendDomain"
                />
              )}
            </StepChart>
          </div>
        </figure>
        <figure className="grad-norm" data-testid="grad-norm-chart" data-points={gradData.length}>
          <figcaption>Gradient norm{gradData.length ? <span className="latest"> (latest {gradData.at(-1)!.gradNorm.toPrecision(3)})</span> : null}</figcaption>
          <div className="chart-box small">
            {gradData.length ? (
              <StepChart data={gradData} margin={{ top: 4, right: 16, bottom: 0, left: 0 }}>
                {scaledYAxis(logScale)}
                <Tooltip formatter={(v) => Number(v).toPrecision(4)} />
                <Line {...CURVE} dataKey="gradNorm" name="gradient norm" stroke={GRAD_NORM_COLOUR} strokeWidth={1.5} />
              </StepChart>
            ) : (
              <p className="muted chart-empty">Each step’s gradient norm appears here once the worker reports it.</p>
            )}
          </div>
        </figure>
      </div>
      <div className="chart-notes">
        {reference && (
          <p className="reference-source" data-testid="reference-source">
            Dashed line: the paper’s {reference.value}% ({reference.source}){settings.model === 'gpt2' ? '' : '; the paper used GPT-2 small'}, on its whole test
            set.
            {reference.paperSteps !== null && (latest?.step ?? 0) < reference.paperSteps / 10 ? (
              <span data-testid="reference-steps">
                {' '}
                This run is at step {latest?.step ?? 0}; the paper’s runs took about {reference.paperSteps.toLocaleString('en-US')} steps to converge (Table 6),
                so the two are far apart.
              </span>
            ) : null}
            {reference.dataNote ? <span data-testid="reference-data"> Not the same data: {reference.dataNote}.</span> : null}
          </p>
        )}
        <p className="held-out" data-testid="held-out">
          <button
            type="button"
            onClick={evaluateHeldOut}
            disabled={running || heldOutPending || phase !== 'ready'}
            title="Pause first: the whole held-out set is one long pass"
          >
            {heldOutPending ? 'Evaluating…' : 'Evaluate on the whole held-out set'}
          </button>
          {heldOut ? (
            <span data-testid="held-out-result">
              {' '}
              {(100 * heldOut.accuracy).toFixed(1)}% on{' '}
              {heldOut.set === 'test split'
                ? `all ${heldOut.examples.toLocaleString('en-US')} held-out examples`
                : `a fixed sample of ${heldOut.examples.toLocaleString('en-US')} generated examples`}
              , at step {heldOut.step} (loss {heldOut.loss.toFixed(4)}).
            </span>
          ) : null}
        </p>
      </div>
    </section>
  );
}
