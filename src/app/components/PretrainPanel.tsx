/**
 * The Pretrain panel: the first half of the paper on the student's own machine. A small byte-level
 * GPT-2 learns English (the built-in Brown slice, or a text file dropped in or picked) in its own
 * worker (src/worker/pretrain-worker.ts); the panel draws train and held-out bits per byte against
 * the unigram entropy of the held-out text, shows a greedy continuation of a prompt at every
 * evaluation, and "Freeze this and try Bit XOR" stores the model as the `pretrained-here` backbone
 * and starts an FPT run on it.
 */
import { useEffect, useRef, useState, type DragEvent } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { FPT_DEFAULT_GROUPS } from '../../engine/groups';
import {
  LOCAL_MODEL_ID,
  type FromPretrainWorker,
  type PretrainBackend,
  type PretrainEvaluation,
  type PretrainSettings,
  type ToPretrainWorker,
} from '../../worker/pretrain-protocol';
import { changeRunSettings } from '../training-client';
import { useSettings } from '../stores/settings-store';
import { controlMode } from '../instructor/controls';

/** Small enough to learn visibly in a minute or two on WebAssembly or SwiftShader. */
const DEFAULTS = {
  layers: 2,
  width: 64,
  heads: 4,
  context: 64,
  batch: 16,
  steps: 300,
  lr: 1e-2,
  warmup: 10,
  seed: 0,
  evalEvery: 10,
  evalWindows: 32,
  prompt: 'The jury said',
  sampleBytes: 48,
  backend: 'wasm' as PretrainBackend,
};
const LAYERS = [1, 2, 3, 4];
const WIDTHS = [32, 64, 128];
const CONTEXTS = [32, 64, 128];
const STEPS = [50, 100, 300, 1000, 3000];
const BACKENDS: { value: PretrainBackend; label: string }[] = [
  { value: 'wasm', label: 'WebAssembly (CPU)' },
  { value: 'webgpu', label: 'WebGPU' },
  { value: 'cpu', label: 'Plain JavaScript (slow)' },
];
/** Inline so that the panel brings no stylesheet changes of its own. */
const DROP_STYLE = {
  border: '1px dashed var(--line)',
  borderRadius: 6,
  padding: 8,
  marginBottom: 8,
  display: 'flex',
  flexDirection: 'column',
  gap: 6,
} as const;
const BUTTONS_STYLE = { display: 'flex', gap: 8, flexWrap: 'wrap', marginBottom: 8 } as const;
/** Larger texts are refused before they are read into the worker. */
const MAX_FILE_BYTES = 32 * 1024 * 1024;

interface Info {
  backend: string;
  params: number;
  trainBytes: number;
  heldOutBytes: number;
  unigramBits: number;
}

type Phase = 'idle' | 'starting' | 'training' | 'paused' | 'done' | 'saving' | 'error';

const round = (x: number | null | undefined) => (x === null || x === undefined ? undefined : Math.round(x * 1000) / 1000);

function select<T extends string | number>(
  label: string,
  value: T,
  options: readonly T[],
  onChange: (v: T) => void,
  disabled: boolean,
  show: (v: T) => string = String,
) {
  return (
    <label>
      {label}
      <select value={String(value)} disabled={disabled} onChange={(e) => onChange(options.find((o) => String(o) === e.target.value)!)}>
        {options.map((o) => (
          <option key={String(o)} value={String(o)}>
            {show(o)}
          </option>
        ))}
      </select>
    </label>
  );
}

export function PretrainPanel() {
  const worker = useRef<Worker | null>(null);
  const [shape, setShape] = useState({
    layers: DEFAULTS.layers,
    width: DEFAULTS.width,
    context: DEFAULTS.context,
    steps: DEFAULTS.steps,
    backend: DEFAULTS.backend,
  });
  const [prompt, setPrompt] = useState(DEFAULTS.prompt);
  const [file, setFile] = useState<{ name: string; bytes: ArrayBuffer } | null>(null);
  const [phase, setPhase] = useState<Phase>('idle');
  const [status, setStatus] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [info, setInfo] = useState<Info | null>(null);
  const [points, setPoints] = useState<PretrainEvaluation[]>([]);
  const [msPerStep, setMsPerStep] = useState<number | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [runPrompt, setRunPrompt] = useState(DEFAULTS.prompt);

  useEffect(() => () => worker.current?.terminate(), []);

  const onMessage = (m: FromPretrainWorker) => {
    switch (m.type) {
      case 'status':
        return setStatus(m.message);
      case 'ready':
        setStatus('');
        return setInfo({ backend: m.backend, params: m.params, trainBytes: m.trainBytes, heldOutBytes: m.heldOutBytes, unigramBits: m.unigramBits });
      case 'evaluation':
        if (m.msPerStep !== null) setMsPerStep(m.msPerStep);
        return setPoints((ps) => [...ps, m.point]);
      case 'running':
        return setPhase(m.running ? 'training' : (p) => (p === 'saving' ? p : m.step >= shape.steps ? 'done' : 'paused'));
      case 'saved':
        setSaved(
          `Stored as backbone "${m.modelId}" after ${m.step} steps${m.heldOutBits === null ? '' : ` (held-out ${m.heldOutBits.toFixed(3)} bits/byte)`}.`,
        );
        setPhase('paused');
        // The FPT side: Bit XOR on this model, frozen under the paper's groups (a new run), unless an
        // instructor's link locks the task or the backbone: then the stored model only waits in the picker.
        {
          const instructor = useSettings.getState().instructor;
          if (controlMode(instructor, 'task') !== 'shown' || controlMode(instructor, 'backbone') !== 'shown') return;
        }
        return changeRunSettings({ task: 'bit-xor', bits: 5, model: LOCAL_MODEL_ID, init: 'pretrained', groups: [...FPT_DEFAULT_GROUPS] });
      case 'error':
        setError(m.message);
        return setPhase('error');
    }
  };

  const send = (m: ToPretrainWorker, transfer: Transferable[] = []) => worker.current?.postMessage(m, transfer);

  const start = () => {
    worker.current?.terminate();
    const w = new Worker(new URL('../../worker/pretrain-worker.ts', import.meta.url), { type: 'module' });
    w.onmessage = (e: MessageEvent<FromPretrainWorker>) => onMessage(e.data);
    w.onerror = (e) => {
      setError(`The pretraining worker failed: ${e.message}`);
      setPhase('error');
    };
    worker.current = w;
    setPoints([]);
    setInfo(null);
    setError(null);
    setSaved(null);
    setMsPerStep(null);
    setPhase('starting');
    setRunPrompt(prompt || DEFAULTS.prompt);
    const settings: PretrainSettings = {
      ...DEFAULTS,
      ...shape,
      prompt: prompt || DEFAULTS.prompt,
      corpus: file ? { kind: 'file', name: file.name, bytes: file.bytes.slice(0) } : { kind: 'brown' },
    };
    send({ type: 'start', settings }, settings.corpus.kind === 'file' ? [settings.corpus.bytes] : []);
  };

  const takeFile = async (f: File | undefined) => {
    if (!f) return;
    if (f.size > MAX_FILE_BYTES) {
      setError(`${f.name} is ${(f.size / 1e6).toFixed(1)} MB; the panel takes texts up to ${MAX_FILE_BYTES / 1024 / 1024} MB`);
      return;
    }
    setError(null);
    setFile({ name: f.name, bytes: await f.arrayBuffer() });
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    void takeFile(e.dataTransfer.files[0]);
  };

  const busy = phase === 'starting' || phase === 'training' || phase === 'saving';
  const first = points[0];
  const last = points.at(-1);
  const data = points.map((p) => ({ step: p.step, train: round(p.trainBits), heldOut: round(p.heldOutBits) }));
  const set =
    <K extends keyof typeof shape>(k: K) =>
    (v: (typeof shape)[K]) =>
      setShape((s) => ({ ...s, [k]: v }));

  return (
    <section className="panel pretrain" aria-labelledby="pretrain-title">
      <h2 id="pretrain-title">Pretrain a mini GPT-2 on English</h2>
      <p className="muted">
        The first half of the paper: a small GPT-2 learns to predict the next byte of English text, with every weight trainable. Then freeze it and see whether
        what it learnt helps on a task that is not language.
      </p>
      <div style={DROP_STYLE} onDragOver={(e) => e.preventDefault()} onDrop={onDrop} data-testid="pretrain-drop">
        <span>
          Text:{' '}
          <strong data-testid="pretrain-corpus">
            {file
              ? `${file.name} (${(file.bytes.byteLength / 1024).toFixed(0)} KB; last tenth held out)`
              : 'Brown Corpus (built in: 25 samples to train, 13 held out)'}
          </strong>
        </span>
        <label style={{ margin: 0 }}>
          Or use your own UTF-8 text file (drop it here or pick it)
          <input
            type="file"
            accept=".txt,text/plain"
            disabled={busy}
            onChange={(e) => void takeFile(e.target.files?.[0])}
            aria-label="Text file to pretrain on"
          />
        </label>
        {file && (
          <button type="button" disabled={busy} onClick={() => setFile(null)}>
            Use the Brown Corpus
          </button>
        )}
      </div>
      <div className="row">
        {select('Layers', shape.layers, LAYERS, set('layers'), busy)}
        {select('Width', shape.width, WIDTHS, set('width'), busy)}
        {select('Context (bytes)', shape.context, CONTEXTS, set('context'), busy)}
      </div>
      <div className="row">
        {select('Steps', shape.steps, STEPS, set('steps'), busy)}
        {select(
          'Pretrain on',
          shape.backend,
          BACKENDS.map((b) => b.value),
          set('backend'),
          busy,
          (v) => BACKENDS.find((b) => b.value === v)!.label,
        )}
        <label>
          Prompt
          <input type="text" value={prompt} maxLength={40} disabled={busy} onChange={(e) => setPrompt(e.target.value)} />
        </label>
      </div>
      <div style={BUTTONS_STYLE}>
        <button type="button" onClick={start} disabled={phase === 'starting' || phase === 'saving'}>
          {points.length ? 'Start again' : 'Start pretraining'}
        </button>
        {(phase === 'training' || phase === 'paused') && (
          <button type="button" onClick={() => send({ type: phase === 'training' ? 'pause' : 'resume' })}>
            {phase === 'training' ? 'Pause' : 'Resume'}
          </button>
        )}
        <button
          type="button"
          disabled={!last || phase === 'starting' || phase === 'saving' || phase === 'error'}
          onClick={() => {
            setPhase('saving');
            send({ type: 'pause' });
            send({ type: 'save' });
          }}
        >
          Freeze this and try Bit XOR
        </button>
      </div>
      {status && (
        <p className="muted" role="status">
          {status}
        </p>
      )}
      {error && (
        <p className="notice error" role="alert">
          {error}
        </p>
      )}
      {saved && (
        <p className="notice" role="status" data-testid="pretrain-saved">
          {saved} The FPT side now trains Bit XOR on it with attention and feed-forward frozen (backbone “Mini GPT-2 pretrained in this browser”).
        </p>
      )}
      {info && (
        <p className="muted" data-testid="pretrain-info">
          {info.params.toLocaleString('en')} parameters · {info.backend} · {(info.trainBytes / 1024).toFixed(0)} KB to train,{' '}
          {(info.heldOutBytes / 1024).toFixed(0)} KB held out
          {msPerStep !== null && ` · ${Math.round(msPerStep)} ms per step`}
        </p>
      )}
      {last && (
        <>
          <p>
            Step <strong data-testid="pretrain-step">{last.step}</strong>: held-out loss{' '}
            <strong data-testid="pretrain-heldout">{last.heldOutBits.toFixed(3)}</strong> bits/byte (at step 0:{' '}
            <span data-testid="pretrain-heldout-start">{first.heldOutBits.toFixed(3)}</span>)
            {info && (
              <>
                ; a model that knows only letter frequencies scores <span data-testid="pretrain-unigram">{info.unigramBits.toFixed(3)}</span>
              </>
            )}
            .
          </p>
          <ResponsiveContainer width="100%" height={200}>
            <LineChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="step" type="number" domain={[0, 'dataMax']} />
              <YAxis domain={[0, 'auto']} width={40} label={{ value: 'bits/byte', angle: -90, position: 'insideLeft', dy: 30 }} />
              <Tooltip />
              <Legend />
              <Line dataKey="train" name="train (mean since last)" stroke="#0072b2" dot={false} isAnimationActive={false} connectNulls />
              <Line dataKey="heldOut" name="held-out" stroke="#d55e00" dot={false} isAnimationActive={false} />
              {info && (
                <ReferenceLine
                  y={info.unigramBits}
                  stroke="#555"
                  strokeDasharray="6 4"
                  label={{ value: `unigram entropy ${info.unigramBits.toFixed(2)}`, position: 'insideTopRight', fill: '#555' }}
                />
              )}
            </LineChart>
          </ResponsiveContainer>
          <p className="muted">Greedy continuation at step {last.step} (quoted, so that spaces and line breaks show):</p>
          <pre className="example-text" data-testid="pretrain-sample" style={{ whiteSpace: 'pre-wrap' }}>
            <strong>{runPrompt}</strong> → {JSON.stringify(last.sample)}
          </pre>
        </>
      )}
    </section>
  );
}
