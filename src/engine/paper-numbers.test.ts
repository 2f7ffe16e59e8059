import { describe, expect, it } from 'vitest';
import { GPT2_PRESETS } from '../weights/gpt2-checkpoint';
import {
  CUMULATIVE_UNFREEZING,
  gpt2ParameterTotal,
  isGpt2Size,
  GPT2_LARGE,
  GPT2_SMALL,
  paperSource,
  STEPS_TO_CONVERGE,
  TABLE1,
  TABLE10,
  TABLE11,
  TABLE12,
  TABLE13,
  TABLE2,
  TABLE3,
  TABLE8,
  TABLE9,
  type PaperRow,
} from './paper-numbers';
import type { TaskName } from './tasks/task';

/**
 * The rows below are PAPER.md's table lines verbatim (tab-separated, as the paper prints them),
 * parsed here independently of paper-numbers.ts: every number there must equal the paper's exactly.
 * The Homology column is dropped (this project has no Remote Homology task).
 */
const TASKS: TaskName[] = ['bit-memory', 'bit-xor', 'listops', 'mnist', 'cifar10', 'cifar10-lra'];

function parseRow(line: string): { name: string; values: number[]; daggers: boolean[] } {
  const [name, ...cells] = line.split('\t');
  const six = cells.slice(0, 6);
  return {
    name,
    values: six.map((c) =>
      Number(
        c
          .replace(/<sup>†<\/sup>/, '')
          .replace('%', '')
          .trim(),
      ),
    ),
    daggers: six.map((c) => c.includes('†')),
  };
}

function expectRow(row: PaperRow, line: string, table: string) {
  const { name, values, daggers } = parseRow(line);
  TASKS.forEach((task, i) => {
    const n = row[task]!;
    expect([task, n.value, n.table, n.row, n.converged]).toEqual([task, values[i], table, name, !daggers[i]]);
  });
}

describe('paper numbers: exactly PAPER.md', () => {
  it('Table 1 (FPT, Full, LSTM), with the model each was measured on', () => {
    expectRow(TABLE1.fpt, 'FPT	100%	100%	38.4%	98.0%	72.1%	38.6%	12.7%', 'Table 1');
    expectRow(TABLE1.full, 'Full	100%	100%	38%	99.1%	70.3%	42%	9%', 'Table 1');
    expectRow(TABLE1.lstm, 'LSTM	60.9%	50.1%	17.1%	99.5%	73.6%	11.7%	12%', 'Table 1');
    // 72.1 is GPT-2 large (§3.1: "the CIFAR-10 number for FPT here is for the 36-layer large model").
    expect(TABLE1.fpt.cifar10!.model).toBe(GPT2_LARGE);
    expect(TABLE1.fpt.mnist!.model).toBe(GPT2_SMALL);
    expect(TABLE1.full.cifar10!.model).toMatch(/from scratch, 3 layers/);
    expect(TABLE1.full.listops!.model).toMatch(/3 layers \(Tay et al\. 2020\)/);
    expect(TABLE1.full['bit-xor']!.model).toMatch(/12 layers/);
  });

  it('Table 2 (FPT 68.2 on CIFAR-10 is GPT-2 small), Table 9 (statistics only), Table 3 (frozen LSTMs)', () => {
    expectRow(TABLE2.pretrained, 'FPT	100%	100%	38.4%	98.0%	68.2%	38.6%	12.7%', 'Table 2');
    expectRow(TABLE2.random, 'Random	75.8%	100%	34.3%	91.7%	61.7%	36.1%	9.3%', 'Table 2');
    expect(TABLE2.pretrained.cifar10!.model).toBe(GPT2_SMALL);
    expectRow(TABLE9.pretrained, 'Pretrained	100%	100%	38.4%	98.0%	68.2%	38.6%	12.7%', 'Table 9');
    expectRow(TABLE9.statistics, 'Statistics Only	100%	100%	37.4%	97.2%	56.5%	33.1%	11.0%', 'Table 9');
    expectRow(TABLE9.default, 'Default	75.8%	100%	34.3%	91.7%	61.7%	36.1%	9.3%', 'Table 9');
    expectRow(TABLE3.transformer, 'Trans.	75.8%	100%	34.3%	91.7%	61.7%	36.1%	9.3%', 'Table 3');
    expectRow(TABLE3.lstm, 'LSTM	50.9%	50.0%	16.8%	70.9%	34.4%	10.4%	6.6%', 'Table 3');
    expectRow(TABLE3.lstmStar, 'LSTM*	75.0%	50.0%	16.7%	92.5%	43.5%	10.6%	8.6%', 'Table 3');
  });

  it('Table 13, with † (reported before divergence) as not converged', () => {
    expectRow(TABLE13.fpt, 'FPT	100%	100%	38.4%	98.0%	68.2%	38.6%	12.7%', 'Table 13');
    expectRow(TABLE13.feedforward, '+ Feedforward	100%	100%	36.0%	98.3%	76.6%	38.2%	13.1%', 'Table 13');
    expectRow(TABLE13.attention, '+ Attention	100%	100%	36.8%	89.0% <sup>†</sup>	47.7% <sup>†</sup>	23.0%	10.9%', 'Table 13');
    expectRow(TABLE13.both, '+ Both	100%	100%	35.8%	93.1% <sup>†</sup>	32.9%	21.0%	10.5%', 'Table 13');
    expect(paperSource(TABLE13.both.mnist!)).toBe(`Table 13, + Both, MNIST (${GPT2_SMALL}; reported before training diverged)`);
  });

  it('Table 10 (cached output only), Table 8 (model size on CIFAR-10), Table 6 (steps to converge)', () => {
    expect([TABLE10.outputOnly.listops!.value, TABLE10.outputOnly['cifar10-lra']!.value, TABLE10.outputOnly.mnist]).toEqual([32.8, 24.7, undefined]);
    expect(TABLE10.speedup).toBe('500 – 2000×');
    // "Small (Base) 12 … 68.2% 61.7%", "Medium 24 … 69.8% 64.0%", "Large 36 … 72.1% 65.7%"
    expect(Object.entries(TABLE8).map(([size, r]) => [size, r.layers, r.fpt.value, r.random.value])).toEqual([
      ['gpt2', 12, 68.2, 61.7],
      ['gpt2-medium', 24, 69.8, 64.0],
      ['gpt2-large', 36, 72.1, 65.7],
    ]);
    expect(TABLE8['gpt2-large'].fpt.value).toBe(TABLE1.fpt.cifar10!.value);
    // FPT: 1e4 5e2 2e3 5e3 4e5 3e5; Random: 4e4 2e4 6e3 2e4 4e5 6e5.
    expect(TASKS.map((t) => STEPS_TO_CONVERGE.pretrained[t])).toEqual([1e4, 5e2, 2e3, 5e3, 4e5, 3e5]);
    expect(TASKS.map((t) => STEPS_TO_CONVERGE.random[t])).toEqual([4e4, 2e4, 6e3, 2e4, 4e5, 6e5]);
  });

  it('Tables 11 and 12 (depth on ListOps), with the cells the paper leaves empty absent', () => {
    expect(TABLE11.map((r) => [r.layers, r.pretrained?.value, r.random?.value])).toEqual([
      [1, 17, 17],
      [2, 36, 16],
      [6, 38, 35],
    ]);
    expect(TABLE12.map((r) => [r.layers, r.pretrained?.value ?? '-', r.random?.value ?? '-'])).toEqual([
      [1, 12, '-'],
      [3, 18, '-'],
      [6, 33, '-'],
      [12, 33, 17],
      [24, '-', 17],
    ]);
    expect(TABLE12[3].random).toMatchObject({ table: 'Table 12', row: 'Random', column: '12 layers' });
  });

  it('Tables 19 and 21 (cumulative unfreezing)', () => {
    const lines19 = [
      'Bit Memory	76%	94%	100%	100%',
      'Bit XOR	56%	98%	98%	100%',
      'ListOps	15%	36%	36%	38%',
      'MNIST	23%	96%	98%	98%',
      'CIFAR-10	25%	54%	60%	68%',
      'CIFAR-10 LRA	17%	39%	39%	39%',
    ];
    const lines21 = [
      'Bit Memory	75%	75%	75%	76%',
      'Bit XOR	50%	100%	100%	100%',
      'ListOps	17%	35%	36%	37%',
      'MNIST	25%	83%	92%	92%',
      'CIFAR-10	20%	46%	56%	62%',
      'CIFAR-10 LRA	11%	34%	36%	36%',
    ];
    TASKS.forEach((t, i) => {
      expect(CUMULATIVE_UNFREEZING.pretrained[t]).toEqual(parseRow(lines19[i]).values.slice(0, 4));
      expect(CUMULATIVE_UNFREEZING.random[t]).toEqual(parseRow(lines21[i]).values.slice(0, 4));
    });
  });
});

describe("the trainable share's denominator (§2.2)", () => {
  it("is all of GPT-2: 124,439,808 for GPT-2 small, which makes the paper's 106K trained parameters 0.086%", () => {
    expect(gpt2ParameterTotal(GPT2_PRESETS.gpt2)).toBe(124_439_808);
    // §2.2's own counts for CIFAR-10: input 13056, output 7680, layer norms 4·768·12, positions 64·768.
    const trained = 13056 + 7680 + 4 * 768 * 12 + 64 * 768;
    expect(((100 * trained) / gpt2ParameterTotal(GPT2_PRESETS.gpt2)).toFixed(3)).toBe('0.086');
    expect([isGpt2Size(GPT2_PRESETS['gpt2-large']), isGpt2Size({ ...GPT2_PRESETS.gpt2, nLayer: 2, nEmbd: 64, nHead: 4 })]).toEqual([true, false]);
  });
});
