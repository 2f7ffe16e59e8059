import { useEffect, useState } from 'react';
import { usePlayground } from '../store';
import { BACKBONE_CHOICES, backboneIdOf, BATCH_SIZES, SPEEDS, TASK_CHOICES } from '../settings';
import { changeRunSettings, setLearningRate, setStepsPerUpdate, startRun, step, togglePlay } from '../training-client';
import type { TaskName } from '../../engine/tasks/task';
import type { BackendChoice } from '../../worker/protocol';

const LEARNING_RATES = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2];

/** Play/Pause, Step, Reset and the speed control, with Space, → and R as shortcuts. */
export function TransportControls() {
  const running = usePlayground((s) => s.running);
  const phase = usePlayground((s) => s.phase);
  const stepsPerUpdate = usePlayground((s) => s.stepsPerUpdate);
  const ready = phase === 'ready';

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (e.ctrlKey || e.metaKey || e.altKey || ['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName)) return;
      // Space on a focused button presses that button, as everywhere else.
      if (target.tagName === 'BUTTON' && e.key === ' ') return;
      if (usePlayground.getState().phase !== 'ready') return;
      if (e.key === ' ') {
        e.preventDefault();
        togglePlay();
      } else if (e.key === 'ArrowRight') {
        e.preventDefault();
        if (!usePlayground.getState().running) step();
      } else if (e.key === 'r' || e.key === 'R') {
        startRun();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div className="transport" role="group" aria-label="Training controls">
      <button type="button" className="primary" onClick={togglePlay} disabled={!ready} aria-keyshortcuts="Space">
        {running ? 'Pause' : 'Play'}
      </button>
      <button type="button" onClick={step} disabled={!ready || running} aria-keyshortcuts="ArrowRight">
        Step
      </button>
      <button type="button" onClick={() => startRun()} disabled={phase === 'loading'} aria-keyshortcuts="R">
        Reset
      </button>
      <label className="speed">
        Steps per update
        <select value={stepsPerUpdate} onChange={(e) => setStepsPerUpdate(Number(e.target.value))}>
          {SPEEDS.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}

/** CIFAR-10 is offered only where its files are served (README, Datasets). */
function useCifarInstalled(): boolean {
  const [installed, setInstalled] = useState(false);
  useEffect(() => {
    fetch('/data/cifar-10-batches-bin/test_batch.bin', { method: 'HEAD' })
      .then((res) => setInstalled(res.ok))
      .catch(() => setInstalled(false));
  }, []);
  return installed;
}

/** Task, backbone, batch, learning rate, seed and backend. All but the learning rate start a new run. */
export function RunSettingsForm() {
  const settings = usePlayground((s) => s.settings);
  const loading = usePlayground((s) => s.phase === 'loading');
  const cifarInstalled = useCifarInstalled();
  return (
    <section className="panel settings" aria-labelledby="settings-title">
      <h2 id="settings-title">Experiment</h2>
      <label>
        Task
        <select value={settings.task} disabled={loading} onChange={(e) => changeRunSettings({ task: e.target.value as TaskName })}>
          {TASK_CHOICES.map((t) => {
            const missing = t.value.startsWith('cifar10') && !cifarInstalled;
            return (
              <option key={t.value} value={t.value} disabled={missing}>
                {t.label}
                {missing ? ' (data not installed)' : ''}
              </option>
            );
          })}
        </select>
      </label>
      <label>
        Backbone
        <select
          value={backboneIdOf(settings)}
          disabled={loading}
          onChange={(e) => {
            const b = BACKBONE_CHOICES.find((c) => c.id === e.target.value)!;
            changeRunSettings({ model: b.model, init: b.init });
          }}
        >
          {BACKBONE_CHOICES.map((b) => (
            <option key={b.id} value={b.id}>
              {b.label}
            </option>
          ))}
        </select>
      </label>
      <div className="row">
        <label>
          Batch size
          <select value={settings.batchSize} disabled={loading} onChange={(e) => changeRunSettings({ batchSize: Number(e.target.value) })}>
            {BATCH_SIZES.map((b) => (
              <option key={b} value={b}>
                {b}
              </option>
            ))}
          </select>
        </label>
        <label>
          Learning rate
          <select value={settings.lr} onChange={(e) => setLearningRate(Number(e.target.value))}>
            {/* A link may set a rate the list lacks: offer it too. */}
            {[...new Set([...LEARNING_RATES, settings.lr])].sort((a, b) => a - b).map((lr) => (
              <option key={lr} value={lr}>
                {lr}
              </option>
            ))}
          </select>
        </label>
        <label>
          Seed
          <input
            type="number"
            min={0}
            step={1}
            value={settings.seed}
            disabled={loading}
            onChange={(e) => {
              const seed = Math.max(0, Math.floor(Number(e.target.value) || 0));
              changeRunSettings({ seed });
            }}
          />
        </label>
      </div>
      <label>
        Compute
        <select value={settings.backend} disabled={loading} onChange={(e) => changeRunSettings({ backend: e.target.value as BackendChoice })}>
          <option value="auto">Best available (WebGPU, then WebGL, then CPU)</option>
          <option value="webgpu">WebGPU only</option>
          <option value="webgl">WebGL only</option>
          <option value="cpu">CPU only</option>
        </select>
      </label>
    </section>
  );
}
