/**
 * The sweep grids and the paper's numbers beside them (src/engine/paper-numbers.ts, each number
 * labelled with its table, row, column, model size and convergence).
 *
 * - `table2`: the backbones and baselines under the same adapters. Frozen bodies with the FPT groups:
 *   pretrained GPT-2 (Table 2 "FPT"), random GPT-2 (Table 2 "Random"), statistics-only (Table 9);
 *   on GPT-2 medium or large, CIFAR-10's frozen numbers are Table 8's for that size.
 *   Then two different "full" experiments, named apart:
 *   - "transformer from scratch": random init, every group trained, at the paper's depth for the
 *     task (App. D.1: 12 layers for the bit tasks, 3 for CIFAR-10; Table 1's ListOps and CIFAR-10
 *     LRA numbers are the LRA paper's 3-layer transformer, so 3; MNIST's depth is not given, 3 as
 *     for the other image task, our choice), against Table 1's "Full";
 *   - "pretrained, everything trained": pretrained GPT-2 with every group trained (depth fixed at
 *     the model's), against Table 13's "+ Both".
 *   And the LSTM baseline, every parameter trained (width = the GPT-2 model's width, 768 for gpt2 as
 *   in the paper, unless --lstm-width is given; trained at the LSTM learning rate, 3e-4 by default),
 *   against Table 1's "LSTM".
 * - `table19`: cumulative unfreezing (Table 19 on pretrained GPT-2, Table 21 on random):
 *   output → +layernorm → +input → +positions.
 * - `depth`: §3.10 on ListOps, Tables 11 and 12: the first L layers of GPT-2 (pretrained or random),
 *   input layer random and frozen, positions frozen; Table 11 trains the output layer and the layer
 *   norms, Table 12 the output layer only. Depths: the paper's (Table 11: 1, 2, 6; Table 12:
 *   pretrained 1, 3, 6, 12 and random 12, 24), or those given. A pretrained body cannot be deeper
 *   than the checkpoint, so such depths are dropped (and the preset says so); a random body can be
 *   drawn at any depth.
 */
import type { BodySpec } from '../backbone';
import { ALL_GROUPS, FPT_DEFAULT_GROUPS, type GroupName } from '../groups';
import { TABLE1, TABLE11, TABLE12, TABLE13, TABLE2, TABLE8, TABLE9, UNFREEZING_STEPS, unfreezingColumn, type DepthRow, type PaperRow } from '../paper-numbers';
import { taskDefinition, taskNames } from '../tasks/registry';
import type { TaskName } from '../tasks/task';

export type PresetName = 'table2' | 'table19' | 'depth';
export const PRESET_NAMES: readonly PresetName[] = ['table2', 'table19', 'depth'];

export type { PaperRow };

export interface SweepConfig {
  /** Short stable id, used in cell file names. */
  id: string;
  label: string;
  body: BodySpec;
  groups: GroupName[];
  /** Keep only the first `layers` GPT-2 blocks (a random body is drawn at that depth): one depth, or one per task. */
  layers?: number | Partial<Record<TaskName, number>>;
  /** The paper's number per task, where it reports one, with its table, row, column and model. */
  paper: PaperRow;
}

/** The depth a configuration uses for a task, or undefined for the model's own. */
export function layersFor(config: SweepConfig, task: TaskName): number | undefined {
  return typeof config.layers === 'number' || config.layers === undefined ? config.layers : config.layers[task];
}

export interface PresetOptions {
  /** GPT-2 width; the LSTM baseline's width unless lstmWidth is given. */
  modelWidth: number;
  modelLayers: number;
  lstmWidth?: number;
  /** table19: which GPT-2 bodies (default pretrained only). */
  inits?: ('pretrained' | 'random')[];
  /** depth: which layer counts (default the paper's). */
  layers?: number[];
}

/** App. D.1: the depth of Table 1's "Full" transformer per registered task that names one (its definition's fromScratchLayers). */
export function fromScratchLayers(): Partial<Record<TaskName, number>> {
  const out: Partial<Record<TaskName, number>> = {};
  for (const name of taskNames()) {
    const layers = taskDefinition(name).fromScratchLayers;
    if (layers !== undefined) out[name] = layers;
  }
  return out;
}

/** The paper trains LSTMs at 3e-4 (App. C); transformers at 1e-3. */
export const LSTM_LR = 3e-4;

function depthConfigs(table: 'Table 11' | 'Table 12', rows: readonly DepthRow[], opts: PresetOptions): SweepConfig[] {
  const groups: GroupName[] = table === 'Table 11' ? ['output', 'layernorm'] : ['output'];
  const tag = table === 'Table 11' ? 't11' : 't12';
  const what = table === 'Table 11' ? 'output + layer norms' : 'output only';
  const out: SweepConfig[] = [];
  for (const init of ['pretrained', 'random'] as const) {
    const depths = opts.layers ?? rows.filter((r) => r[init] !== undefined).map((r) => r.layers);
    for (const l of depths) {
      if (!Number.isInteger(l) || l < 1) throw new Error(`depth: layers must be whole numbers ≥ 1 (got ${l})`);
      if (init === 'pretrained' && l > opts.modelLayers) continue;
      const paper = rows.find((r) => r.layers === l)?.[init];
      out.push({
        id: `${tag}-${init}-layers${l}`,
        label: `${table}: ${init}, first ${l} layers, ${what}`,
        body: init,
        groups,
        layers: l,
        paper: paper ? { listops: paper } : {},
      });
    }
  }
  return out;
}

/**
 * Table 2's frozen rows for the model in use: on GPT-2 medium or large the CIFAR-10 number is Table
 * 8's for that size (the paper reports no other task at those sizes, so the rest stay GPT-2 small's,
 * and say so).
 */
function frozenRow(row: 'fpt' | 'random', opts: PresetOptions): PaperRow {
  const base = row === 'fpt' ? TABLE2.pretrained : TABLE2.random;
  const size = Object.values(TABLE8).find((s) => s.layers === opts.modelLayers && s.fpt.model.includes(`× ${opts.modelWidth})`));
  return size && opts.modelLayers !== 12 ? { ...base, cifar10: size[row] } : base;
}

/** Depths of the depth preset that a pretrained body of `modelLayers` layers cannot have (dropped). */
export function droppedDepths(opts: PresetOptions): number[] {
  const all = opts.layers ?? [...TABLE11, ...TABLE12].filter((r) => r.pretrained).map((r) => r.layers);
  return [...new Set(all.filter((l) => l > opts.modelLayers))];
}

export function presetConfigs(preset: PresetName, opts: PresetOptions): SweepConfig[] {
  switch (preset) {
    case 'table2': {
      const width = opts.lstmWidth ?? opts.modelWidth;
      return [
        { id: 'pretrained', label: 'FPT (pretrained, frozen)', body: 'pretrained', groups: [...FPT_DEFAULT_GROUPS], paper: frozenRow('fpt', opts) },
        { id: 'random', label: 'random frozen', body: 'random', groups: [...FPT_DEFAULT_GROUPS], paper: frozenRow('random', opts) },
        { id: 'statistics', label: 'statistics-only frozen', body: 'statistics', groups: [...FPT_DEFAULT_GROUPS], paper: TABLE9.statistics },
        {
          id: 'scratch',
          label: 'transformer from scratch (random init, every group, paper depth)',
          body: 'random',
          groups: [...ALL_GROUPS],
          layers: fromScratchLayers(),
          paper: TABLE1.full,
        },
        { id: 'pretrained-all', label: 'pretrained, everything trained', body: 'pretrained', groups: [...ALL_GROUPS], paper: TABLE13.both },
        { id: 'lstm', label: `LSTM trained (3 × ${width})`, body: { kind: 'lstm', width, layers: 3 }, groups: [...ALL_GROUPS], paper: TABLE1.lstm },
      ];
    }
    case 'table19': {
      return (opts.inits ?? ['pretrained']).flatMap((init) =>
        UNFREEZING_STEPS.map((s, i) => ({
          id: `${init}-${s.id}`,
          label: `${init}: ${s.label}`,
          body: init,
          groups: [...s.groups],
          paper: unfreezingColumn(init, i),
        })),
      );
    }
    case 'depth':
      return [...depthConfigs('Table 11', TABLE11, opts), ...depthConfigs('Table 12', TABLE12, opts)];
  }
}
