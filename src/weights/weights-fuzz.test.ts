/**
 * Property tests (fast-check): random mutations of valid safetensors files and shard manifests. Each
 * mutated input either loads exactly what an independent reading of the same bytes says it holds, or
 * fails with the project's own error type (InputError, of which CheckpointError and ManifestError are
 * kinds) and a message naming the input; never a raw TypeError or RangeError. Allocation stays within
 * the stated bounds: decoded tensors take at most twice the file's bytes (F16 widens to F32), and an
 * accepted manifest never asks a loader for a shard over MANIFEST_LIMITS.shardBytes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from './errors';
import type { BackboneTensors } from './gpt2-checkpoint';
import { openSafetensors, writeSafetensors } from './safetensors';
import { decodeShardTensors, MANIFEST_LIMITS, parseShardManifest, type ShardManifest } from './shard-manifest';
import { COMMITTED_TINY_DIR } from './shard-test-support';
import { rawSafetensors } from './test-fixtures';

const RUNS = 1000;
const SEED = 20261129;

// ---- an independent reader (DataView and JSON.parse, nothing from the code under test) ----

function f16(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function independentValues(bytes: Uint8Array, dtype: string, begin: number, end: number): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset + begin, end - begin);
  const values: number[] = [];
  if (dtype === 'F32') for (let i = 0; i < view.byteLength; i += 4) values.push(view.getFloat32(i, true));
  else for (let i = 0; i < view.byteLength; i += 2) values.push(f16(view.getUint16(i, true)));
  return values;
}

/** What the mutated file says it holds, read independently: name -> values. */
function independentRead(bytes: Uint8Array): Map<string, number[]> {
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  const json = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<string, { dtype: string; data_offsets: [number, number] }>;
  const out = new Map<string, number[]>();
  for (const [name, entry] of Object.entries(json)) {
    if (name === '__metadata__') continue;
    out.set(name, independentValues(bytes, entry.dtype, 8 + headerLength + entry.data_offsets[0], 8 + headerLength + entry.data_offsets[1]));
  }
  return out;
}

function expectOwnError(error: unknown): void {
  if (!(error instanceof InputError))
    throw new Error(`not the project's error type: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  expect(error.message.length).toBeGreaterThan(error.source.length + 2);
  expect(error.message.length).toBeLessThan(2000);
}

// ---- mutations ----

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path to a value inside `value` (the root included). */
function paths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(value)) value.forEach((item, i) => out.push(...paths(item, [...prefix, i])));
  else if (value !== null && typeof value === 'object') for (const [key, item] of Object.entries(value)) out.push(...paths(item, [...prefix, key]));
  return out;
}

const SPECIAL_VALUES: Json[] = [
  null,
  -1,
  0,
  1,
  1.5,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  1e308,
  -0,
  '',
  'F16',
  'F32',
  'BF16',
  'I64',
  '../x',
  'shard-000.bin',
  [],
  {},
  [0, 0],
  [2 ** 53, 1],
  'x'.repeat(5000),
];

const jsonMutation = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('replace', 'delete', 'add', 'duplicate'),
  value: fc.oneof(fc.constantFrom(...SPECIAL_VALUES), fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>),
  key: fc.oneof(
    fc.constantFrom('bytes', 'offset', 'length', 'shape', 'dtype', 'name', 'shard', 'data_offsets', '__proto__', 'constructor'),
    fc.string({ maxLength: 8 }),
  ),
});

function mutateJson(root: Json, mutation: { at: number; op: string; value: Json; key: string }): Json {
  const copy = structuredClone(root) as Json;
  const all = paths(copy);
  const path = all[mutation.at % all.length];
  if (path.length === 0) return mutation.op === 'replace' ? mutation.value : copy;
  const parent = path.slice(0, -1).reduce<Json>((node, key) => (node as Record<string, Json>)[key as string], copy) as Record<string, Json> | Json[];
  const last = path[path.length - 1];
  if (mutation.op === 'replace') (parent as Record<string, Json>)[last as string] = mutation.value;
  else if (mutation.op === 'delete') {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last as string];
  } else if (mutation.op === 'add') {
    const target = (parent as Record<string, Json>)[last as string];
    if (Array.isArray(target)) target.push(mutation.value);
    else if (target !== null && typeof target === 'object')
      Object.defineProperty(target, mutation.key, { value: mutation.value, enumerable: true, writable: true, configurable: true });
    else (parent as Record<string, Json>)[last as string] = mutation.value;
  } else {
    // duplicate: an array item appears twice
    if (Array.isArray(parent)) parent.push(structuredClone(parent[last as number]));
  }
  return copy;
}

const byteMutation = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.nat(255) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('length' as const), value: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) }),
);

function mutateBytes(bytes: Uint8Array, mutation: fc.Arbitrary<unknown> extends never ? never : Record<string, unknown>, headerBias: number): Uint8Array {
  // Most interesting bytes are in the 8-byte prefix and the header: aim there most of the time.
  const span = Math.max(1, headerBias);
  const at = (mutation.at as number | undefined) ?? 0;
  const position = at % 2 === 0 ? at % bytes.byteLength : at % span;
  switch (mutation.kind) {
    case 'set': {
      const out = bytes.slice();
      out[position] = mutation.value as number;
      return out;
    }
    case 'truncate':
      return bytes.slice(0, position);
    case 'insert': {
      const extra = mutation.bytes as Uint8Array;
      const out = new Uint8Array(bytes.byteLength + extra.byteLength);
      out.set(bytes.subarray(0, position));
      out.set(extra, position);
      out.set(bytes.subarray(position), position + extra.byteLength);
      return out;
    }
    case 'delete': {
      const count = Math.min(mutation.count as number, bytes.byteLength - position);
      const out = new Uint8Array(bytes.byteLength - count);
      out.set(bytes.subarray(0, position));
      out.set(bytes.subarray(position + count), position);
      return out;
    }
    default: {
      const out = bytes.slice();
      new DataView(out.buffer).setBigUint64(0, mutation.value as bigint, true);
      return out;
    }
  }
}

// ---- safetensors ----

const VALID = writeSafetensors(
  [
    { name: 'h.0.attn.c_attn.weight', dtype: 'F32', shape: [2, 3], data: [0.5, -1, 2, 3.25, 1e-3, -7] },
    { name: 'wpe.weight', dtype: 'F16', shape: [4], data: [1, 0.5, -2, 65504] },
    { name: 'scalar', dtype: 'F32', shape: [], data: [42] },
    { name: 'empty', dtype: 'F16', shape: [0, 3], data: [] },
  ],
  { format: 'pt' },
);
const VALID_HEADER_END = 8 + Number(new DataView(VALID.buffer).getBigUint64(0, true));

/** Our reading; checks it against the independent one, and the allocation bound. */
function checkSafetensors(bytes: Uint8Array): 'loaded' | 'refused' {
  let ours: Map<string, Float32Array>;
  try {
    const file = openSafetensors(bytes, 'fuzz.safetensors');
    ours = new Map(file.names().map((name) => [name, file.read(name)]));
  } catch (error) {
    expectOwnError(error);
    return 'refused';
  }
  const theirs = independentRead(bytes);
  expect([...ours.keys()]).toEqual([...theirs.keys()]);
  let decodedBytes = 0;
  for (const [name, values] of ours) {
    expect(Array.from(values)).toEqual(theirs.get(name));
    decodedBytes += values.byteLength;
  }
  expect(decodedBytes).toBeLessThanOrEqual(2 * bytes.byteLength);
  return 'loaded';
}

describe('fuzz: safetensors', () => {
  it('the valid file itself loads', () => {
    expect(checkSafetensors(VALID)).toBe('loaded');
  });

  it(`${RUNS} byte-level mutations (prefix, header, data; set, truncate, insert, delete, length)`, () => {
    const outcomes = { loaded: 0, refused: 0 };
    fc.assert(
      fc.property(byteMutation, (mutation) => {
        outcomes[checkSafetensors(mutateBytes(VALID, mutation as Record<string, unknown>, VALID_HEADER_END))]++;
      }),
      { numRuns: RUNS, seed: SEED },
    );
    // Both outcomes occur: the mutations reach past the first check.
    expect(outcomes.loaded).toBeGreaterThan(10);
    expect(outcomes.refused).toBeGreaterThan(300);
  });

  it(`${RUNS} header mutations (any field replaced, deleted, added, duplicated)`, () => {
    const header = JSON.parse(new TextDecoder().decode(VALID.subarray(8, VALID_HEADER_END))) as Json;
    const data = VALID.subarray(VALID_HEADER_END);
    const outcomes = { loaded: 0, refused: 0 };
    fc.assert(
      fc.property(jsonMutation, (mutation) => {
        outcomes[checkSafetensors(rawSafetensors(mutateJson(header, mutation), data))]++;
      }),
      { numRuns: RUNS, seed: SEED },
    );
    expect(outcomes.loaded).toBeGreaterThan(20);
    expect(outcomes.refused).toBeGreaterThan(200);
  });
});

// ---- the shard manifest ----

const MANIFEST_TEXT = readFileSync(join(COMMITTED_TINY_DIR, 'manifest.json'), 'utf8');
const MANIFEST = JSON.parse(MANIFEST_TEXT) as ShardManifest;
const SHARDS = new Map(MANIFEST.shards.map((s) => [s.file, new Uint8Array(readFileSync(join(COMMITTED_TINY_DIR, s.file)))]));

/** Parse as the loaders do (JSON, then the schema), decode every needed shard, compare independently. */
function checkManifest(text: string): 'loaded' | 'refused' {
  let loaded: BackboneTensors;
  let manifest: ShardManifest;
  try {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return 'refused'; // the loaders turn this into a ManifestError ("not valid JSON"); load-manifest.test.ts covers that
    }
    const valid = parseShardManifest(json, 'fuzz/manifest.json');
    manifest = valid.manifest;
    for (const index of valid.neededShards) {
      const shard = manifest.shards[index];
      expect(shard.bytes).toBeLessThanOrEqual(MANIFEST_LIMITS.shardBytes);
      expect(manifest.totalBytes).toBeLessThanOrEqual(MANIFEST_LIMITS.totalBytes);
    }
    loaded = new Map();
    for (const index of valid.neededShards) {
      const bytes = SHARDS.get(manifest.shards[index].file);
      // A loader verifies size and sha256 first: a shard that is not the committed file never gets here.
      if (
        bytes === undefined ||
        bytes.byteLength !== manifest.shards[index].bytes ||
        manifest.shards[index].sha256 !== MANIFEST.shards.find((s) => s.file === manifest.shards[index].file)?.sha256
      )
        return 'refused';
      decodeShardTensors(valid, index, bytes, manifest.shards[index].file, loaded);
    }
  } catch (error) {
    expectOwnError(error);
    return 'refused';
  }
  for (const [name, tensor] of loaded) {
    const entry = manifest.tensors.find((t) => t.name === name)!;
    const bytes = SHARDS.get(manifest.shards[entry.shard].file)!;
    const expected = independentValues(bytes, entry.dtype, entry.offset, entry.offset + entry.length);
    const differing = expected.findIndex((value, i) => !Object.is(value, tensor.data[i]));
    if (differing >= 0 || expected.length !== tensor.data.length) throw new Error(`${name}: loaded values differ from the bytes at index ${differing}`);
    expect(tensor.shape).toEqual(entry.shape);
  }
  return 'loaded';
}

describe('fuzz: shard manifest', () => {
  it('the committed manifest itself loads', () => {
    expect(checkManifest(MANIFEST_TEXT)).toBe('loaded');
  });

  it(`${RUNS} field mutations (any field replaced, deleted, added, duplicated)`, () => {
    const outcomes = { loaded: 0, refused: 0 };
    fc.assert(
      fc.property(jsonMutation, (mutation) => {
        outcomes[checkManifest(JSON.stringify(mutateJson(MANIFEST as unknown as Json, mutation)))]++;
      }),
      { numRuns: RUNS, seed: SEED },
    );
    expect(outcomes.loaded).toBeGreaterThan(20);
    expect(outcomes.refused).toBeGreaterThan(200);
  });

  it(`${RUNS} text mutations (set, truncate, insert, delete characters)`, () => {
    const bytes = new TextEncoder().encode(MANIFEST_TEXT);
    const outcomes = { loaded: 0, refused: 0 };
    fc.assert(
      fc.property(
        byteMutation.filter((m) => m.kind !== 'length'),
        (mutation) => {
          const mutated = mutateBytes(bytes, mutation as Record<string, unknown>, bytes.byteLength);
          outcomes[checkManifest(new TextDecoder().decode(mutated))]++;
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
    expect(outcomes.loaded).toBeGreaterThan(10);
    expect(outcomes.refused).toBeGreaterThan(200);
  });
});
