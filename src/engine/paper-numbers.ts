/**
 * The paper's test accuracies (%), GPT-2 small, in one place: the sweep presets, the page's paper
 * experiments and the chart's reference line all read them from here. Source: docs/fpt-spec.md
 * ("The paper's numbers"), from the paper's Tables 1, 2, 9, 13, 19 and 21.
 */
import type { GroupName } from './groups';
import type { TaskName } from './tasks/task';

export type PaperNumbers = Partial<Record<TaskName, number>>;

/** Table 2: the backbones under the same adapters. */
export const TABLE2 = {
  /** "FPT": pretrained GPT-2, frozen, FPT groups. */
  pretrained: { 'bit-memory': 100, 'bit-xor': 100, listops: 38.4, mnist: 98.0, cifar10: 68.2, 'cifar10-lra': 38.6 },
  /** "Random": randomly initialised GPT-2, frozen, FPT groups. */
  random: { 'bit-memory': 75.8, 'bit-xor': 100, listops: 34.3, mnist: 91.7, cifar10: 61.7, 'cifar10-lra': 36.1 },
  statistics: { 'bit-memory': 100, 'bit-xor': 100, listops: 37.4, mnist: 97.2, cifar10: 56.5 },
  /** The full transformer trained, from pretrained. */
  full: { 'bit-memory': 100, 'bit-xor': 100, listops: 38, mnist: 99.1, cifar10: 70.3 },
  lstm: { 'bit-memory': 60.9, 'bit-xor': 50.1, listops: 17.1, mnist: 99.5, cifar10: 73.6 },
} satisfies Record<string, PaperNumbers>;

/** The columns of Tables 19 and 21: each adds one group to those before it. */
export const UNFREEZING_STEPS: readonly { id: string; label: string; groups: GroupName[] }[] = [
  { id: 'output', label: 'output only', groups: ['output'] },
  { id: 'layernorm', label: '+ layernorm', groups: ['output', 'layernorm'] },
  { id: 'input', label: '+ input', groups: ['input', 'output', 'layernorm'] },
  { id: 'positions', label: '+ positions', groups: ['input', 'output', 'positions', 'layernorm'] },
];

type Unfreezing = Record<TaskName, [number, number, number, number]>;

/** Cumulative unfreezing, one row per task, columns as UNFREEZING_STEPS: Table 19 on pretrained GPT-2, Table 21 on random GPT-2. */
export const CUMULATIVE_UNFREEZING: Record<'pretrained' | 'random', Unfreezing> = {
  pretrained: {
    'bit-memory': [76, 94, 100, 100],
    'bit-xor': [56, 98, 98, 100],
    listops: [15, 36, 36, 38],
    mnist: [23, 96, 98, 98],
    cifar10: [25, 54, 60, 68],
    'cifar10-lra': [17, 39, 39, 39],
  },
  random: {
    'bit-memory': [75, 75, 75, 76],
    'bit-xor': [50, 100, 100, 100],
    listops: [17, 35, 36, 37],
    mnist: [25, 83, 92, 92],
    cifar10: [20, 46, 56, 62],
    'cifar10-lra': [11, 34, 36, 36],
  },
};

/** One column of CUMULATIVE_UNFREEZING as numbers per task. */
export function unfreezingColumn(init: 'pretrained' | 'random', step: number): PaperNumbers {
  return Object.fromEntries(Object.entries(CUMULATIVE_UNFREEZING[init]).map(([task, row]) => [task, row[step]]));
}
