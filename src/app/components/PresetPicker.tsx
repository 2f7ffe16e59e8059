import { useState } from 'react';
import { groupDefinition } from '../../engine/groups';
import type { TaskName } from '../../engine/tasks/task';
import { CONTROL_LABELS } from '../instructor/controls';
import { LockNote } from '../instructor/ui';
import { useControlMode } from '../hooks/control-mode';
import {
  PAPER_PRESETS,
  PRESET_TASKS,
  presetById,
  presetConflicts,
  presetMatches,
  presetSettings,
  numberDetail,
  presetTitle,
  scaleFits,
  sourceText,
  TINY_POSITIONS,
  type PaperPreset,
  type PresetScale,
} from '../presets';
import { BACKBONE_CHOICES, backboneIdOf } from '../settings';
import { MNIST_DATA_NOTE, UNFREEZING_STEPS } from '../../engine/paper-numbers';
import { useSettings } from '../stores/settings-store';
import { useUi } from '../stores/ui-store';
import { changeRunSettings } from '../training-client';
import { useCifarInstalled } from '../hooks/cifar-installed';
import { LabelledSelect, type SelectOption } from './LockableSelect';

const TASK_OPTIONS: readonly SelectOption<TaskName>[] = PRESET_TASKS.map((t) => ({ value: t.task, label: t.name }));
const SCALE_OPTIONS: readonly SelectOption<PresetScale>[] = [
  { value: 'gpt2', label: 'GPT-2 small, as in the paper' },
  { value: 'tiny', label: 'Random test model (2 layers, 64 wide; offline and fast; not pretrained on text)' },
];

/** Loads a preset: all its settings at once, then a fresh run (the demo also shows layer 0 beside step 0). */
function loadPreset(p: PaperPreset, scale: PresetScale): void {
  const { settings } = useSettings.getState();
  useSettings.setState({ presetId: p.id, ...(p.attentionLayer !== undefined ? { attentionLayer: p.attentionLayer } : {}) });
  if (p.attentionLayer !== undefined) useUi.setState({ attentionCompare: true });
  changeRunSettings(presetSettings(p, settings, scale));
}

function PresetButton({ preset, scale, blocked, text }: { preset: PaperPreset; scale: PresetScale; blocked: string | null; text: string }) {
  const settings = useSettings((s) => s.settings);
  const layer = useSettings((s) => s.attentionLayer);
  const instructor = useSettings((s) => s.instructor);
  const activeId = useSettings((s) => s.presetId);
  const conflicts = presetConflicts(preset, scale, settings, layer, instructor);
  const why = blocked ?? (conflicts.length ? `It would change ${conflicts.map((c) => CONTROL_LABELS[c]).join(', ')}, locked by your instructor.` : null);
  const active = activeId === preset.id && presetMatches(preset, settings);
  return (
    <button
      type="button"
      className={`preset${active ? ' active' : ''}`}
      aria-pressed={active}
      aria-label={`${preset.kind === 'demo' ? preset.label : sourceText(preset.source)}: paper ${preset.paper}%`}
      title={why ?? `Load ${presetTitle(preset)}`}
      disabled={why !== null}
      onClick={() => loadPreset(preset, scale)}
    >
      {text}
    </button>
  );
}

/** What the loaded preset set, or that the settings have moved on since. */
function Loaded() {
  const settings = useSettings((s) => s.settings);
  const preset = presetById(useSettings((s) => s.presetId));
  if (!preset) return null;
  if (!presetMatches(preset, settings)) {
    return (
      <p className="preset-loaded muted" data-testid="preset-loaded">
        Settings changed since loading {presetTitle(preset)}: the chart shows the paper’s number for the current settings, where a table has them.
      </p>
    );
  }
  const backbone = BACKBONE_CHOICES.find((b) => b.id === backboneIdOf(settings))?.label ?? settings.model;
  return (
    <p className="preset-loaded" data-testid="preset-loaded" role="status">
      <strong>Loaded {preset.kind === 'demo' ? preset.label : sourceText(preset.source)}</strong> (in the paper: {preset.init} GPT-2 small, frozen): task{' '}
      {PRESET_TASKS.find((t) => t.task === settings.task)?.name}, backbone {backbone}, trains {settings.groups.map((g) => groupDefinition(g).phrase).join(', ')}
      , learning rate {settings.lr}, batch {settings.batchSize} (seed {settings.seed} and compute kept). The paper reports {preset.paper}% (
      {numberDetail(preset.number)}, on its full test set{preset.task === 'mnist' ? `; ${MNIST_DATA_NOTE}` : ''}).
    </p>
  );
}

/**
 * "Paper experiments": one click loads a row of Table 2 (pretrained vs random), Table 19 / 21
 * (cumulative unfreezing on pretrained / random GPT-2) or the Bit XOR attention demo.
 */
export function PresetPicker() {
  const mode = useControlMode('presets');
  const currentTask = useSettings((s) => s.settings.task);
  const [task, setTask] = useState<TaskName>(PRESET_TASKS.some((t) => t.task === currentTask) ? currentTask : 'bit-xor');
  const [scale, setScale] = useState<PresetScale>('gpt2');
  const cifarInstalled = useCifarInstalled();
  // The rows follow the task chosen in Experiment: adjusted while rendering when that task changes
  // (React's "storing information from previous renders"), not in an effect after a first render.
  const [followedTask, setFollowedTask] = useState(currentTask);
  if (followedTask !== currentTask) {
    setFollowedTask(currentTask);
    if (PRESET_TASKS.some((t) => t.task === currentTask)) setTask(currentTask);
  }
  if (mode === 'hidden') return null;
  const name = PRESET_TASKS.find((t) => t.task === task)!.name;
  const blocked =
    mode === 'locked'
      ? 'Paper experiments are locked by your instructor.'
      : task.startsWith('cifar10') && !cifarInstalled
        ? 'The CIFAR-10 files are not installed on this server (README, Datasets).'
        : !scaleFits(task, scale)
          ? `The random test model has ${TINY_POSITIONS} positions and ${name} needs ${PRESET_TASKS.find((t) => t.task === task)!.tokens} tokens: run it on GPT-2 small.`
          : null;
  const of = (kind: PaperPreset['kind']) => PAPER_PRESETS.filter((p) => p.kind === kind && p.task === task);
  const demo = PAPER_PRESETS.find((p) => p.kind === 'demo')!;
  return (
    <section className="panel presets" aria-labelledby="presets-title">
      <div className="presets-head">
        <h2 id="presets-title">Paper experiments</h2>
        <LockNote control="presets" mode={mode} />
      </div>
      <div className="presets-options">
        <LabelledSelect<TaskName> label="Rows for" value={task} options={TASK_OPTIONS} onChange={setTask} />
        <LabelledSelect<PresetScale> label="Run on" value={scale} options={SCALE_OPTIONS} onChange={setScale} />
      </div>
      <p className="muted">
        One click sets the task, backbone, trained groups, learning rate (0.001, the paper’s) and batch, and starts a run; the accuracy chart draws the paper’s
        number for that row.
      </p>
      <table className="preset-table">
        <thead>
          <tr>
            <th scope="col">{name}: test accuracy in the paper</th>
            {UNFREEZING_STEPS.map((s) => (
              <th scope="col" key={s.id}>
                {s.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {(['table19', 'table21'] as const).map((kind) => (
            <tr key={kind}>
              <th scope="row">{kind === 'table19' ? 'Table 19 · pretrained GPT-2' : 'Table 21 · random GPT-2'}</th>
              {of(kind).map((p) => (
                <td key={p.id}>
                  <PresetButton preset={p} scale={scale} blocked={blocked} text={`${p.paper}%`} />
                </td>
              ))}
            </tr>
          ))}
          <tr>
            <th scope="row">Table 2 · frozen, FPT groups</th>
            <td colSpan={4}>
              <div className="table2-cells">
                {of('table2').map((p) => (
                  <PresetButton key={p.id} preset={p} scale={scale} blocked={blocked} text={`${p.init}: ${p.paper}%`} />
                ))}
                {task === 'bit-xor' && <PresetButton preset={demo} scale={scale} blocked={blocked} text="Attention demo (Figure 3)" />}
              </div>
            </td>
          </tr>
        </tbody>
      </table>
      {blocked && mode !== 'locked' && <p className="muted">{blocked}</p>}
      <Loaded />
    </section>
  );
}
