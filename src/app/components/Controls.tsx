import { useEffect, useState } from 'react';
import { usePlayground } from '../store';
import { BACKBONE_CHOICES, backboneIdOf, BATCH_SIZES, SPEEDS, taskChoices } from '../settings';
import { changeRunSettings, setLearningRate, setStepsPerUpdate, startRun, step, togglePlay } from '../training-client';
import type { TaskName } from '../../engine/tasks/task';
import type { BackendChoice } from '../../worker/protocol';
import { LockNote, lockedProps, useControlMode } from '../instructor/ui';
import { LOCK_REASON } from '../instructor/controls';
import { SETTINGS_LIMITS } from '../../worker/settings-schema';

const LEARNING_RATES = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2];

/** Play/Pause, Step, Reset and the speed control, with Space, → and R as shortcuts. */
export function TransportControls() {
  const running = usePlayground((s) => s.running);
  const phase = usePlayground((s) => s.phase);
  const stepsPerUpdate = usePlayground((s) => s.stepsPerUpdate);
  const speedMode = useControlMode('speed');
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
      {speedMode !== 'hidden' && (
        <label className="speed">
          Steps per update
          <select value={stepsPerUpdate} disabled={speedMode === 'locked'} {...lockedProps('speed', speedMode, 'Steps per update')} onChange={(e) => setStepsPerUpdate(Number(e.target.value))}>
            {SPEEDS.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
          <LockNote control="speed" mode={speedMode} />
        </label>
      )}
    </div>
  );
}

/** CIFAR-10 is offered only where its files are served (README, Datasets). */
export function useCifarInstalled(): boolean {
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
  const mode = {
    task: useControlMode('task'),
    backbone: useControlMode('backbone'),
    batch: useControlMode('batch'),
    lr: useControlMode('lr'),
    seed: useControlMode('seed'),
    backend: useControlMode('backend'),
  };
  const rowLocked = (['batch', 'lr', 'seed'] as const).filter((c) => mode[c] === 'locked').map((c) => ({ batch: 'batch size', lr: 'learning rate', seed: 'seed' })[c]);
  return (
    <section className="panel settings" aria-labelledby="settings-title">
      <h2 id="settings-title">Experiment</h2>
      {mode.task !== 'hidden' && (
        <label>
          Task
          <select value={settings.task} disabled={loading || mode.task === 'locked'} {...lockedProps('task', mode.task, 'Task')} onChange={(e) => changeRunSettings({ task: e.target.value as TaskName })}>
            {taskChoices().map((t) => {
              const missing = t.value.startsWith('cifar10') && !cifarInstalled;
              return (
                <option key={t.value} value={t.value} disabled={missing}>
                  {t.label}
                  {missing ? ' (data not installed)' : ''}
                </option>
              );
            })}
          </select>
          <LockNote control="task" mode={mode.task} />
        </label>
      )}
      {mode.backbone !== 'hidden' && (
        <label>
          Backbone
          <select
            value={backboneIdOf(settings)}
            disabled={loading || mode.backbone === 'locked'}
            {...lockedProps('backbone', mode.backbone, 'Backbone')}
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
          <LockNote control="backbone" mode={mode.backbone} />
        </label>
      )}
      <div className="row">
        {mode.batch !== 'hidden' && (
          <label>
            Batch size
            <select value={settings.batchSize} disabled={loading || mode.batch === 'locked'} {...lockedProps('batch', mode.batch, 'Batch size')} onChange={(e) => changeRunSettings({ batchSize: Number(e.target.value) })}>
              {BATCH_SIZES.map((b) => (
                <option key={b} value={b}>
                  {b}
                </option>
              ))}
            </select>
            <LockNote control="batch" mode={mode.batch} />
          </label>
        )}
        {mode.lr !== 'hidden' && (
          <label>
            Learning rate
            <select value={settings.lr} disabled={mode.lr === 'locked'} {...lockedProps('lr', mode.lr, 'Learning rate')} onChange={(e) => setLearningRate(Number(e.target.value))}>
              {/* A link may set a rate the list lacks: offer it too. */}
              {[...new Set([...LEARNING_RATES, settings.lr])].sort((a, b) => a - b).map((lr) => (
                <option key={lr} value={lr}>
                  {lr}
                </option>
              ))}
            </select>
            <LockNote control="lr" mode={mode.lr} />
          </label>
        )}
        {mode.seed !== 'hidden' && (
          <label>
            Seed
            <input
              type="number"
              min={0}
              max={SETTINGS_LIMITS.seed.max}
              step={1}
              value={settings.seed}
              disabled={loading || mode.seed === 'locked'}
              {...lockedProps('seed', mode.seed, 'Seed')}
              onChange={(e) => {
                // Seeds are 32-bit: a larger one would alias a smaller one (rng.ts).
                const seed = Math.min(SETTINGS_LIMITS.seed.max, Math.max(0, Math.floor(Number(e.target.value) || 0)));
                changeRunSettings({ seed });
              }}
            />
            <LockNote control="seed" mode={mode.seed} />
          </label>
        )}
        {/* One visible reason for the three narrow columns (each input is described by its own, visually hidden, note). */}
        {rowLocked.length > 0 && (
          <span className="lock-note row-lock-note" aria-hidden="true" data-testid="lock-note-row">
            {rowLocked.join(', ')}: {LOCK_REASON}
          </span>
        )}
      </div>
      {mode.backend !== 'hidden' && (
        <label>
          Compute
          <select value={settings.backend} disabled={loading || mode.backend === 'locked'} {...lockedProps('backend', mode.backend, 'Compute')} onChange={(e) => changeRunSettings({ backend: e.target.value as BackendChoice })}>
            <option value="auto">Best available (WebGPU, then WebGL, then WebAssembly, then CPU)</option>
            <option value="webgpu">WebGPU only</option>
            <option value="webgl">WebGL only</option>
            <option value="wasm">CPU, WebAssembly</option>
            <option value="cpu">CPU only (plain JavaScript)</option>
          </select>
          <LockNote control="backend" mode={mode.backend} />
        </label>
      )}
    </section>
  );
}
