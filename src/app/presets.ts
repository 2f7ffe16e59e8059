/**
 * Paper experiments: one click sets a row of the paper's tables (task, backbone, trained groups,
 * learning rate, batch), and the accuracy chart draws that row's number, with the table, row and
 * column it comes from. The numbers are src/engine/paper-numbers.ts's (the sweep presets read the
 * same); presets.test.ts checks them against docs/fpt-spec.md's values.
 *
 * - Table 2: frozen GPT-2 small with the FPT groups (input, output, positions, layer norms),
 *   language-pretrained ("FPT") vs randomly initialised ("Random").
 * - Table 19: cumulative unfreezing on pretrained GPT-2: output only → + layernorm → + input → + positions.
 * - Table 21: the same on random GPT-2 (docs/fpt-spec.md, Table 21).
 * - The Bit XOR attention demo (Figure 3): Table 2's Bit XOR FPT row, with layer 0's attention compared with step 0.
 */
import { FPT_DEFAULT_GROUPS, type GroupName } from '../engine/groups';
import { MNIST_DATA_NOTE, STEPS_TO_CONVERGE, TABLE2, TABLE9, UNFREEZING_STEPS, unfreezingColumn, type PaperNumber } from '../engine/paper-numbers';
import type { TaskName } from '../engine/tasks/task';
import type { RunSettings } from '../worker/protocol';
import { controlMode, type ControlName, type InstructorFlags } from './instructor/controls';

export type PresetTable = 'Table 2' | 'Table 19' | 'Table 21';

/** Where a number comes from: the paper's table, its row (the task) and its column. */
export interface PaperSource {
  table: PresetTable;
  row: string;
  column: string;
}

export interface PaperPreset {
  id: string;
  kind: 'table2' | 'table19' | 'table21' | 'demo';
  task: TaskName;
  init: 'pretrained' | 'random';
  groups: GroupName[];
  /** Short name of the configuration, e.g. "+ layernorm" or "pretrained". */
  label: string;
  /** The paper's test accuracy (%) for this configuration. */
  paper: number;
  /** The same number with its model size and convergence (src/engine/paper-numbers.ts). */
  number: PaperNumber;
  source: PaperSource;
  /** The demo also shows this attention layer, compared with step 0. */
  attentionLayer?: number;
}

/** The tasks the tables cover, in the paper's column order, with their names there. */
export const PRESET_TASKS: { task: TaskName; name: string; tokens: number }[] = [
  { task: 'bit-memory', name: 'Bit Memory', tokens: 120 },
  { task: 'bit-xor', name: 'Bit XOR', tokens: 10 },
  { task: 'listops', name: 'ListOps', tokens: 512 },
  { task: 'mnist', name: 'MNIST', tokens: 49 },
  { task: 'cifar10', name: 'CIFAR-10', tokens: 64 },
  { task: 'cifar10-lra', name: 'CIFAR-10 LRA', tokens: 1024 },
];

const taskName = (task: TaskName) => PRESET_TASKS.find((t) => t.task === task)!.name;

function buildPresets(): PaperPreset[] {
  const out: PaperPreset[] = [];
  for (const { task, name } of PRESET_TASKS) {
    for (const init of ['pretrained', 'random'] as const) {
      out.push({
        id: `table2-${task}-${init}`,
        kind: 'table2',
        task,
        init,
        groups: [...FPT_DEFAULT_GROUPS],
        label: init,
        paper: TABLE2[init][task]!.value,
        number: TABLE2[init][task]!,
        source: { table: 'Table 2', row: init === 'pretrained' ? 'FPT' : 'Random', column: name },
      });
    }
    for (const [table, init] of [
      ['Table 19', 'pretrained'],
      ['Table 21', 'random'],
    ] as const) {
      UNFREEZING_STEPS.forEach((step, i) => {
        out.push({
          id: `${table === 'Table 19' ? 'table19' : 'table21'}-${task}-${step.id}`,
          kind: table === 'Table 19' ? 'table19' : 'table21',
          task,
          init,
          groups: [...step.groups],
          label: step.label,
          paper: unfreezingColumn(init, i)[task]!.value,
          number: unfreezingColumn(init, i)[task]!,
          source: { table, row: name, column: step.label },
        });
      });
    }
  }
  out.push({
    id: 'bit-xor-attention',
    kind: 'demo',
    task: 'bit-xor',
    init: 'pretrained',
    groups: [...FPT_DEFAULT_GROUPS],
    label: 'Bit XOR attention (Figure 3)',
    paper: TABLE2.pretrained['bit-xor']!.value,
    number: TABLE2.pretrained['bit-xor']!,
    source: { table: 'Table 2', row: 'FPT', column: 'Bit XOR' },
    attentionLayer: 0,
  });
  return out;
}

export const PAPER_PRESETS: readonly PaperPreset[] = buildPresets();

export const PRESET_IDS: readonly string[] = PAPER_PRESETS.map((p) => p.id);

export function presetById(id: string | null): PaperPreset | undefined {
  return id === null ? undefined : PAPER_PRESETS.find((p) => p.id === id);
}

/** "Table 19, Bit XOR, + layernorm" */
export function sourceText(source: PaperSource): string {
  return `${source.table}, ${source.row}, ${source.column}`;
}

/** A one-line description of the configuration a preset sets. */
export function presetTitle(p: PaperPreset): string {
  if (p.kind === 'demo') return p.label;
  const body = p.init === 'pretrained' ? 'pretrained' : 'random';
  if (p.kind === 'table2') return `${taskName(p.task)} · ${body} GPT-2, frozen (Table 2)`;
  return `${taskName(p.task)} · ${body} GPT-2 · ${p.label} (${p.source.table})`;
}

/** Which backbone runs a preset: GPT-2 small as in the paper, or the committed random test model (`tiny`: offline, fast, not pretrained). */
export type PresetScale = 'gpt2' | 'tiny';

export const TINY_POSITIONS = 128;

/** The random test model has 128 positions: enough for every task but ListOps (512 tokens) and CIFAR-10 LRA (1024). */
export function scaleFits(task: TaskName, scale: PresetScale): boolean {
  return scale === 'gpt2' || PRESET_TASKS.find((t) => t.task === task)!.tokens <= TINY_POSITIONS;
}

/** Batch size a preset uses: the paper used 2-16 (the largest that fit its GPU); 16 here, 4 for the 512- and 1024-token tasks. */
export function presetBatchSize(task: TaskName): number {
  return task === 'listops' || task === 'cifar10-lra' ? 4 : 16;
}

/** The paper's learning rate for every transformer run (Appendix C). */
export const PAPER_LR = 1e-3;

/** The settings a preset sets; the seed and compute backend stay as they are. */
export function presetSettings(p: PaperPreset, current: RunSettings, scale: PresetScale): RunSettings {
  return {
    ...current,
    task: p.task,
    bits: 5,
    model: scale === 'gpt2' ? 'gpt2' : 'tiny-gpt2',
    init: p.init,
    groups: [...p.groups],
    lr: PAPER_LR,
    batchSize: presetBatchSize(p.task),
  };
}

const sameGroups = (a: readonly GroupName[], b: readonly GroupName[]) => a.length === b.length && a.every((g) => b.includes(g));

/** Whether the settings are still the preset's configuration (learning rate, batch, seed and backend aside). */
export function presetMatches(p: PaperPreset, s: RunSettings): boolean {
  return p.task === s.task && p.init === s.init && sameGroups(p.groups, s.groups) && (s.task !== 'bit-xor' || s.bits === 5);
}

/** The controls whose value loading the preset would change. */
export function presetChanges(p: PaperPreset, scale: PresetScale, current: RunSettings, layer: number): ControlName[] {
  const next = presetSettings(p, current, scale);
  const changes: ControlName[] = [];
  if (next.task !== current.task || next.bits !== current.bits) changes.push('task');
  if (next.model !== current.model || next.init !== current.init) changes.push('backbone');
  if (next.lr !== current.lr) changes.push('lr');
  if (next.batchSize !== current.batchSize) changes.push('batch');
  if (!sameGroups(next.groups, current.groups)) changes.push('groups');
  if (p.attentionLayer !== undefined && p.attentionLayer !== layer) changes.push('layer');
  return changes;
}

/** Locked or hidden controls that the preset would change: it cannot be loaded on this link. */
export function presetConflicts(p: PaperPreset, scale: PresetScale, current: RunSettings, layer: number, flags: InstructorFlags): ControlName[] {
  return presetChanges(p, scale, current, layer).filter((c) => controlMode(flags, c) !== 'shown');
}

/** The fallback number for each backbone init with the FPT groups: Table 2's FPT and Random rows, Table 9's Statistics Only. */
const FALLBACK_ROW: Record<RunSettings['init'], Partial<Record<TaskName, PaperNumber>>> = {
  pretrained: TABLE2.pretrained,
  random: TABLE2.random,
  statistics: TABLE9.statistics,
};

export interface PaperReference {
  /** Test accuracy, %. */
  value: number;
  /** What the chart writes beside the line. */
  label: string;
  /** Where the number comes from, in words. */
  source: string;
  /** False when no table row has these settings and the line shows the task's Table 2 (or 9) number instead. */
  exact: boolean;
  /** The paper's approximate steps to convergence for this body on this task (Table 6), to say when a run is far from it. */
  paperSteps: number | null;
  /** MNIST here is not the paper's MNIST: said wherever the paper's MNIST number is drawn. */
  dataNote: string | null;
}

/** "GPT-2 small (12 layers × 768), converged": the model and convergence of a paper number, for labels. */
export function numberDetail(n: PaperNumber): string {
  return `${n.model}, ${n.converged ? 'converged' : 'reported before training diverged'}`;
}

/**
 * The paper's number for the chart: the chosen preset while the settings are still its configuration,
 * else the first table row that has exactly these settings (Table 2 before Tables 19 and 21), else
 * (as before presets existed) the task's Table 2 number for the backbone's init (FPT, Random or
 * statistics-only).
 */
export function paperReference(settings: RunSettings, presetId: string | null): PaperReference | null {
  const chosen = presetById(presetId);
  const row = chosen && presetMatches(chosen, settings) ? chosen : PAPER_PRESETS.find((p) => p.kind !== 'demo' && presetMatches(p, settings));
  const extras = {
    paperSteps: settings.init === 'statistics' ? null : (STEPS_TO_CONVERGE[settings.init][settings.task] ?? null),
    dataNote: settings.task === 'mnist' ? MNIST_DATA_NOTE : null,
  };
  if (row) return { value: row.paper, label: `paper: ${row.paper}%`, source: `${sourceText(row.source)}; ${numberDetail(row.number)}`, exact: true, ...extras };
  const n = FALLBACK_ROW[settings.init][settings.task];
  if (n === undefined) return null;
  return {
    value: n.value,
    label: `paper: ${n.value}%`,
    source: `${n.table}, ${n.row}, ${taskName(settings.task)}; ${numberDetail(n)} (the FPT groups; no table has your exact settings)`,
    exact: false,
    ...extras,
  };
}
