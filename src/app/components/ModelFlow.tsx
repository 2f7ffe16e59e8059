/**
 * The page's main view, laid out as the model it trains, left to right: the data (the current
 * held-out example as tokens) → input layer → the transformer stack (its parts are the group
 * toggles), with layer attention beside it → output head → prediction against target → curves.
 */
import { useEffect, useRef } from 'react';
import type { ExamplePayload } from '../../worker/protocol';
import { useRun } from '../stores/run-store';
import { useSettings } from '../stores/settings-store';
import { useUi } from '../stores/ui-store';
import { useRuns } from '../runs/runs-store';
import { AttentionPanel } from './AttentionPanel';
import { Charts } from './Charts';
import { FeatureCacheToggle } from './FeatureCacheToggle';
import { GroupToggle, TransformerStack } from './ArchitectureDiagram';
import { FirstVisitIntro } from './FirstVisitIntro';
import { BoundedPanels, type BoundedPanel } from './PanelBoundary';
import { bitXorTokens } from '../example-tokens';

function ExampleImage({ image }: { image: NonNullable<ExamplePayload['image']> }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const data = ctx.createImageData(image.width, image.height);
    for (let i = 0; i < image.width * image.height; i++) {
      const rgb =
        image.channels === 1 ? [image.pixels[i], image.pixels[i], image.pixels[i]] : [image.pixels[3 * i], image.pixels[3 * i + 1], image.pixels[3 * i + 2]];
      data.data.set([...rgb.map((v) => Math.round(255 * v)), 255], 4 * i);
    }
    ctx.putImageData(data, 0, 0);
  }, [image]);
  return <canvas ref={ref} width={image.width} height={image.height} className="example-image" role="img" aria-label="the example's image" />;
}

/** The held-out example the model is shown, as the tokens that enter the input layer. */
function DataStage() {
  const example = useRun((s) => s.example);
  const tokens = example ? bitXorTokens(example.text) : null;
  return (
    <section className="flow-stage data" aria-labelledby="data-title">
      <h2 id="data-title">Data</h2>
      <div className="example-slot">
        {!example && <p className="muted">Waiting for the first example…</p>}
        {example?.image && <ExampleImage image={example.image} />}
        {tokens && (
          <ol className="tokens" aria-label="Input tokens">
            {tokens.map((t) => (
              <li key={t.label} className={`token bit-${t.value}`}>
                <span className="token-label">{t.label}</span>
                <span className="token-value">{t.value}</span>
              </li>
            ))}
          </ol>
        )}
        {example?.text && !example.image && !tokens && (
          <pre className="example-text">{example.text.length > 160 ? `${example.text.slice(0, 160)}…` : example.text}</pre>
        )}
      </div>
      <div className="flow-arrow" aria-hidden="true">
        ↓
      </div>
      <GroupToggle group="input" />
      <GroupToggle group="positions" detail="+ Positions" />
      <FirstVisitIntro />
    </section>
  );
}

/** The output head, and what it predicts for the example against the target. */
function OutputStage() {
  const example = useRun((s) => s.example);
  const task = useSettings((s) => s.settings.task);
  const correct = example ? example.prediction.filter((p, i) => p === example.target[i]).length : 0;
  const shown = (xs: number[]) => (xs.length > 24 ? `${xs.slice(0, 24).join('')}…` : xs.join(xs.length > 1 && xs.every((v) => v < 2) ? '' : ' '));
  return (
    <section className="flow-stage output" aria-labelledby="output-title">
      <h2 id="output-title">Output</h2>
      <GroupToggle group="output" />
      <div className="flow-arrow" aria-hidden="true">
        ↓
      </div>
      <dl className="example-result" aria-label="Prediction against target">
        <dt>Target</dt>
        <dd data-testid="example-target">{example ? shown(example.target) : '…'}</dd>
        <dt>Model says</dt>
        <dd data-testid="example-prediction">
          {example
            ? example.prediction.slice(0, 24).map((p, i) => (
                <span key={i} className={p === example.target[i] ? 'right' : 'wrong'}>
                  {i > 0 && !example.prediction.every((v) => v < 2) ? ' ' : ''}
                  {p}
                </span>
              ))
            : '…'}
          {example && example.prediction.length > 24 ? '…' : ''}
        </dd>
        <dt>Right</dt>
        <dd data-testid="example-right">{example ? `${correct} of ${example.target.length}` : '…'}</dd>
      </dl>
      {task === 'bit-xor' && (
        <p className="hint">
          Each output bit is a<i>i</i> XOR b<i>i</i>.
        </p>
      )}
      <FeatureCacheToggle />
    </section>
  );
}

const REMOVE_OVERLAYS = {
  label: 'Remove the other curves from the charts',
  action: () => {
    useUi.setState({ overlays: [] });
    useRuns.setState({ shown: [], baselineId: null });
  },
};

/** The main view's panels, left to right as the model runs. */
const FLOW_PANELS: readonly BoundedPanel[] = [
  { name: 'Data', Panel: DataStage },
  { name: 'Transformer', Panel: TransformerStack },
  { name: 'Attention', Panel: AttentionPanel },
  { name: 'Output', Panel: OutputStage },
  { name: 'Learning curves', Panel: Charts, discard: REMOVE_OVERLAYS },
];

export function ModelFlow() {
  return (
    <main className="flow" aria-label="The model">
      <BoundedPanels panels={FLOW_PANELS} />
    </main>
  );
}
