import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileCellStore, sweepToDir } from '../../cli/sweep-files';
import { createTask } from '../tasks';
import { loadTinyCheckpoint, useBackend } from '../test-support';
import { droppedDepths, layersFor, presetConfigs } from './presets';
import { planCells, shardCells, trainCell, truncateGpt2, type CellResult, type SweepCell, type SweepSettings } from './run';
import { TINY_SWEEP } from './test-support';
import { FptError } from '../errors';

let root = '';
beforeAll(async () => {
  await useBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'fpt-sweep-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const SETTINGS: SweepSettings = { ...TINY_SWEEP, steps: 3, heldOutSample: 40 };

describe('presets', () => {
  it("table2 has the frozen bodies, from scratch, pretrained-everything and LSTM with their own tables' numbers; table19 the four unfreezing steps", () => {
    const t2 = presetConfigs('table2', { modelWidth: 768, modelLayers: 12 });
    expect(t2.map((c) => c.id)).toEqual(['pretrained', 'random', 'statistics', 'scratch', 'pretrained-all', 'lstm']);
    expect(t2.map((c) => c.paper.cifar10!.value)).toEqual([68.2, 61.7, 56.5, 70.3, 32.9, 73.6]);
    expect(t2.map((c) => c.paper.cifar10!.table)).toEqual(['Table 2', 'Table 2', 'Table 9', 'Table 1', 'Table 13', 'Table 1']);
    expect(t2.map((c) => c.paper['cifar10-lra']!.value)).toEqual([38.6, 36.1, 33.1, 42, 21.0, 11.7]);
    expect(t2[4].paper.mnist).toMatchObject({ value: 93.1, row: '+ Both', converged: false });
    expect(t2[5].body).toEqual({ kind: 'lstm', width: 768, layers: 3 });
    // From scratch: random, every group, the paper's depth per task (App. D.1).
    expect([t2[3].body, t2[3].groups.length]).toEqual(['random', 6]);
    expect(['bit-memory', 'bit-xor', 'listops', 'mnist', 'cifar10', 'cifar10-lra'].map((t) => layersFor(t2[3], t as never))).toEqual([12, 12, 3, 3, 3, 3]);
    // Pretrained, everything trained: the model's own depth.
    expect([t2[4].body, t2[4].groups.length, layersFor(t2[4], 'cifar10')]).toEqual(['pretrained', 6, undefined]);
    const t19 = presetConfigs('table19', { modelWidth: 64, modelLayers: 2, inits: ['pretrained', 'random'] });
    expect(t19.map((c) => c.groups.length)).toEqual([1, 2, 3, 4, 1, 2, 3, 4]);
    expect(t19.map((c) => c.paper['bit-xor']!.value)).toEqual([56, 98, 98, 100, 50, 100, 100, 100]);
    expect(t19[4].paper['bit-memory']).toMatchObject({ value: 75, table: 'Table 21' });
  });

  it("depth is §3.10: Tables 11 and 12 on ListOps, output (+ layer norms) only, at the paper's depths", () => {
    const d = presetConfigs('depth', { modelWidth: 768, modelLayers: 12 });
    expect(d.map((c) => [c.id, c.groups.join('+'), c.paper.listops?.value ?? null])).toEqual([
      ['t11-pretrained-layers1', 'output+layernorm', 17],
      ['t11-pretrained-layers2', 'output+layernorm', 36],
      ['t11-pretrained-layers6', 'output+layernorm', 38],
      ['t11-random-layers1', 'output+layernorm', 17],
      ['t11-random-layers2', 'output+layernorm', 16],
      ['t11-random-layers6', 'output+layernorm', 35],
      ['t12-pretrained-layers1', 'output', 12],
      ['t12-pretrained-layers3', 'output', 18],
      ['t12-pretrained-layers6', 'output', 33],
      ['t12-pretrained-layers12', 'output', 33],
      ['t12-random-layers12', 'output', 17],
      ['t12-random-layers24', 'output', 17],
    ]);
    // Input and positions are never trained; the tiny model (2 layers) drops the deeper pretrained depths.
    expect(d.every((c) => !c.groups.includes('input') && !c.groups.includes('positions'))).toBe(true);
    const tiny = presetConfigs('depth', { modelWidth: 64, modelLayers: 2 });
    expect(tiny.filter((c) => c.body === 'pretrained').map((c) => c.layers)).toEqual([1, 2, 1]);
    expect(droppedDepths({ modelWidth: 64, modelLayers: 2 })).toEqual([6, 3, 12]);
    expect(presetConfigs('depth', { modelWidth: 64, modelLayers: 2, layers: [1, 3] }).map((c) => c.id)).toEqual([
      't11-pretrained-layers1',
      't11-random-layers1',
      't11-random-layers3',
      't12-pretrained-layers1',
      't12-random-layers1',
      't12-random-layers3',
    ]);
    expect(() => presetConfigs('depth', { modelWidth: 64, modelLayers: 2, layers: [0] })).toThrow(/≥ 1/);
  });

  it('depth keeps the first L blocks and ln_f', async () => {
    const { config, tensors } = await loadTinyCheckpoint();
    const cut = truncateGpt2(config, 1, tensors);
    expect(cut.config.nLayer).toBe(1);
    const names = [...cut.tensors!.keys()];
    expect(names.some((n) => n.startsWith('h.1.'))).toBe(false);
    expect(names).toContain('h.0.attn.c_attn.weight');
    expect(names).toContain('ln_f.weight');
  });
});

describe('sweep runner (tiny backbone, Bit XOR, 2 configurations, 2 seeds)', () => {
  it('writes cells, results.json and results.md; a rerun runs nothing; an interrupted sweep resumes with the missing cells only', async () => {
    const { config, tensors } = await loadTinyCheckpoint();
    const task = await createTask('bit-xor');
    const configs = presetConfigs('table19', { modelWidth: 64, modelLayers: 2 }).slice(0, 2); // output only, + layernorm
    const cells = planCells(['bit-xor'], configs, [0, 1], SETTINGS.steps);
    expect(cells.map((c) => c.id)).toEqual([
      'bit-xor__pretrained-output__seed0__3steps',
      'bit-xor__pretrained-output__seed1__3steps',
      'bit-xor__pretrained-layernorm__seed0__3steps',
      'bit-xor__pretrained-layernorm__seed1__3steps',
    ]);
    const ran: string[] = [];
    const runCell = async (cell: SweepCell): Promise<CellResult> => {
      ran.push(cell.id);
      return trainCell(cell, { task, config, pretrained: tensors, settings: SETTINGS });
    };
    const logs: string[] = [];
    const dir = join(root, 'a');
    const first = await sweepToDir({ outDir: dir, cells, configs, tasks: ['bit-xor'], settings: SETTINGS, runCell, log: (m) => logs.push(m) });
    expect(ran).toEqual(cells.map((c) => c.id));
    expect(first.skipped).toEqual([]);
    expect((await readdir(join(dir, 'cells'))).sort()).toEqual(cells.map((c) => `${c.id}.json`).sort());

    const json = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8'));
    expect(json.settings).toEqual(SETTINGS);
    expect(json.cells).toHaveLength(4);
    expect(json.cells[0].curve.map((p: { step: number }) => p.step)).toEqual([2, 3]);
    expect(json.cells[0].groups).toEqual(['output']);
    expect(json.cells[2].groups).toEqual(['output', 'layernorm']);
    expect(json.cells[0].trainable_params).toBe(64 * 2 + 2);
    // The paper's evaluation after the last step: a fixed sample of generated examples (2,000 unless told; 40 here).
    expect(json.cells[0].held_out).toMatchObject({ examples: 40, step: 3, set: 'fixed sample' });
    expect(json.summary[0].heldOut.examples).toBe(40);
    expect(json.summary[0].paperSource).toBe('Table 19, Bit XOR, output only (GPT-2 small (12 layers × 768))');
    expect(json.summary.map((r: { config: string; seeds: number; steps: number; paper: number }) => [r.config, r.seeds, r.steps, r.paper])).toEqual([
      ['pretrained-output', 2, 3, 56],
      ['pretrained-layernorm', 2, 3, 98],
    ]);
    const acc = json.cells.slice(0, 2).map((c: CellResult) => 100 * c.final.test_acc);
    expect(json.summary[0].mean).toBeCloseTo((acc[0] + acc[1]) / 2, 9);
    for (const c of json.cells as CellResult[]) {
      expect(c.final.test_acc).toBeGreaterThanOrEqual(0);
      expect(c.final.test_acc).toBeLessThanOrEqual(1);
    }

    const md = await readFile(join(dir, 'results.md'), 'utf8');
    expect(md).toContain('| task | configuration | last eval (%) | held-out (%) | paper (%) | seeds | steps | paper source |');
    const mdRow = md.split('\n').find((l) => l.startsWith('| bit-xor | pretrained: output only |'))!;
    expect(mdRow).toMatch(/\(n=40\) \| 56 \| 2 \| 3 \| Table 19, Bit XOR, output only \(GPT-2 small/);
    expect(mdRow).toContain(`${json.summary[0].mean.toFixed(1)} ± ${json.summary[0].std.toFixed(1)}`);
    expect(md).toMatch(/\| bit-xor \| pretrained: \+ layernorm \| .* \| 98 \| 2 \| 3 \|/);
    expect(md).toContain("bit-xor: 3 steps here; the paper's FPT took about 500 steps to converge");

    // Rerun: nothing trains, every cell is read back, the log says so.
    ran.length = 0;
    logs.length = 0;
    const second = await sweepToDir({ outDir: dir, cells, configs, tasks: ['bit-xor'], settings: SETTINGS, runCell, log: (m) => logs.push(m) });
    expect(ran).toEqual([]);
    expect(second.skipped).toHaveLength(4);
    expect(logs[0]).toBe('skipping 4 finished cell(s) of 4; 0 to run');
    expect(second.rows).toEqual(first.rows);

    // Interrupted: a directory with one finished cell resumes with the three missing ones only.
    const resumed = join(root, 'b');
    const kept = (await fileCellStore(dir).read(cells[2].id))!;
    await fileCellStore(resumed).write(kept);
    ran.length = 0;
    const third = await sweepToDir({ outDir: resumed, cells, configs, tasks: ['bit-xor'], settings: SETTINGS, runCell });
    expect(ran).toEqual([cells[0].id, cells[1].id, cells[3].id]);
    expect(third.skipped).toEqual([cells[2].id]);
    expect(third.results.map((r) => r.id)).toEqual(cells.map((c) => c.id));
    expect((await fileCellStore(resumed).read(cells[2].id))!.finished_at).toBe(kept.finished_at);
    // Seeded: the rerun cells reproduce the first sweep's numbers exactly.
    expect(third.results[0].final).toEqual(first.results[0].final);

    // Cells made with other settings are not mixed in.
    await expect(sweepToDir({ outDir: dir, cells, configs, tasks: ['bit-xor'], settings: { ...SETTINGS, lr: 3e-3 }, runCell })).rejects.toThrow(
      /other settings \(lr: 0\.001 vs 0\.003\)/,
    );
  });
});

describe('the sweep store trusts no cell file (issue 11, item 8)', () => {
  it('a cell copied under another name, a truncated cell, a cell whose configuration changed: each refused by file name, nothing averaged', async () => {
    const { config, tensors } = await loadTinyCheckpoint();
    const task = await createTask('bit-xor');
    const configs = presetConfigs('table19', { modelWidth: 64, modelLayers: 2 }).slice(0, 1);
    const cells = planCells(['bit-xor'], configs, [0, 1], SETTINGS.steps);
    let ran = 0;
    const runCell = async (cell: SweepCell) => {
      ran++;
      return trainCell(cell, { task, config, pretrained: tensors, settings: SETTINGS });
    };
    const dir = join(root, 'trust');
    const first = await sweepToDir({ outDir: dir, cells, configs, tasks: ['bit-xor'], settings: SETTINGS, runCell });
    expect(first.results[0].final).not.toEqual(first.results[1].final); // two seeds, two different numbers
    const path = (i: number) => join(dir, 'cells', `${cells[i].id}.json`);
    const good = await readFile(path(1), 'utf8');

    // Seed 0's file copied over seed 1's: before, read back as seed 1 and averaged into the row.
    await copyFile(path(0), path(1));
    ran = 0;
    const copied = sweepToDir({ outDir: dir, cells, configs, tasks: ['bit-xor'], settings: SETTINGS, runCell });
    await expect(copied).rejects.toThrow(`${path(1)}: holds cell ${cells[0].id}, not ${cells[1].id} (copied or renamed?)`);
    await expect(copied).rejects.toBeInstanceOf(FptError);
    expect(ran).toBe(0);

    // Truncated: before, a bare SyntaxError naming no file.
    await writeFile(path(1), good.slice(0, good.length >> 1));
    await expect(sweepToDir({ outDir: dir, cells, configs, tasks: ['bit-xor'], settings: SETTINGS, runCell })).rejects.toThrow(
      new RegExp(`^${path(1).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a complete JSON file, so it is truncated or damaged`),
    );

    // The configuration id now means another experiment (here: random body): the old cells are refused, both named.
    await writeFile(path(1), good);
    const changed = [{ ...configs[0], body: 'random' as const }];
    const plan2 = planCells(['bit-xor'], changed, [0, 1], SETTINGS.steps);
    const err = await sweepToDir({ outDir: dir, cells: plan2, configs: changed, tasks: ['bit-xor'], settings: SETTINGS, runCell }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(FptError);
    expect((err as Error).message).toContain('2 stored cells cannot be used, nothing was run:');
    expect((err as Error).message).toContain(`${path(0)}: holds body "pretrained" where the configuration now says "random, paper random init"`);
    expect((err as Error).message).toContain(`${path(1)}: holds body "pretrained"`);

    // Restored: it reads back exactly, nothing reruns.
    const again = await sweepToDir({ outDir: dir, cells, configs, tasks: ['bit-xor'], settings: SETTINGS, runCell });
    expect(ran).toBe(0);
    expect(again.rows).toEqual(first.rows);
  });

  // The Trainer refuses the setting at the engine boundary (LIMITS.evalBatches), before the cell trains;
  // the cell file's own write-time check of such a cell is tested in cell-file.test.ts.
  it('no evaluation batches (accuracy 0/0, which wrote "mean": null): the cell is refused before anything is written', async () => {
    const { config, tensors } = await loadTinyCheckpoint();
    const task = await createTask('bit-xor');
    const configs = presetConfigs('table19', { modelWidth: 64, modelLayers: 2 }).slice(0, 1);
    const settings = { ...SETTINGS, evalBatches: 0 };
    const cells = planCells(['bit-xor'], configs, [0], settings.steps);
    const dir = join(root, 'no-eval');
    const run = sweepToDir({
      outDir: dir,
      cells,
      configs,
      tasks: ['bit-xor'],
      settings,
      runCell: (cell) => trainCell(cell, { task, config, pretrained: tensors, settings }),
    });
    await expect(run).rejects.toThrow('Trainer setting evalBatches: must be an integer in 1..1000, not 0');
    expect(existsSync(join(dir, 'results.json'))).toBe(false);
    expect(existsSync(join(dir, 'cells'))).toBe(false);
  });

  it('a cell file larger than any cell (33 MiB, sparse) is refused by its size, not read', async () => {
    const dir = join(root, 'huge');
    await mkdir(join(dir, 'cells'), { recursive: true });
    const id = 'bit-xor__pretrained-output__seed0__3steps';
    await writeFile(join(dir, 'cells', `${id}.json`), '');
    await truncate(join(dir, 'cells', `${id}.json`), 33 * 1024 * 1024);
    await expect(fileCellStore(dir).read(id)).rejects.toThrow(
      `${join(dir, 'cells', `${id}.json`)}: 34603008 bytes, more than any sweep cell file (33554432); not a cell, not read`,
    );
  });

  it('shards deal the plan round-robin: disjoint, complete, deterministic', () => {
    const configs = presetConfigs('table19', { modelWidth: 64, modelLayers: 2, inits: ['pretrained', 'random'] });
    const plan = planCells(['bit-xor', 'listops'], configs, [0, 1, 2], 10);
    const shards = [0, 1, 2, 3, 4, 5, 6].map((index) => shardCells(plan, { index, count: 7 }));
    expect(
      shards
        .flat()
        .map((c) => c.id)
        .sort(),
    ).toEqual(plan.map((c) => c.id).sort());
    expect(shards.map((s) => s.length)).toEqual([7, 7, 7, 7, 7, 7, 6]);
    expect(shards[3].map((c) => c.id)).toEqual(plan.filter((_, i) => i % 7 === 3).map((c) => c.id));
    expect(() => shardCells(plan, { index: 7, count: 7 })).toThrow(FptError);
  });
});
