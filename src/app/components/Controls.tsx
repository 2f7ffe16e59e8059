import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useSettings } from '../stores/settings-store';
import { useRun } from '../stores/run-store';
import { BACKBONE_CHOICES, backboneIdOf, BATCH_SIZES, SPEEDS, taskChoices } from '../settings';
import { changeRunSettings, setLearningRate, setStepsPerUpdate, startRun, step, togglePlay } from '../training-client';
import type { BackendChoice, RunSettings } from '../../worker/protocol';
import { LockNote, lockedProps } from '../instructor/ui';
import { LOCK_REASON, type ControlName } from '../instructor/controls';
import { SETTINGS_LIMITS } from '../../worker/settings-schema';
import { useControlMode } from '../hooks/control-mode';
import { useCifarInstalled } from '../hooks/cifar-installed';
import { LockableSelect, type SelectOption } from './LockableSelect';

const LEARNING_RATES = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2];
const numbers = (xs: readonly number[]): SelectOption<number>[] => xs.map((x) => ({ value: x, label: String(x) }));
const BACKENDS: SelectOption<BackendChoice>[] = [
  { value: 'auto', label: 'Best available (WebGPU, then WebGL, then WebAssembly, then CPU)' },
  { value: 'webgpu', label: 'WebGPU only' },
  { value: 'webgl', label: 'WebGL only' },
  { value: 'wasm', label: 'CPU, WebAssembly' },
  { value: 'cpu', label: 'CPU only (plain JavaScript)' },
];

/** Space, → and R drive training from anywhere on the page but a form field. */
function useTransportKeys(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (e.ctrlKey || e.metaKey || e.altKey || ['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName)) return;
      // Space on a focused button (or tab) presses that button, as everywhere else.
      if ((target.tagName === 'BUTTON' || target.getAttribute('role') === 'tab') && e.key === ' ') return;
      if (useRun.getState().phase !== 'ready') return;
      if (e.key === ' ') {
        e.preventDefault();
        togglePlay();
      } else if (e.key === 'ArrowRight') {
        if (target.getAttribute('role') === 'tab') return;
        e.preventDefault();
        if (!useRun.getState().running) step();
      } else if (e.key === 'r' || e.key === 'R') {
        startRun();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

/** The step the run is at and how fast it goes (fixed widths: the bar does not move as digits change). */
function StepCounter() {
  const steps = useRun((s) => s.points.at(-1)?.step ?? 0);
  const msPerStep = useRun((s) => s.msPerStep);
  return (
    <p className="step-counter" aria-label="Progress">
      <span className="step-number" data-testid="top-step">
        step <strong>{steps.toLocaleString('en-US')}</strong>
      </span>
      <span className="steps-per-second" data-testid="steps-per-second">
        {msPerStep ? `${(1000 / msPerStep).toFixed(1)} steps/s` : '– steps/s'}
      </span>
    </p>
  );
}

/** Play/Pause, Step, Reset, the step counter and the speed control, with Space, → and R as shortcuts. */
export function TransportControls() {
  const { running, phase } = useRun(useShallow(({ running, phase }) => ({ running, phase })));
  const stepsPerUpdate = useSettings((s) => s.stepsPerUpdate);
  const ready = phase === 'ready';
  useTransportKeys();
  return (
    <div className="transport" role="group" aria-label="Training controls">
      <button type="button" className="primary play" onClick={togglePlay} disabled={!ready} aria-keyshortcuts="Space">
        <span aria-hidden="true" className="icon">
          {running ? '❚❚' : '▶'}
        </span>
        {running ? 'Pause' : 'Play'}
      </button>
      <button type="button" onClick={step} disabled={!ready || running} aria-keyshortcuts="ArrowRight">
        Step
      </button>
      <button type="button" onClick={() => startRun()} disabled={phase === 'loading'} aria-keyshortcuts="R">
        Reset
      </button>
      <StepCounter />
      <LockableSelect
        control="speed"
        className="speed"
        label="Steps per update"
        value={stepsPerUpdate}
        options={numbers(SPEEDS)}
        onChange={setStepsPerUpdate}
      />
    </div>
  );
}

/** A dropdown for one run setting: it shows the setting, is off while a run loads, and starts a new run with the choice. */
function RunSettingSelect<K extends 'task' | 'batchSize' | 'backend'>({
  setting,
  ...props
}: {
  setting: K;
  control: ControlName;
  className: string;
  label: string;
  options: readonly SelectOption<RunSettings[K]>[];
}) {
  const value = useSettings((s) => s.settings[setting]);
  const loading = useRun((s) => s.phase === 'loading');
  return <LockableSelect {...props} value={value} disabled={loading} onChange={(v) => changeRunSettings({ [setting]: v })} />;
}

/** Task, backbone, learning rate, batch, seed and compute. All but the learning rate start a new run. */
export function RunSettingsForm() {
  const settings = useSettings((s) => s.settings);
  const loading = useRun((s) => s.phase === 'loading');
  const cifarInstalled = useCifarInstalled();
  const seedMode = useControlMode('seed');
  const rowModes = { batch: useControlMode('batch'), lr: useControlMode('lr'), seed: seedMode };
  const rowLocked = (['batch', 'lr', 'seed'] as const)
    .filter((c) => rowModes[c] === 'locked')
    .map((c) => ({ batch: 'batch size', lr: 'learning rate', seed: 'seed' })[c]);
  const tasks = taskChoices().map((t) => {
    const missing = t.value.startsWith('cifar10') && !cifarInstalled;
    return { value: t.value, label: `${t.label}${missing ? ' (data not installed)' : ''}`, disabled: missing };
  });
  const backbones = BACKBONE_CHOICES.map((b) => ({ value: b.id, label: b.label }));
  // A link may set a rate the list lacks: offer it too.
  const rates = numbers([...new Set([...LEARNING_RATES, settings.lr])].sort((a, b) => a - b));
  return (
    <div className="run-settings" role="group" aria-label="Experiment">
      <RunSettingSelect setting="task" control="task" className="task" label="Task" options={tasks} />
      <LockableSelect
        control="backbone"
        className="backbone"
        label="Backbone"
        value={backboneIdOf(settings)}
        options={backbones}
        disabled={loading}
        onChange={(id) => {
          const b = BACKBONE_CHOICES.find((c) => c.id === id)!;
          changeRunSettings({ model: b.model, init: b.init });
        }}
      />
      <div className="row">
        <LockableSelect control="lr" className="narrow" label="Learning rate" value={settings.lr} options={rates} onChange={setLearningRate} />
        <RunSettingSelect setting="batchSize" control="batch" className="narrow" label="Batch size" options={numbers(BATCH_SIZES)} />
        {seedMode !== 'hidden' && (
          <label className="narrow">
            Seed
            <input
              type="number"
              min={0}
              max={SETTINGS_LIMITS.seed.max}
              step={1}
              value={settings.seed}
              disabled={loading || seedMode === 'locked'}
              {...lockedProps('seed', seedMode, 'Seed')}
              onChange={(e) => {
                // Seeds are 32-bit: a larger one would alias a smaller one (rng.ts).
                const seed = Math.min(SETTINGS_LIMITS.seed.max, Math.max(0, Math.floor(Number(e.target.value) || 0)));
                changeRunSettings({ seed });
              }}
            />
            <LockNote control="seed" mode={seedMode} />
          </label>
        )}
        {/* One visible reason for the narrow columns (each input is described by its own, visually hidden, note). */}
        {rowLocked.length > 0 && (
          <span className="lock-note row-lock-note" aria-hidden="true" data-testid="lock-note-row">
            {rowLocked.join(', ')}: {LOCK_REASON}
          </span>
        )}
      </div>
      <RunSettingSelect setting="backend" control="backend" className="compute" label="Compute" options={BACKENDS} />
    </div>
  );
}
