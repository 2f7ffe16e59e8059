import { useEffect, useState } from 'react';
import { startBackend, type BackendInfo } from '../engine/backend';
import { createTask } from '../engine/tasks';
import { Trainer } from '../engine/train/trainer';
import { parseGpt2Config } from '../weights/gpt2-checkpoint';
import tinyConfig from '../../models/tiny-gpt2/config.json';

interface Progress {
  step: number;
  loss: number;
  accuracy?: number;
}

/** Engine smoke page: trains Bit XOR on the tiny random backbone with the best backend available. */
export function App() {
  const [backend, setBackend] = useState<BackendInfo | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    (async () => {
      const info = await startBackend();
      if (cancelled) return;
      setBackend(info);
      const task = await createTask('bit-xor');
      const trainer = new Trainer(task, parseGpt2Config(tinyConfig), 'random', { batchSize: 16, evalBatches: 4, seed: 0 });
      for (let step = 1; step <= 20 && !cancelled; step++) {
        const loss = await trainer.step();
        setProgress({ step, loss });
      }
      const { accuracy } = await trainer.evaluate();
      if (!cancelled) setProgress((p) => p && { ...p, accuracy });
      trainer.dispose();
    })().catch((err: Error) => setError(err.message));
    return () => {
      cancelled = true;
    };
  }, []);

  return (
    <main>
      <h1>FPT Playground</h1>
      <p>A frozen GPT-2 learning Bit XOR in your browser.</p>
      <dl>
        <dt>Backend</dt>
        <dd data-testid="backend">
          {backend ? `${backend.name}${backend.adapter ? ` (${backend.adapter})` : ''}` : 'starting…'}
        </dd>
        {backend?.fallbackReasons.map((r) => (
          <dd key={r}>fell back: {r}</dd>
        ))}
        <dt>Step</dt>
        <dd data-testid="step">{progress?.step ?? 0}</dd>
        <dt>Train loss</dt>
        <dd data-testid="loss">{progress ? progress.loss.toFixed(4) : '–'}</dd>
        <dt>Per-bit test accuracy</dt>
        <dd data-testid="accuracy">{progress?.accuracy === undefined ? '–' : `${(100 * progress.accuracy).toFixed(1)}%`}</dd>
      </dl>
      {error && <p role="alert">{error}</p>}
    </main>
  );
}
