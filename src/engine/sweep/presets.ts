/**
 * The sweep grids and the paper's numbers beside them (FPT-SPEC.md, "Reference numbers").
 *
 * - `table2`: the backbones under the same adapters (paper Table 2): pretrained GPT-2 frozen (FPT
 *   default groups), random GPT-2 frozen, statistics-only frozen, the full transformer trained (all
 *   groups, from pretrained), and the LSTM baseline trained (all groups; width = the GPT-2 model's
 *   width, so 768 for gpt2 as in the paper, unless --lstm-width is given).
 * - `table19`: cumulative unfreezing (paper Table 19): output → +layernorm → +input → +positions, on
 *   pretrained GPT-2 and, with `inits` including random, on random GPT-2 too.
 * - `depth`: number of layers. Our choice: the first L blocks of the (pretrained, frozen) GPT-2 plus
 *   its ln_f, FPT default groups, for L in `layers` (default 1, 2, 4, … up to n_layer, and n_layer).
 *   The paper reports no per-depth table, so there is no paper column to fill.
 */
import type { BodySpec } from '../backbone';
import { ALL_GROUPS, FPT_DEFAULT_GROUPS, type GroupName } from '../groups';
import type { TaskName } from '../tasks/task';

export type PresetName = 'table2' | 'table19' | 'depth';
export const PRESET_NAMES: readonly PresetName[] = ['table2', 'table19', 'depth'];

export type PaperNumbers = Partial<Record<TaskName, number>>;

export interface SweepConfig {
  /** Short stable id, used in cell file names. */
  id: string;
  label: string;
  body: BodySpec;
  groups: GroupName[];
  /** Depth preset: keep only the first `layers` GPT-2 blocks. */
  layers?: number;
  /** The paper's test accuracy (%) per task, where it reports one. */
  paper: PaperNumbers;
}

const row = (bm: number, xor: number, listops: number, mnist: number, cifar: number): PaperNumbers => ({
  'bit-memory': bm,
  'bit-xor': xor,
  listops,
  mnist,
  cifar10: cifar,
});

export interface PresetOptions {
  /** GPT-2 width; the LSTM baseline's width unless lstmWidth is given. */
  modelWidth: number;
  modelLayers: number;
  lstmWidth?: number;
  /** table19: which GPT-2 bodies (default pretrained only). */
  inits?: ('pretrained' | 'random')[];
  /** depth: which layer counts. */
  layers?: number[];
}

export function defaultDepths(nLayer: number): number[] {
  const out: number[] = [];
  for (let l = 1; l < nLayer; l *= 2) out.push(l);
  out.push(nLayer);
  return out;
}

const TABLE19_PAPER: Record<'pretrained' | 'random', PaperNumbers[]> = {
  pretrained: [row(76, 56, 15, 23, 25), row(94, 98, 36, 96, 54), row(100, 98, 36, 98, 60), row(100, 100, 38, 98, 68)],
  random: [
    { 'bit-xor': 50, listops: 17, mnist: 25, cifar10: 20 },
    { 'bit-xor': 100, listops: 35, mnist: 83, cifar10: 46 },
    { 'bit-xor': 100, listops: 36, mnist: 92, cifar10: 56 },
    { 'bit-xor': 100, listops: 37, mnist: 92, cifar10: 62 },
  ],
};

export function presetConfigs(preset: PresetName, opts: PresetOptions): SweepConfig[] {
  switch (preset) {
    case 'table2': {
      const width = opts.lstmWidth ?? opts.modelWidth;
      return [
        { id: 'pretrained', label: 'FPT (pretrained, frozen)', body: 'pretrained', groups: [...FPT_DEFAULT_GROUPS], paper: row(100, 100, 38.4, 98.0, 68.2) },
        { id: 'random', label: 'random frozen', body: 'random', groups: [...FPT_DEFAULT_GROUPS], paper: row(75.8, 100, 34.3, 91.7, 61.7) },
        { id: 'statistics', label: 'statistics-only frozen', body: 'statistics', groups: [...FPT_DEFAULT_GROUPS], paper: row(100, 100, 37.4, 97.2, 56.5) },
        { id: 'full', label: 'full transformer trained', body: 'pretrained', groups: [...ALL_GROUPS], paper: row(100, 100, 38, 99.1, 70.3) },
        { id: 'lstm', label: `LSTM trained (3 × ${width})`, body: { kind: 'lstm', width, layers: 3 }, groups: [...ALL_GROUPS], paper: row(60.9, 50.1, 17.1, 99.5, 73.6) },
      ];
    }
    case 'table19': {
      const steps: { id: string; label: string; groups: GroupName[] }[] = [
        { id: 'output', label: 'output only', groups: ['output'] },
        { id: 'ln', label: '+ layernorm', groups: ['output', 'layernorm'] },
        { id: 'input', label: '+ input', groups: ['input', 'output', 'layernorm'] },
        { id: 'positions', label: '+ positions', groups: ['input', 'output', 'positions', 'layernorm'] },
      ];
      return (opts.inits ?? ['pretrained']).flatMap((init) =>
        steps.map((s, i) => ({ id: `${init}-${s.id}`, label: `${init}: ${s.label}`, body: init, groups: s.groups, paper: TABLE19_PAPER[init][i] })),
      );
    }
    case 'depth':
      return (opts.layers ?? defaultDepths(opts.modelLayers)).map((l) => {
        if (!Number.isInteger(l) || l < 1 || l > opts.modelLayers) throw new Error(`depth: layers must be in 1..${opts.modelLayers} (got ${l})`);
        return { id: `layers${l}`, label: `pretrained frozen, first ${l} of ${opts.modelLayers} layers`, body: 'pretrained' as const, groups: [...FPT_DEFAULT_GROUPS], layers: l, paper: {} };
      });
  }
}
