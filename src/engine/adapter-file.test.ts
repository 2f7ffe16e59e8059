import { beforeAll, describe, expect, it } from 'vitest';
import { openSafetensors, writeSafetensors } from '../weights/safetensors';
import {
  AdapterImportError,
  backboneSha256,
  exportAdapters,
  fileTensorName,
  importAdapters,
  paramNameOfFileTensor,
  trainableChecksum,
  type AdapterFileContext,
} from './adapter-file';
import type { SequenceModel } from './adapted-model';
import { createTask } from './tasks';
import { loadTinyCheckpoint, useBackend } from './test-support';
import { Trainer } from './train/trainer';

beforeAll(async () => {
  await useBackend('cpu');
});

const GROUPS = ['input', 'output', 'positions', 'layernorm'] as const;

async function tinyTrainer(seed = 0): Promise<Trainer> {
  const { config, tensors } = await loadTinyCheckpoint();
  const task = await createTask('bit-xor');
  return new Trainer(task, config, 'pretrained', { batchSize: 4, evalBatches: 1, groups: GROUPS, seed }, tensors);
}

function contextOf(trainer: Trainer, sha256 = 'a'.repeat(64)): AdapterFileContext {
  return {
    baseModel: { name: 'tiny-gpt2', sha256 },
    architecture: { layers: 2, width: 64, heads: 4 },
    task: trainer.task.name,
    init: 'pretrained',
    appVersion: '0.1.0',
    groups: GROUPS,
    settings: { task: trainer.task.name, seed: 0 },
  };
}

async function allValues(model: SequenceModel): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, v] of model.params) out.set(name, (await v.data()) as Float32Array);
  return out;
}

function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

describe('adapter export', () => {
  it('writes a safetensors file that the specification describes, byte by byte', async () => {
    const trainer = await tinyTrainer();
    await trainer.step();
    const bytes = await exportAdapters(trainer.model, contextOf(trainer));

    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const headerLength = Number(view.getBigUint64(0, true));
    expect(8 + headerLength).toBeLessThanOrEqual(bytes.byteLength);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<string, unknown>;
    const metadata = header.__metadata__ as Record<string, unknown>;
    for (const value of Object.values(metadata)) expect(typeof value).toBe('string');
    expect(metadata).toMatchObject({
      format: 'fpt-adapters',
      version: '2',
      app_version: '0.1.0',
      base_model: 'tiny-gpt2',
      init: 'pretrained',
      task: 'bit-xor',
      groups: 'input,output,positions,layernorm',
    });
    expect(JSON.parse(metadata.architecture as string)).toEqual({ layers: 2, width: 64, heads: 4 });
    expect(JSON.parse(metadata.settings as string)).toEqual({ task: 'bit-xor', seed: 0 });

    const entries = Object.entries(header).filter(([name]) => name !== '__metadata__') as [
      string,
      { dtype: string; shape: number[]; data_offsets: [number, number] },
    ][];
    expect(entries.map(([name]) => name).sort()).toEqual(trainer.model.trainableNames().map(fileTensorName).sort());
    expect(entries.map(([name]) => name)).toEqual(
      expect.arrayContaining(['input.weight', 'output.weight', 'output.bias', 'wpe.weight', 'h.0.ln_1.weight', 'ln_f.bias']),
    );
    expect(entries.some(([name]) => name.startsWith('in.') || name.startsWith('out.'))).toBe(false);
    const dataStart = 8 + headerLength;
    let expectedBegin = 0;
    for (const [
      name,
      {
        dtype,
        shape,
        data_offsets: [begin, end],
      },
    ] of [...entries].sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0])) {
      const variable = trainer.model.params.get(paramNameOfFileTensor(name))!;
      expect(dtype).toBe('F32');
      expect(shape).toEqual(variable.shape);
      expect(begin).toBe(expectedBegin);
      expect(end - begin).toBe(4 * shape.reduce((a, b) => a * b, 1));
      expectedBegin = end;
      const raw = bytes.slice(dataStart + begin, dataStart + end);
      expect(bits(new Float32Array(raw.buffer))).toEqual(bits((await variable.data()) as Float32Array));
    }
    expect(dataStart + expectedBegin).toBe(bytes.byteLength);
    trainer.dispose();
  });

  it('round-trips bit-exactly into a fresh model', async () => {
    const trained = await tinyTrainer();
    for (let i = 0; i < 2; i++) await trained.step();
    const bytes = await exportAdapters(trained.model, contextOf(trained));
    const fresh = await tinyTrainer();
    expect(await trainableChecksum(fresh.model)).not.toBe(await trainableChecksum(trained.model));
    const assigned = importAdapters(fresh.model, bytes, contextOf(fresh));
    expect(assigned.sort()).toEqual(trained.model.trainableNames().sort());
    const [a, b] = [await allValues(trained.model), await allValues(fresh.model)];
    for (const [name, values] of a) expect(bits(b.get(name)!), name).toEqual(bits(values));
    expect(await trainableChecksum(fresh.model)).toBe(await trainableChecksum(trained.model));
    trained.dispose();
    fresh.dispose();
  });
});

describe('version 1 adapter files', () => {
  it('are still read: their engine names (in.*, out.*) land on the same parameters', async () => {
    const trained = await tinyTrainer();
    await trained.step();
    const v2 = openSafetensors(await exportAdapters(trained.model, contextOf(trained)), 'v2');
    const v1 = writeSafetensors(
      v2.names().map((name) => ({ name: paramNameOfFileTensor(name), dtype: 'F32' as const, shape: v2.info(name).shape, data: v2.read(name) })),
      { ...v2.header.metadata, version: '1' },
    );
    const fresh = await tinyTrainer();
    importAdapters(fresh.model, v1, contextOf(fresh));
    expect(await trainableChecksum(fresh.model)).toBe(await trainableChecksum(trained.model));
    trained.dispose();
    fresh.dispose();
  });
});

describe('adapter import refuses, changing nothing', () => {
  const cases: [string, (good: Uint8Array) => Uint8Array, RegExp, Partial<AdapterFileContext>?][] = [
    ['not safetensors', () => new TextEncoder().encode('hello, this is not a tensor file at all'), /Not a readable safetensors file/],
    ['truncated', (good) => good.slice(0, good.byteLength - 100), /Not a readable safetensors file.*truncated/],
    ['a wrong shape', (good) => withOutBias(good, [1, 2, 3]), /Wrong shape for output\.bias: the file has \[3\], this model needs \[2\]/],
    [
      'missing tensors',
      () => writeSafetensors([{ name: 'output.bias', dtype: 'F32', shape: [2], data: [1, 2] }], goodMetadata()),
      /lacks tensors.*output\.weight/,
    ],
    ['no metadata', () => writeSafetensors([{ name: 'output.bias', dtype: 'F32', shape: [2], data: [1, 2] }]), /Not an FPT adapter file/],
    ['a different base model', (good) => good, /Different base model/, { baseModel: { name: 'gpt2', sha256: 'b'.repeat(64) } }],
    ['a different architecture', (good) => good, /Different architecture/, { architecture: { layers: 12, width: 768, heads: 12 } }],
    ['a different task', (good) => good, /Different task/, { task: 'listops' }],
    // Issue 11, item 9: values no run can train on, and one tensor under both of its names.
    ['a NaN value', (good) => withOutBias(good, [0.5, NaN]), /^output\.bias holds NaN at index 1: its values cannot be trained on\.$/],
    ['an infinite value', (good) => withOutBias(good, [-Infinity, 0]), /^output\.bias holds -Infinity at index 0/],
    ['a value of 3e38', (good) => withOutBias(good, [0, 3e38]), /^output\.bias holds 3\.00e\+38 at index 1, beyond ±1e\+6: its values cannot be trained on\.$/],
    [
      'both the old and the new name of one tensor',
      (good) => withExtra(good, 'out.bias', [2]),
      /^The file holds output\.bias twice, as (output\.bias and as out\.bias|out\.bias and as output\.bias) \(its old and new names\): keep one\.$/,
    ],
    [
      'metadata whose architecture is not JSON',
      (good) => withMetadata(good, { architecture: '{layers: 2' }),
      /^The file's metadata is not valid: architecture: not JSON\.$/,
    ],
  ];
  for (const [label, corrupt, message, expectedOverride] of cases) {
    it(label, async () => {
      const source = await tinyTrainer();
      await source.step();
      const good = await exportAdapters(source.model, contextOf(source));
      const target = await tinyTrainer();
      const before = await allValues(target.model);
      const expected = { ...contextOf(target), ...expectedOverride };
      expect(() => importAdapters(target.model, corrupt(good), expected)).toThrow(AdapterImportError);
      expect(() => importAdapters(target.model, corrupt(good), expected)).toThrow(message);
      const after = await allValues(target.model);
      for (const [name, values] of before) expect(bits(after.get(name)!), name).toEqual(bits(values));
      source.dispose();
      target.dispose();
    });
  }
});

/** The good file with output.bias replaced by `values` (shape [values.length]). */
function withOutBias(good: Uint8Array, values: number[]): Uint8Array {
  const file = openSafetensors(good, 'good');
  const tensors = file
    .names()
    .map((name) =>
      name === 'output.bias'
        ? { name, dtype: 'F32' as const, shape: [values.length], data: values }
        : { name, dtype: 'F32' as const, shape: file.info(name).shape, data: file.read(name) },
    );
  return writeSafetensors(tensors, file.header.metadata);
}

/** The good file plus a tensor `name` of `shape` (zeros). */
function withExtra(good: Uint8Array, name: string, shape: number[]): Uint8Array {
  const file = openSafetensors(good, 'good');
  const tensors = file.names().map((n) => ({ name: n, dtype: 'F32' as const, shape: file.info(n).shape, data: file.read(n) }));
  return writeSafetensors([...tensors, { name, dtype: 'F32', shape, data: new Array(shape.reduce((a, b) => a * b, 1)).fill(0) }], file.header.metadata);
}

/** The good file with some metadata replaced. */
function withMetadata(good: Uint8Array, patch: Record<string, string>): Uint8Array {
  const file = openSafetensors(good, 'good');
  return writeSafetensors(
    file.names().map((n) => ({ name: n, dtype: 'F32' as const, shape: file.info(n).shape, data: file.read(n) })),
    { ...file.header.metadata, ...patch },
  );
}

function goodMetadata(): Record<string, string> {
  return {
    format: 'fpt-adapters',
    version: '2',
    base_model: 'tiny-gpt2',
    base_model_sha256: 'a'.repeat(64),
    architecture: JSON.stringify({ layers: 2, width: 64, heads: 4 }),
    task: 'bit-xor',
  };
}

describe('backboneSha256', () => {
  it('uses the checkpoint sha for pretrained weights, and hashes config, init and seed otherwise', async () => {
    const { config } = await loadTinyCheckpoint();
    expect(await backboneSha256({ config, init: 'pretrained', seed: 1, sourceSha256: 'c'.repeat(64) })).toBe('c'.repeat(64));
    const random0 = await backboneSha256({ config, init: 'random', seed: 0 });
    expect(random0).toMatch(/^[0-9a-f]{64}$/);
    expect(await backboneSha256({ config, init: 'random', seed: 1 })).not.toBe(random0);
    expect(await backboneSha256({ config, init: 'pretrained', seed: 0 })).toBe(await backboneSha256({ config, init: 'pretrained', seed: 5 }));
  });
});

describe('imported adapters belong to the run (issue 11, item 3)', () => {
  it('a snapshot carries imported tensors of frozen groups, so a restart or reload keeps them', async () => {
    const source = await tinyTrainer();
    for (let i = 0; i < 2; i++) await source.step();
    const bytes = await exportAdapters(source.model, contextOf(source));
    const { config, tensors } = await loadTinyCheckpoint();
    const onlyOutput = async () =>
      new Trainer(await createTask('bit-xor'), config, 'pretrained', { batchSize: 4, evalBatches: 1, groups: ['output'], seed: 0 }, tensors);
    const target = await onlyOutput();
    const imported = target.importAdapters(bytes, contextOf(target));
    expect(imported).toContain('h.0.ln_1.weight');
    const snapshot = await target.snapshot();
    // Every imported tensor is in the snapshot, frozen groups (layernorm, positions, input) included.
    expect(Object.keys(snapshot.params).sort()).toEqual([...imported].sort());
    const sourceValues = await allValues(source.model);
    // Restored into a fresh run (a reload, or a new worker after a lost device), the values are the file's.
    const restarted = await onlyOutput();
    restarted.restore(snapshot);
    const after = await allValues(restarted.model);
    for (const name of imported) expect(bits(after.get(name)!), name).toEqual(bits(sourceValues.get(name)!));
    for (const t of [source, target, restarted]) t.dispose();
  });
});
