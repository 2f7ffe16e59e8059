/**
 * The sweep grids and the paper's numbers beside them (docs/fpt-spec.md, "The paper's numbers").
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
import { TABLE2, UNFREEZING_STEPS, unfreezingColumn, type PaperNumbers } from '../paper-numbers';

export type PresetName = 'table2' | 'table19' | 'depth';
export const PRESET_NAMES: readonly PresetName[] = ['table2', 'table19', 'depth'];

export type { PaperNumbers };

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

export function presetConfigs(preset: PresetName, opts: PresetOptions): SweepConfig[] {
  switch (preset) {
    case 'table2': {
      const width = opts.lstmWidth ?? opts.modelWidth;
      return [
        { id: 'pretrained', label: 'FPT (pretrained, frozen)', body: 'pretrained', groups: [...FPT_DEFAULT_GROUPS], paper: TABLE2.pretrained },
        { id: 'random', label: 'random frozen', body: 'random', groups: [...FPT_DEFAULT_GROUPS], paper: TABLE2.random },
        { id: 'statistics', label: 'statistics-only frozen', body: 'statistics', groups: [...FPT_DEFAULT_GROUPS], paper: TABLE2.statistics },
        { id: 'full', label: 'full transformer trained', body: 'pretrained', groups: [...ALL_GROUPS], paper: TABLE2.full },
        { id: 'lstm', label: `LSTM trained (3 × ${width})`, body: { kind: 'lstm', width, layers: 3 }, groups: [...ALL_GROUPS], paper: TABLE2.lstm },
      ];
    }
    case 'table19': {
      return (opts.inits ?? ['pretrained']).flatMap((init) =>
        UNFREEZING_STEPS.map((s, i) => ({ id: `${init}-${s.id}`, label: `${init}: ${s.label}`, body: init, groups: [...s.groups], paper: unfreezingColumn(init, i) })),
      );
    }
    case 'depth':
      return (opts.layers ?? defaultDepths(opts.modelLayers)).map((l) => {
        if (!Number.isInteger(l) || l < 1 || l > opts.modelLayers) throw new Error(`depth: layers must be in 1..${opts.modelLayers} (got ${l})`);
        return { id: `layers${l}`, label: `pretrained frozen, first ${l} of ${opts.modelLayers} layers`, body: 'pretrained' as const, groups: [...FPT_DEFAULT_GROUPS], layers: l, paper: {} };
      });
  }
}
