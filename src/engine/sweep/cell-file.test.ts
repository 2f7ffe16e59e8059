import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FptError } from '../errors';
import { cellIdOf, cellResultSchema, decodeCellFile, encodeCellFile, type CellResult } from './cell-file';

const WHERE = '/sweeps/x/cells/bit-xor__pretrained-output__seed1__3steps.json';
const ID = 'bit-xor__pretrained-output__seed1__3steps';

/** A cell as trainCell writes it (3 steps, evaluations at 2 and 3), with a diverged NaN loss at step 2. */
function validCell(): CellResult {
  const curve = [
    { step: 2, train_loss: NaN, test_acc: 0.5, test_loss: 0.6931471805599453 },
    { step: 3, train_loss: 0.6427, test_acc: 0.55, test_loss: 0.6803921568627451 },
  ];
  return {
    id: ID,
    task: 'bit-xor',
    config: 'pretrained-output',
    label: 'pretrained: output only',
    body: 'pretrained',
    groups: ['output'],
    seed: 1,
    settings: { preset: 'table19', model: 'tiny', backend: 'cpu', steps: 3, batchSize: 2, lr: 1e-3, dropout: 0.1, evalEvery: 2, evalBatches: 1 },
    final: { ...curve[1] },
    curve,
    trainable_params: 130,
    total_params: 100994,
    seconds: 0.123456789,
    finished_at: '2026-11-29T17:00:00.000Z',
  };
}

async function load(text: string, expectedId = ID): Promise<{ cell: CellResult } | { error: unknown }> {
  try {
    return { cell: await decodeCellFile(text, WHERE, expectedId) };
  } catch (error) {
    return { error };
  }
}

/** The property every load must have: exactly the written data, or the project's error naming the file. */
function expectSameOrNamedError(result: { cell: CellResult } | { error: unknown }, original: CellResult) {
  if ('cell' in result) expect(result.cell).toEqual(original);
  else {
    expect(result.error).toBeInstanceOf(FptError);
    expect((result.error as Error).message.startsWith(WHERE)).toBe(true);
  }
}

describe('sweep cell file', () => {
  it('round-trips exactly, NaN losses included, and its id is its own task, configuration, seed and steps', async () => {
    const cell = validCell();
    expect(cellIdOf(cell.task, cell.config, cell.seed, cell.settings.steps)).toBe(ID);
    const text = await encodeCellFile(cell, WHERE);
    expect(text).toMatch(/^\{"format":"fpt-sweep-cell","version":1,"sha256":"[0-9a-f]{64}","cell":\{"id":"bit-xor__pretrained-output__seed1__3steps"/);
    expect(text).toContain('"train_loss":null');
    const back = await decodeCellFile(text, WHERE, ID);
    expect(back).toEqual(cell);
    expect(Number.isNaN(back.curve[0].train_loss)).toBe(true);
  });

  it('refuses, naming the file: truncation, another cell under this name, an edit, another format', async () => {
    const text = await encodeCellFile(validCell(), WHERE);
    await expect(decodeCellFile(text.slice(0, 200), WHERE, ID)).rejects.toThrow(
      new RegExp(`^${WHERE}: not a complete JSON file, so it is truncated or damaged`),
    );
    await expect(decodeCellFile(text, WHERE, 'bit-xor__pretrained-output__seed0__3steps')).rejects.toThrow(
      `${WHERE}: holds cell ${ID}, not bit-xor__pretrained-output__seed0__3steps (copied or renamed?)`,
    );
    await expect(decodeCellFile(text.replaceAll('"test_acc":0.55', '"test_acc":0.95'), WHERE, ID)).rejects.toThrow(/the cell does not match its sha256/);
    await expect(decodeCellFile('{"id":"x"}', WHERE, ID)).rejects.toThrow(/not a sweep cell file \(format "fpt-sweep-cell", version 1\): format: /);
    await expect(decodeCellFile('', WHERE, ID)).rejects.toBeInstanceOf(FptError);
  });

  it('a cell written before version 1 (bare, no sha256) still loads; one with -1 steps or under another name is refused', async () => {
    const cell = validCell();
    expect(await decodeCellFile(JSON.stringify(cell) + '\n', WHERE, ID)).toEqual(cell);
    await expect(decodeCellFile(JSON.stringify(cell), WHERE, 'bit-xor__pretrained-output__seed0__3steps')).rejects.toThrow(
      /holds cell bit-xor__pretrained-output__seed1__3steps/,
    );
    const broken = { ...cell, id: 'bit-xor__pretrained-output__seed1__-1steps', settings: { ...cell.settings, steps: -1 } };
    await expect(decodeCellFile(JSON.stringify(broken), WHERE, broken.id)).rejects.toThrow(new RegExp(`^${WHERE}: invalid sweep cell: settings\\.steps: `));
  });

  it('the writer refuses what the reader would refuse: no evaluation batches (accuracy 0/0), a wrong id, a curve that stops early', async () => {
    const noEval = validCell();
    noEval.final.test_acc = NaN;
    noEval.curve[1].test_acc = NaN;
    await expect(encodeCellFile(noEval, WHERE)).rejects.toThrow(/refusing to write an invalid sweep cell \(final\.test_acc: .*curve\.1\.test_acc/);
    await expect(encodeCellFile({ ...validCell(), seed: 2 }, WHERE)).rejects.toThrow(/id: is not bit-xor__pretrained-output__seed2__3steps/);
    const early = validCell();
    early.curve = early.curve.slice(0, 1);
    early.final = { ...early.curve[0] };
    await expect(encodeCellFile(early, WHERE)).rejects.toThrow(/the last evaluation is at step 2, not at the sweep's 3 steps/);
  });
});

/** Every path to a value in a JSON tree: ['cell', 'curve', 1, 'test_acc'], ... */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

type Edit = { kind: 'set'; value: unknown } | { kind: 'delete' } | { kind: 'add'; key: string; value: unknown };

function applyEdit(tree: unknown, path: (string | number)[], edit: Edit): unknown {
  const root = structuredClone(tree);
  if (path.length === 0) return edit.kind === 'set' ? edit.value : root;
  let parent = root as Record<string | number, unknown>;
  for (const p of path.slice(0, -1)) parent = parent[p] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (edit.kind === 'set') parent[last] = edit.value;
  else if (edit.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else {
    const target = parent[last];
    if (target && typeof target === 'object' && !Array.isArray(target)) (target as Record<string, unknown>)[edit.key] = edit.value;
    else parent[last] = { [edit.key]: edit.value };
  }
  return root;
}

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({
    kind: fc.constant('set' as const),
    value: fc.oneof(fc.jsonValue(), fc.constantFrom(-1, 0, 1, 1.5, 1e300, -0, 2 ** 32, '', 'NaN', null, [], {})),
  }),
  fc.constant({ kind: 'delete' as const }),
  fc.record({
    kind: fc.constant('add' as const),
    key: fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'id', 'step')),
    value: fc.jsonValue(),
  }),
);

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

describe('sweep cell file fuzz (fast-check)', () => {
  it('1,200 byte-level mutations: each loads exactly the same cell or fails with FptError naming the file', async () => {
    const original = validCell();
    const text = await encodeCellFile(original, WHERE);
    const mutation = fc.oneof(
      fc.nat({ max: text.length - 1 }).map((i) => text.slice(0, i)), // truncated
      fc.tuple(fc.nat({ max: text.length - 1 }), fc.integer({ min: 1, max: 40 })).map(([i, n]) => text.slice(0, i) + text.slice(i + n)), // bytes lost
      fc.tuple(fc.nat({ max: text.length }), fc.string({ minLength: 1, maxLength: 8, unit: 'binary' })).map(([i, s]) => text.slice(0, i) + s + text.slice(i)), // inserted
      fc
        .tuple(fc.nat({ max: text.length - 1 }), fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }))
        .map(([i, c]) => text.slice(0, i) + c + text.slice(i + 1)), // replaced
      fc
        .tuple(fc.nat({ max: text.length - 1 }), fc.nat({ max: text.length - 1 }))
        .map(([i, j]) => text.slice(0, Math.min(i, j)) + text.slice(Math.min(i, j), Math.max(i, j) + 1).repeat(2) + text.slice(Math.max(i, j) + 1)), // duplicated
      fc.tuple(fc.nat({ max: text.length - 1 }), fc.constantFrom(' ', '\n', '\t')).map(([i, ws]) => text.slice(0, i) + ws + text.slice(i)), // whitespace (often harmless)
    );
    let loaded = 0;
    await fc.assert(
      fc.asyncProperty(mutation, async (mutated) => {
        const result = await load(mutated);
        if ('cell' in result) loaded++;
        expectSameOrNamedError(result, original);
      }),
      { numRuns: 1200, seed: 11 },
    );
    expect(loaded).toBeGreaterThan(0); // harmless whitespace loads; the property was exercised both ways
  });

  it('1,200 structural mutations (any value set, deleted or added anywhere): the same cell or FptError naming the file', async () => {
    const original = validCell();
    const file = JSON.parse(await encodeCellFile(original, WHERE));
    const all = paths(file);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...all), editArb, async (path, edit) => {
        expectSameOrNamedError(await load(JSON.stringify(applyEdit(file, path, edit))), original);
      }),
      { numRuns: 1200, seed: 12 },
    );
  });

  it('1,200 structural mutations re-signed with a correct sha256: a cell the schema accepts (and that re-encodes to itself), or FptError naming the file', async () => {
    const file = JSON.parse(await encodeCellFile(validCell(), WHERE));
    const cellPaths = paths(file.cell).filter((p) => p.length > 0);
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...cellPaths), editArb, async (path, edit) => {
        const cell = applyEdit(file.cell, path, edit);
        const text = JSON.stringify({ ...file, sha256: await sha256Hex(JSON.stringify(cell) ?? ''), cell });
        const result = await load(text);
        if ('error' in result) {
          expect(result.error).toBeInstanceOf(FptError);
          expect((result.error as Error).message.startsWith(WHERE)).toBe(true);
          return;
        }
        accepted++;
        expect(result.cell.id).toBe(ID); // identity is pinned by the file name
        expect(cellResultSchema.safeParse(JSON.parse(JSON.stringify(result.cell))).success).toBe(true);
        expect(await decodeCellFile(await encodeCellFile(result.cell, WHERE), WHERE, ID)).toEqual(result.cell);
      }),
      { numRuns: 1200, seed: 13 },
    );
    expect(accepted).toBeGreaterThan(0); // e.g. another label or runtime: valid data, loaded as such
  });
});
