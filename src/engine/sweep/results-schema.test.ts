import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepToDir } from '../../cli/sweep-files';
import { InvalidRecordError } from '../records';
import { presetConfigs } from './presets';
import { parseSweepResults, serializeSweepResults, sweepIndexSchema } from './results-schema';
import { planCells, type CellResult } from './run';
import { TINY_SWEEP } from './test-support';

let root = '';
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fpt-results-schema-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const configs = presetConfigs('table19', { modelWidth: 64, modelLayers: 2 }).slice(0, 1);

/** A finished cell as trainCell makes it, with `acc` as its accuracy (NaN: no held-out batch evaluated). */
function cellOf(id: string, seed: number, acc: number): CellResult {
  const point = { step: 2, train_loss: 0.69, test_acc: acc, test_loss: Number.isNaN(acc) ? NaN : 0.7 };
  return {
    id,
    task: 'bit-xor',
    config: configs[0].id,
    label: configs[0].label,
    body: 'GPT-2',
    groups: ['output'],
    seed,
    settings: TINY_SWEEP,
    final: point,
    curve: [point],
    trainable_params: 130,
    total_params: 100_000,
    seconds: 0.5,
    finished_at: '2026-11-29T17:00:00.000Z',
  };
}

async function writeSweep(dir: string, accuracies: number[]): Promise<string> {
  const cells = planCells(
    ['bit-xor'],
    configs,
    accuracies.map((_, i) => i),
    TINY_SWEEP.steps,
  );
  const out = join(root, dir);
  const files = await sweepToDir({
    outDir: out,
    cells,
    configs,
    tasks: ['bit-xor'],
    settings: TINY_SWEEP,
    runCell: async (c) => cellOf(c.id, c.seed, accuracies[c.seed]),
  });
  return readFile(files.jsonPath!, 'utf8');
}

describe('results.json schema (issue 11, item 5)', () => {
  it('reads what `fpt sweep` writes, values exact', async () => {
    const parsed = parseSweepResults(await writeSweep('ok', [0.5, 0.75]), 'sweeps/ok/results.json');
    expect(parsed.summary).toHaveLength(1);
    expect(parsed.summary[0].mean).toBe(62.5);
    expect(parsed.summary[0].accuracies).toEqual([50, 75]);
    expect(parsed.cells.map((c) => c.final.test_acc)).toEqual([0.5, 0.75]);
  });

  it('fpt sweep refuses to write a sweep whose accuracies were not measured (NaN)', async () => {
    await expect(writeSweep('nan', [NaN])).rejects.toThrow(/refusing to write an invalid sweep cell/);
  });

  it('reads a results.json written before that check (NaN written as null): its mean is null', () => {
    const legacy = { ...cellOf(planCells(['bit-xor'], configs, [0], TINY_SWEEP.steps)[0].id, 0, NaN) };
    const text = JSON.stringify({
      settings: TINY_SWEEP,
      summary: [
        {
          task: 'bit-xor',
          config: configs[0].id,
          label: configs[0].label,
          mean: NaN,
          std: NaN,
          seeds: 1,
          steps: TINY_SWEEP.steps,
          paper: null,
          accuracies: [NaN],
        },
      ],
      cells: [legacy],
    });
    expect(text).toContain('"mean":null');
    const parsed = parseSweepResults(text, 'sweeps/nan/results.json');
    expect(parsed.summary[0].mean).toBeNull();
    expect(parsed.cells[0].final.test_acc).toBeNull();
  });

  it('refuses a damaged file with InvalidRecordError naming the file and the fields', async () => {
    const text = await writeSweep('damaged', [0.5]);
    const truncated = () => parseSweepResults(text.slice(0, 200), 'sweeps/damaged/results.json');
    expect(truncated).toThrow(InvalidRecordError);
    expect(truncated).toThrow(/^sweeps\/damaged\/results\.json is not valid: not JSON \(/);
    const wrong = JSON.parse(text);
    wrong.summary[0].mean = 'high';
    delete wrong.cells[0].curve;
    expect(() => parseSweepResults(JSON.stringify(wrong), 'sweeps/damaged/results.json')).toThrow(
      'sweeps/damaged/results.json is not valid: summary[0].mean: Invalid input: expected number, received string; cells[0].curve: Invalid input: expected array, received undefined',
    );
    expect(() => parseSweepResults('null', 'x/results.json')).toThrow('x/results.json is not valid: the record: Invalid input: expected object, received null');
  });

  it('serializeSweepResults writes only what its reader accepts', async () => {
    const good = JSON.parse(await writeSweep('again', [0.25]));
    expect(parseSweepResults(serializeSweepResults(good), 'r')).toEqual(good);
    expect(() => serializeSweepResults({ ...good, settings: { ...good.settings, preset: 'table99' } }, 'sweeps/x/results.json')).toThrow(
      /^sweeps\/x\/results\.json is not valid: settings\.preset: /,
    );
  });

  it('the index lists names, urls and dates', () => {
    expect(sweepIndexSchema.safeParse([{ name: 'a', url: '/sweeps/a/results.json', modified: '2026-11-29T17:00:00.000Z' }]).success).toBe(true);
    expect(sweepIndexSchema.safeParse({ name: 'a' }).success).toBe(false);
  });
});
